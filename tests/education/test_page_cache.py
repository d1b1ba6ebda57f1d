"""Published pages are cheap to serve: rendered once, kept until their content changes, 304 on repeat."""

import pytest
from django.urls import reverse

from education import publishing
from education.content import ArticleContent
from education.models import Article
from tests.factories import make_article, make_topic, sign_off_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(clinic):
    return make_article(title="Fusion guide", slug="fusion-guide", topics=[make_topic(name="Spinal fusion")])


def test_a_second_reader_gets_the_page_without_a_database_query(client, article, django_assert_num_queries):
    first = client.get(article.get_absolute_url())

    with django_assert_num_queries(0):
        second = client.get(article.get_absolute_url())

    assert second.status_code == 200
    assert second.content == first.content


def publish_changes(article, change):
    """Change the article's content the editor's way: a draft of changes, then Publish."""
    content = ArticleContent.of(article)
    change(content)
    publishing.save_draft(article, content, by=None)
    sign_off_text(article, content)
    publishing.publish(article, by=None, accept_warnings=True)


def changes():
    """Each edit an editor can make that an article page shows."""

    def edit_article(article):
        publish_changes(article, lambda content: setattr(content, "title", "Renamed guide"))

    def edit_section(article):
        publish_changes(article, lambda content: content.sections.__setitem__(0, ("What it is", "Renamed guide")))

    def rename_topic(article):
        from django.contrib.auth import get_user_model
        from django.test import Client

        topic = article.topics.first()
        admin = Client()
        admin.force_login(get_user_model().objects.create_superuser("topic-admin", "a@example.org", "x" * 14))
        data = {"name": "Renamed guide", "slug": topic.slug, "kind": topic.kind, "description": ""}
        assert admin.post(reverse("admin:education_topic_change", args=[topic.pk]), data).status_code == 302

    def add_topic(article):
        topic = make_topic(name="Renamed guide")
        publish_changes(article, lambda content: content.topic_ids.append(topic.pk))

    def edit_clinic(article):
        from clinic.models import ClinicProfile

        clinic = ClinicProfile.load()
        clinic.name = "Renamed guide"
        clinic.save()

    def related_article(article):
        related = make_article(title="Renamed guide", status=Article.Status.DRAFT, topics=list(article.topics.all()))
        publishing.publish(related, by=None, accept_warnings=True)

    return [edit_article, edit_section, rename_topic, add_topic, edit_clinic, related_article]


@pytest.mark.parametrize("change", changes(), ids=lambda change: change.__name__)
def test_a_cached_page_is_renewed_when_its_content_changes(client, article, change):
    assert b"Renamed guide" not in client.get(article.get_absolute_url()).content

    change(article)

    assert b"Renamed guide" in client.get(article.get_absolute_url()).content


def test_addresses_with_a_query_string_are_not_kept(client, article, rf):
    from education.page_cache import cached_page

    client.get(article.get_absolute_url(), {"utm_source": "flyer"})

    assert cached_page(rf.get(article.get_absolute_url(), {"utm_source": "flyer"})) is None
    assert cached_page(rf.get(article.get_absolute_url())) is None


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_each_host_and_scheme_gets_its_own_copy_with_its_own_addresses(client, article, settings, secure):
    settings.ALLOWED_HOSTS = ["clinic.example", "www.clinic.example"]
    scheme = "https" if secure else "http"
    for host in ["clinic.example", "www.clinic.example", "clinic.example"]:
        page = client.get(article.get_absolute_url(), headers={"host": host}, secure=secure).content.decode()

        own_address = f"{scheme}://{host}/education/fusion-guide/"
        assert f'<link rel="canonical" href="{own_address}">' in page
        assert f'"url": "{own_address}"' in page
    other_scheme = client.get(article.get_absolute_url(), headers={"host": "clinic.example"}, secure=not secure)
    assert f"{scheme}://clinic.example/" not in other_scheme.content.decode()


def test_unpublishing_in_bulk_takes_the_cached_page_down(client, article):
    assert client.get(article.get_absolute_url()).status_code == 200

    publishing.unpublish(Article.objects.filter(pk=article.pk))

    assert client.get(article.get_absolute_url()).status_code == 404


def test_staff_previewing_never_get_or_leave_a_cached_page(editor_client, article):
    from django.test import Client

    draft = make_article(title="Draft guide", status=Article.Status.DRAFT)
    Client().get(article.get_absolute_url())  # a reader's visit fills the cache

    assert b"Preview." in editor_client.get(draft.get_absolute_url()).content
    assert Client().get(draft.get_absolute_url()).status_code == 404
    assert b"Preview." not in Client().get(article.get_absolute_url()).content


def test_repeat_visits_get_304_not_modified(client, article):
    for url in [article.get_absolute_url(), "/", reverse("education:article-list")]:
        first = client.get(url)
        assert first.has_header("ETag"), url

        repeat = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])

        assert repeat.status_code == 304, url
        assert repeat.content == b""
