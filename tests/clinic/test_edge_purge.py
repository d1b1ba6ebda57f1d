"""Publishing drops exactly the changed addresses from the proxy and the CDN, in the worker, never blocking."""

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clinic.models import ClinicProfile, EdgePurge
from education import publishing
from education.content import ArticleContent
from tests.factories import make_article, make_topic
from tests.hanging import hanging_server, refused_port

pytestmark = pytest.mark.django_db
LISTS = {"/", "/education/", "/education/feed/", "/sitemap.xml"}


class FakeCache:
    """A purge endpoint on loopback: records what it is asked and answers `status`."""

    def __init__(self, status=200):
        self.status, self.requests = status, []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                fake.requests.append((self.command, self.path, dict(self.headers), body))
                self.send_response(fake.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_PURGE = do_POST = handle_one

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def paths(self):
        return {path for _, path, _, _ in self.requests}


@pytest.fixture
def nginx(settings):
    fake = FakeCache()
    settings.EDGE_PURGE_NGINX_URLS = [fake.url]
    settings.SITE_URL = "https://clinic.example.org"
    yield fake
    fake.server.shutdown()


@pytest.fixture
def cdn(settings):
    fake = FakeCache()
    settings.EDGE_PURGE_CDN_URL = f"{fake.url}/service/abc/purge"
    settings.EDGE_PURGE_CDN_TOKEN = "cdn-token"
    settings.SITE_URL = "https://clinic.example.org"
    yield fake
    fake.server.shutdown()


@pytest.fixture
def fusion(clinic):
    return make_topic(name="Spinal fusion", slug="spinal-fusion")


@pytest.fixture
def guide(fusion):
    return make_article(title="Fusion guide", slug="fusion-guide", topics=[fusion])


def edit(article, **changes):
    content = ArticleContent.of(article)
    for name, value in changes.items():
        setattr(content, name, value)
    publishing.save_draft(article, content, by=None)
    article.refresh_from_db()


def test_publishing_a_new_address_and_topic_purges_old_and_new(
    nginx, guide, fusion, run_worker, django_capture_on_commit_callbacks
):
    pain = make_topic(name="Chronic pain", slug="chronic-pain")
    neighbour = make_article(title="Living with pain", slug="living-with-pain", topics=[pain])
    unrelated = make_article(title="Neck care", slug="neck-care", topics=[make_topic(slug="neck")])
    edit(guide, slug="fusion-guide-2", topic_ids=[pain.pk])

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(guide, by=None, accept_warnings=True)
    run_worker()

    assert nginx.paths == {
        "/education/fusion-guide/",  # the old address (now a redirect)
        "/education/fusion-guide-2/",
        "/education/topics/spinal-fusion/",  # the topic it left
        "/education/topics/chronic-pain/",  # the topic it joined
        neighbour.get_absolute_url(),  # its related articles now include this one
        *LISTS,
    }
    assert unrelated.get_absolute_url() not in nginx.paths
    assert {method for method, *_ in nginx.requests} == {"PURGE"}
    assert {headers["Host"] for _, _, headers, _ in nginx.requests} == {"clinic.example.org"}
    assert EdgePurge.objects.get().status == EdgePurge.Status.DONE


def test_unpublishing_purges_the_article_and_the_lists(nginx, guide, run_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(type(guide).objects.filter(pk=guide.pk))
    run_worker()

    assert nginx.paths == {"/education/fusion-guide/", "/education/topics/spinal-fusion/", *LISTS}


def test_a_topic_change_purges_its_old_and_new_page_and_its_articles(
    nginx, guide, fusion, run_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        fusion.name, fusion.slug = "Fusion surgery", "fusion-surgery"
        fusion.save()
    run_worker()

    assert nginx.paths == {
        "/education/topics/spinal-fusion/",
        "/education/topics/fusion-surgery/",
        "/education/fusion-guide/",
        *LISTS,
    }


def test_a_clinic_profile_change_purges_every_public_page(
    nginx, guide, fusion, run_worker, django_capture_on_commit_callbacks
):
    make_article(title="A draft", slug="a-draft", status="draft", topics=[fusion])

    with django_capture_on_commit_callbacks(execute=True):
        profile = ClinicProfile.load()
        profile.phone = "(555) 010-0123"
        profile.save()
    run_worker()

    assert nginx.paths == {"/education/fusion-guide/", "/education/topics/spinal-fusion/", *LISTS}


def test_the_cdn_is_told_the_surrogate_keys_and_addresses(cdn, guide, run_worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(type(guide).objects.filter(pk=guide.pk))
    run_worker()

    [(method, path, headers, body)] = cdn.requests
    assert (method, path) == ("POST", "/service/abc/purge")
    assert headers["Fastly-Key"] == "cdn-token"
    expected = {"/education/fusion-guide/", "/education/topics/spinal-fusion/", *LISTS}
    assert set(headers["Surrogate-Key"].split()) == expected
    assert set(json.loads(body)["urls"]) == {f"https://clinic.example.org{path}" for path in expected}


def test_nothing_is_queued_without_a_purge_backend(guide, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(type(guide).objects.filter(pk=guide.pk))

    assert not EdgePurge.objects.exists()


@contextlib.contextmanager
def cdn_refusing():
    yield f"http://127.0.0.1:{refused_port()}/purge"


@contextlib.contextmanager
def cdn_hanging():
    with hanging_server() as server:
        yield f"http://127.0.0.1:{server.port}/purge"


@contextlib.contextmanager
def cdn_failing():
    fake = FakeCache(status=503)
    yield f"{fake.url}/purge"
    fake.server.shutdown()


@pytest.mark.parametrize("down", [cdn_refusing, cdn_hanging, cdn_failing], ids=["refused", "hung", "503"])
def test_a_failing_purge_never_blocks_publishing_is_retried_and_shows_on_the_admin_index(
    settings, guide, run_worker, django_capture_on_commit_callbacks, admin_client, down
):
    settings.EDGE_PURGE_TIMEOUT = 0.5
    settings.EDGE_PURGE_MAX_ATTEMPTS = 2
    with down() as url:
        settings.EDGE_PURGE_CDN_URL = url
        with django_capture_on_commit_callbacks(execute=True):
            assert publishing.unpublish(type(guide).objects.filter(pk=guide.pk)) == 1
        run_worker()

        purge = EdgePurge.objects.get()
        assert (purge.status, purge.attempts) == (EdgePurge.Status.PENDING, 1)
        assert purge.next_attempt_at is not None  # queued again, later
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())  # the retry's time has come
        run_worker()

    purge.refresh_from_db()
    assert (purge.status, purge.attempts) == (EdgePurge.Status.FAILED, 2)
    assert not type(guide).objects.get(pk=guide.pk).is_public  # publishing itself was done at once
    index = admin_client.get(reverse("admin:index")).content.decode()
    assert "could not be purged" in index


def test_rebuilt_scheduling_files_are_purged_when_they_change(
    nginx, clinic, run_worker, django_capture_on_commit_callbacks
):
    from appointments.booking import scheduling_links

    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling_links.publish_and_purge(now)
    run_worker()
    first = set(nginx.paths)
    nginx.requests.clear()

    with django_capture_on_commit_callbacks(execute=True):
        scheduling_links.publish_and_purge(now)  # the same files again
    run_worker()

    assert first == {"/fhir/$bulk-publish", "/fhir/Location.ndjson", "/fhir/Schedule.ndjson", "/fhir/Slot.ndjson"}
    assert nginx.paths == set()
