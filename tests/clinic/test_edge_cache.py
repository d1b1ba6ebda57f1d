"""Public pages may be kept by a proxy or a CDN: the same bytes for everyone, headers that say so."""

import pytest
from django.urls import reverse

from tests.factories import make_article, make_scheduled_article, make_topic

pytestmark = pytest.mark.django_db

SHARED_PAGES = [
    "/",
    "/education/",
    "/education/fusion-guide/",
    "/education/topics/spinal-fusion/",
    "/education/feed/",
    "/sitemap.xml",
    "/robots.txt",
    "/.well-known/security.txt",
    "/fhir/$bulk-publish",
    "/fhir/Slot.ndjson",
]


@pytest.fixture
def published(clinic):
    return make_article(
        title="Fusion guide", slug="fusion-guide", topics=[make_topic(name="Spinal fusion", slug="spinal-fusion")]
    )


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_public_pages_may_be_kept_by_shared_caches(client, published, settings, path):
    settings.EDGE_CACHE_MAX_AGE, settings.EDGE_CACHE_S_MAXAGE = 60, 600

    response = client.get(path, secure=True)

    assert response.status_code == 200
    directives = [part.strip() for part in response["Cache-Control"].split(",")]
    assert directives[:3] == ["public", "max-age=60", "s-maxage=600"]
    assert any(part.startswith("stale-while-revalidate=") for part in directives)
    assert any(part.startswith("stale-if-error=") for part in directives)
    assert response["Surrogate-Key"].split() == [path, "clinic-pages"]
    assert "Cookie" not in response.get("Vary", "")  # one copy for everyone: no copy per visitor's cookies
    assert not response.cookies


@pytest.mark.parametrize("path", SHARED_PAGES)
def test_public_pages_are_the_same_bytes_for_every_visitor(client, django_user_model, published, path):
    from django.test import Client

    newcomer = Client()
    form_visitor = Client()  # has the request form's CSRF and browser cookies
    form_visitor.get(reverse("appointments:request"), secure=True)
    assert form_visitor.cookies

    first = newcomer.get(path, secure=True)
    second = form_visitor.get(path, secure=True)

    assert first.content == second.content
    assert b"csrfmiddlewaretoken" not in first.content and b"nonce" not in first.content
    assert first["Cache-Control"] == second["Cache-Control"]
    assert first["Content-Security-Policy"] == second["Content-Security-Policy"]  # no per-request nonce
    assert "public" in second["Cache-Control"]


def test_a_visitor_with_a_session_gets_the_same_page_marked_private(client, published, settings):
    anonymous = client.get(published.get_absolute_url(), secure=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = "a-session-of-someone"

    with_session = client.get(published.get_absolute_url(), secure=True)

    assert with_session.content == anonymous.content
    assert with_session["Cache-Control"] == "private, no-store"
    assert "Surrogate-Key" not in with_session


def test_staff_answers_are_private_even_on_public_pages(editor_client, published):
    scheduled = make_scheduled_article(title="Coming soon", slug="coming-soon")

    for path in [published.get_absolute_url(), scheduled.get_absolute_url(), "/", "/education/"]:
        response = editor_client.get(path, secure=True)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "private, no-store", path
    assert b"Preview." in editor_client.get(scheduled.get_absolute_url(), secure=True).content


@pytest.mark.parametrize(
    "path",
    ["/appointments/request/", "/admin/", "/admin/login/", "/education/preview/1/"],
)
def test_forms_previews_and_the_admin_stay_private(client, published, path):
    response = client.get(path, secure=True)

    cache_control = response.get("Cache-Control", "")
    assert "public" not in cache_control and "s-maxage" not in cache_control
    assert "Surrogate-Key" not in response
    if response.status_code == 200:
        assert "no-store" in cache_control and "private" in cache_control


def test_a_page_with_a_query_string_is_not_shared(client, published):
    response = client.get(published.get_absolute_url(), {"utm_source": "news"}, secure=True)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"  # purging never names this address


def test_a_missing_article_is_not_kept(client, published):
    response = client.get("/education/no-such-article/", secure=True)

    assert response.status_code == 404
    assert "public" not in response.get("Cache-Control", "")


def test_readers_browsers_ask_again_and_get_304_with_the_same_headers(client, published):
    first = client.get(published.get_absolute_url(), secure=True)
    assert "max-age=0," in first["Cache-Control"]  # a reader never sees an old version after a publish

    again = client.get(published.get_absolute_url(), secure=True, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again["Cache-Control"] == first["Cache-Control"]
