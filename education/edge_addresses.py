"""Which public addresses show an article, a topic or the clinic profile: what to purge when one changes.

Publishing calls `purge_articles_after_commit(articles)` before it changes them: the addresses
where they show now are read then, the addresses where they show after the change are read once
it commits, and both go to `clinic.edge_cache.purge_after_commit` (a new slug, an old slug, a
topic added or removed). Topic and clinic profile changes arrive through the same signals that
renew the page cache (education/apps.py).
"""

from functools import partial

from django.db import transaction
from django.urls import reverse

from clinic.edge_cache import purge_after_commit, purging_enabled

from .models import Article, Topic


def listing_addresses():
    """The pages that list articles: home, the article list, the feed and the sitemap."""
    return {reverse("home"), reverse("education:article-list"), reverse("education:feed"), reverse("sitemap")}


def article_addresses(pks):
    """Where these articles show now: their pages, their topics', their neighbours' (related articles), the lists."""
    articles = Article.objects.published().filter(pk__in=pks)
    if not articles.exists():
        return set()
    topics = Topic.objects.filter(articles__in=articles).distinct()
    neighbours = Article.objects.published().filter(topics__in=topics).distinct()
    return {
        *(article.get_absolute_url() for article in Article.objects.filter(pk__in=articles).only("slug")),
        *(topic.get_absolute_url() for topic in topics),
        *(article.get_absolute_url() for article in neighbours.only("slug")),
        *listing_addresses(),
    }


def purge_articles_after_commit(articles):
    """Call before changing public articles: purges where they show now and where they show after the commit."""
    pks = [article.pk for article in articles if article.pk]
    if not purging_enabled() or not pks:
        return
    before = article_addresses(pks)
    transaction.on_commit(partial(_purge_before_and_after, before, pks), robust=True)


def _purge_before_and_after(before, pks):
    purge_after_commit(before | article_addresses(pks))


def topic_addresses(topic_pk):
    """A topic's page, the public articles that name it, the lists (home lists topics; the sitemap has it)."""
    topic = Topic.objects.filter(pk=topic_pk).first()
    if topic is None:
        return set()
    articles = Article.objects.published().filter(topics=topic).only("slug")
    return {topic.get_absolute_url(), *(article.get_absolute_url() for article in articles), *listing_addresses()}


def topic_saving(sender, instance, **kwargs):
    """pre_save / pre_delete of a Topic: remember where it shows before the change."""
    if purging_enabled():
        instance._edge_addresses_before = topic_addresses(instance.pk) if instance.pk else set()


def topic_saved(sender, instance, **kwargs):
    if purging_enabled():
        purge_after_commit(getattr(instance, "_edge_addresses_before", set()) | topic_addresses(instance.pk))


def every_public_address():
    """Every page that shows the clinic's profile (name, phone, hours in the footer; the feed's author)."""
    articles = Article.objects.published()
    topics = Topic.objects.filter(articles__in=articles).distinct()
    return {
        *(article.get_absolute_url() for article in articles.only("slug")),
        *(topic.get_absolute_url() for topic in topics),
        *listing_addresses(),
    }


def clinic_profile_saved(sender, **kwargs):
    if purging_enabled():
        purge_after_commit(every_public_address())


def article_deleting(sender, instance, **kwargs):
    """pre_delete of an Article (the admin's delete): its pages go with it."""
    purge_articles_after_commit([instance])


def connect_signals():
    from django.db.models.signals import post_delete, post_save, pre_delete, pre_save

    from clinic.models import ClinicProfile

    pre_save.connect(topic_saving, sender=Topic, dispatch_uid="edge-topic-before-save")
    pre_delete.connect(topic_saving, sender=Topic, dispatch_uid="edge-topic-before-delete")
    post_save.connect(topic_saved, sender=Topic, dispatch_uid="edge-topic-saved")
    post_delete.connect(topic_saved, sender=Topic, dispatch_uid="edge-topic-deleted")
    post_save.connect(clinic_profile_saved, sender=ClinicProfile, dispatch_uid="edge-clinic-profile-saved")
    pre_delete.connect(article_deleting, sender=Article, dispatch_uid="edge-article-deleting")
