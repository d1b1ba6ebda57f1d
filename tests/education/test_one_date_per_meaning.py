"""The date a reader is told a page last changed is the same in the page, its JSON-LD, the sitemap
and the feed, and reloading the sample content moves none of them. Feed ids do not follow the request."""

import datetime

import extruct
import feedparser
import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from lxml import etree, html

from education.models import Article

ARTICLE = "/education/why-pain-after-spinal-fusion/"
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def dates_readers_see(client):
    """(page, JSON-LD dateModified, sitemap lastmod, feed entry updated, feed updated), parsed independently."""
    page = client.get(ARTICLE).content.decode()
    tree = html.fromstring(page)
    (shown,) = tree.xpath("//footer[contains(@class, 'article-foot')]//time/@datetime")
    (data,) = [
        item for item in extruct.extract(page, syntaxes=["json-ld"])["json-ld"] if item["@type"] == "MedicalWebPage"
    ]
    sitemap = etree.fromstring(client.get("/sitemap.xml").content)
    (lastmod,) = sitemap.xpath(f"//sm:url[sm:loc[contains(., '{ARTICLE}')]]/sm:lastmod/text()", namespaces=SITEMAP_NS)
    feed = feedparser.parse(client.get("/education/feed/").content)
    (entry,) = feed.entries
    return {
        "page": datetime.datetime.fromisoformat(shown),
        "json-ld": datetime.datetime.fromisoformat(data["dateModified"]),
        "sitemap": datetime.date.fromisoformat(lastmod),
        "feed entry": datetime.datetime.fromisoformat(entry.updated),
        "feed": datetime.datetime.fromisoformat(feed.feed.updated),
    }


def assert_one_date(dates, expected):
    assert dates["page"] == dates["json-ld"] == dates["feed entry"] == dates["feed"] == expected
    assert dates["sitemap"] == timezone.localdate(expected)


@pytest.mark.parametrize("again", [[], ["--reset"]])
def test_loading_the_sample_content_again_moves_no_date(client, db, again):
    call_command("load_sample_content", verbosity=0)
    published = Article.objects.get().last_published_at
    first = dates_readers_see(client)
    assert_one_date(first, published)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        call_command("load_sample_content", *again, verbosity=0)
    Article.objects.filter(pk=Article.objects.get().pk).update(updated_at=timezone.now() + datetime.timedelta(days=5))

    assert dates_readers_see(client) == first


def test_the_date_is_the_last_publication_not_the_last_save(client, db):
    call_command("load_sample_content", verbosity=0)
    article = Article.objects.get()
    republished = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=2)
    Article.objects.filter(pk=article.pk).update(last_published_at=republished)

    assert_one_date(dates_readers_see(client), republished)


def test_feed_and_entry_ids_come_from_the_configured_site_not_the_request(client, db, settings):
    settings.SITE_URL = "https://clinic.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    call_command("load_sample_content", verbosity=0)

    plain = feedparser.parse(client.get("/education/feed/").content)
    secure = feedparser.parse(client.get("/education/feed/", secure=True, HTTP_HOST="other.example").content)

    assert plain.feed.id == secure.feed.id == "https://clinic.example.org/education/feed/"
    assert [entry.id for entry in plain.entries] == [entry.id for entry in secure.entries]
    assert plain.entries[0].id.startswith("tag:clinic.example.org,")
    assert not plain.bozo, plain.get("bozo_exception")
