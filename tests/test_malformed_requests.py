"""No malformed request is ever a 500: every URL, odd query strings and bodies, anonymous and superuser.

Walks the whole URL configuration (the public site and every admin page), fills each address's
parameters with real object ids and slugs or with nonsense, and sends hypothesis-generated
query strings (NUL bytes, bad percent-encoding, non-ASCII and out-of-range digits, odd dates)
and bodies (odd charsets, broken multipart, JSON). Any 500 fails with the request that caused it.
"""

import re
from urllib.parse import quote

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_article, make_consultation

CSRF_SECRET = "k" * 32

GROUP = re.compile(r"\(\?P<(\w+)>((?:[^()]|\([^()]*\))*)\)")

NASTY = [
    "",
    "\x00",
    "a\x00b",
    "٣",  # Arabic-Indic three
    "１２",  # fullwidth digits
    "²",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "nan",
    "2026-13-45",
    "2027-03-14 02:30",
    "☃",
    "'; --",
    "<script>",
    "__proto__",
    "null",
    "true",
    " ",
    "a" * 300,
]
RAW_NASTY = ["%", "%zz", "%ff%fe", "%c3%28", "%00", "%E9t%E9", "%%", "=", "&&", "a=b=c", "%2"]

QUERY_KEYS = [
    "q",
    "page",
    "p",
    "o",
    "e",
    "all",
    "article",
    "topic",
    "status",
    "priority",
    "next",
    "_to_field",
    "_popup",
    "_changelist_filters",
    "action",
    "_selected_action",
    "select_across",
    "index",
    "version",
]


def admin_lookup_keys():
    keys = []
    for model in admin.site._registry:
        for field in model._meta.get_fields():
            if getattr(field, "concrete", False):
                keys += [field.name, f"{field.name}__exact", f"{field.name}__gte", f"{field.name}__in"]
                keys += [f"{field.name}__isnull", f"{field.name}__id__exact"]
    return keys


def walk(resolver, prefix=""):
    """Every URL pattern as one regular expression (without anchors)."""
    for entry in resolver.url_patterns:
        regex = entry.pattern.regex.pattern.removeprefix("^").removesuffix(r"\Z").removesuffix("$")
        if isinstance(entry, URLResolver):
            yield from walk(entry, prefix + regex)
        elif isinstance(entry, URLPattern):
            yield prefix + regex


def unescape(literal):
    return re.sub(r"\\(.)", r"\1", literal)


def text_for(group_name, body, known):
    candidates = [st.sampled_from(known.get(group_name, ["1"]))]
    candidates.append(st.from_regex(f"(?:{body})", fullmatch=True).filter(lambda s: len(s) < 60))
    candidates.append(st.sampled_from(NASTY))
    return st.one_of(candidates).map(lambda value: quote(value, safe=""))


def path_strategy(regex, known):
    parts = []
    position = 0
    for match in GROUP.finditer(regex):
        parts.append(st.just(quote(unescape(regex[position : match.start()]), safe="/")))
        parts.append(text_for(match.group(1), match.group(2), known))
        position = match.end()
    parts.append(st.just(quote(unescape(regex[position:]), safe="/")))
    return st.tuples(*parts).map(lambda pieces: "/" + "".join(pieces))


def values():
    return st.one_of(
        st.sampled_from(NASTY).map(lambda value: quote(value, safe="")),
        st.sampled_from(RAW_NASTY),
        st.text(max_size=12).map(lambda value: quote(value, safe="")),
        st.integers(min_value=-(10**25), max_value=10**25).map(str),
    )


def query_strategy(keys):
    pair = st.tuples(st.one_of(st.sampled_from(keys), st.sampled_from(RAW_NASTY)), values())
    return st.lists(pair, max_size=5).map(lambda pairs: "&".join(f"{key}={value}" for key, value in pairs))


CONTENT_TYPES = [
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=no-such-charset",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "application/json",
    "text/plain; charset=utf-16",
]


def body_strategy(keys):
    return st.tuples(
        st.sampled_from(CONTENT_TYPES),
        st.one_of(query_strategy(keys).map(str.encode), st.binary(max_size=60)),
    )


def csrf_checking_client():
    """A client that is checked for CSRF like a browser, holding a CSRF cookie."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=True)
    client.cookies["csrftoken"] = CSRF_SECRET
    return client


@pytest.fixture
def known_values(clinic, topic):
    article = make_article(slug="guide", topics=[topic], main_topic=topic)
    consultation = make_consultation()
    ids = [str(article.pk), str(consultation.pk), str(topic.pk), "1"]
    return {
        "object_id": ids,
        "id": ids,
        "pk": ids,
        "slug": [article.slug, topic.slug],
        "app_label": ["appointments", "education", "auth", "clinic"],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "superuser"])
def test_no_url_answers_500_to_odd_query_strings_or_bodies(who, known_values, admin_user, caplog):
    client = csrf_checking_client()
    keys = QUERY_KEYS + admin_lookup_keys()
    patterns = sorted(set(walk(get_resolver())))

    @settings(
        max_examples=200,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def check(data):
        if who == "superuser":
            client.force_login(admin_user)  # again: an example may have posted to the admin's log-out
        regex = data.draw(st.sampled_from(patterns), label="url pattern")
        path = data.draw(path_strategy(regex, known_values), label="path")
        query = data.draw(query_strategy(keys), label="query")
        url = f"{path}?{query}" if query else path
        if data.draw(st.booleans(), label="post"):
            content_type, body = data.draw(body_strategy(keys), label="body")
            token = data.draw(st.sampled_from([CSRF_SECRET, "", "wrong"]), label="csrf token")
            response = client.generic("POST", url, body, content_type=content_type, HTTP_X_CSRFTOKEN=token)
        else:
            response = client.get(url)
        assert response.status_code != 500, url

    check()


ODD_QUERY = "q=%00%ff&page=%D9%A3&p=99999999999999999999&o=%EF%BC%91&e=%zz&status=%00&created_at__gte=2026-13-45"


def fixed_path(regex, known):
    """The address with each parameter set to a real id or slug (or "1")."""
    path = GROUP.sub(lambda match: "\x01" + known.get(match.group(1), ["1"])[0] + "\x01", regex)
    return "/" + "".join(part if n % 2 else unescape(part) for n, part in enumerate(path.split("\x01")))


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "superuser"])
def test_every_url_survives_a_nul_query_and_a_latin1_post(who, known_values, admin_user):
    client = csrf_checking_client()
    for regex in sorted(set(walk(get_resolver()))):
        path = fixed_path(regex, known_values)
        if "logout" in path:
            continue
        if who == "superuser":
            client.force_login(admin_user)
        assert client.get(f"{path}?{ODD_QUERY}").status_code != 500, path
        body = "q=caf\xe9&post=no".encode("latin-1")
        content_type = "application/x-www-form-urlencoded; charset=latin-1"
        for token in [CSRF_SECRET, "wrong"]:  # past the CSRF check, and turned away by it
            response = client.generic(
                "POST", f"{path}?{ODD_QUERY}", body, content_type=content_type, HTTP_X_CSRFTOKEN=token
            )
            assert response.status_code != 500, path


@pytest.mark.django_db
def test_a_nul_byte_in_a_search_is_dropped_before_any_view_sees_it(client, article):
    # The middleware is the one place NULs are handled: the search still finds the article.
    response = client.get("/education/search/", {"q": "fu\x00sion"})

    assert response.status_code == 200
    assert article.title in response.content.decode()
