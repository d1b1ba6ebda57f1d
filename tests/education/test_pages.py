import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from education.models import Article
from tests.factories import make_article, make_scheduled_article, make_topic

pytestmark = pytest.mark.django_db


def page(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


@pytest.fixture
def article(clinic):
    fusion = make_topic(name="Spinal fusion", slug="spinal-fusion")
    return make_article(
        title="Why does my back hurt?",
        slug="why-back-hurts",
        summary="Back pain after surgery is common. Here is why it happens and what can help.",
        topics=[fusion],
        sections=[("The risks", "Surgery has **risks**."), ("Getting relief", "Treatment can help.")],
        reviewed_by="Dr. Ana Ruiz, MD",
        last_reviewed=datetime.date(2026, 2, 3),
    )


def test_home_page_shows_the_clinic_featured_articles_and_the_way_to_ask_for_help(client, clinic):
    featured = make_article(title="Featured guide", featured=True)
    make_article(title="Other guide")

    html = page(client.get("/"))

    assert html.h1.get_text(strip=True) == clinic.name
    assert html.find("a", string="Featured guide")["href"] == featured.get_absolute_url()
    assert html.find("a", string="Other guide") is None
    assert html.find("a", href="/appointments/request/", string="Request a consultation")
    assert clinic.phone in html.get_text()


def test_home_page_lists_recent_articles_when_none_is_featured(client, clinic):
    make_article(title="Recent guide")

    assert page(client.get("/")).find("a", string="Recent guide")


def test_article_list_shows_each_article_once_under_its_main_topic_with_other_topics_as_tags(client, clinic):
    fusion = make_topic(name="Spinal fusion")
    stimulation = make_topic(name="Spinal cord stimulation")
    make_article(title="Fusion guide", topics=[fusion])
    make_article(title="Both guide", topics=[fusion, stimulation], main_topic=fusion)
    make_article(title="Loose guide")
    make_article(title="Draft guide", topics=[fusion], status=Article.Status.DRAFT)

    html = page(client.get("/education/"))
    sections = {section.h2.get_text(strip=True): section for section in html.select("main section")}

    assert set(sections) == {"Spinal fusion", "More articles"}
    assert [a.get_text() for a in sections["Spinal fusion"].select("article h3 a")] == ["Both guide", "Fusion guide"]
    assert [a.get_text() for a in sections["More articles"].select("article h3 a")] == ["Loose guide"]
    titles = [a.get_text() for a in html.select("main article h3 a")]
    assert sorted(titles) == sorted(set(titles))  # each article once
    both = sections["Spinal fusion"].find("h3", string="Both guide").find_parent("article")
    assert [a.get_text() for a in both.select(".topic-tags a")] == ["Spinal cord stimulation"]
    assert both.select_one(".topic-tags a")["href"] == stimulation.get_absolute_url()


def test_article_page_structure(client, article):
    html = page(client.get("/education/why-back-hurts/"))

    assert [h1.get_text(strip=True) for h1 in html.find_all("h1")] == ["Why does my back hurt?"]
    section_headings = html.select("article section > h2")
    assert [(h2["id"], h2.get_text()) for h2 in section_headings] == [
        ("the-risks", "The risks"),
        ("getting-relief", "Getting relief"),
    ]
    toc_links = [a["href"] for a in html.find("nav", attrs={"aria-label": "On this page"}).find_all("a")]
    assert toc_links == ["#the-risks", "#getting-relief"]
    assert "Medically reviewed by Dr. Ana Ruiz, MD on February 3, 2026" in html.get_text(" ", strip=True)
    assert html.find(attrs={"aria-label": "Medical disclaimer"})
    assert html.find("a", href="/appointments/request/?article=why-back-hurts")
    assert "<strong>risks</strong>" in str(html)


def test_article_page_landmarks_and_skip_link(client, article):
    html = page(client.get(article.get_absolute_url()))

    skip = html.find("a", class_="skip-link")
    assert skip["href"] == "#main" and html.find(id="main").name == "main"
    assert html.find("header") and html.find("footer") and html.find("nav", attrs={"aria-label": "Main"})
    assert html.html["lang"] == "en"


def test_article_head_has_description_canonical_open_graph_and_json_ld(client, article):
    html = page(client.get(article.get_absolute_url()))

    assert html.title.get_text().startswith("Why does my back hurt?")
    assert html.find("meta", attrs={"name": "description"})["content"] == article.summary
    assert html.find("link", rel="canonical")["href"] == "http://testserver/education/why-back-hurts/"
    assert html.find("meta", property="og:title")["content"] == article.title
    assert html.find("meta", property="og:url")["content"] == "http://testserver/education/why-back-hurts/"
    data = json.loads(html.find("script", type="application/ld+json").string)
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == "2026-02-03"
    assert data["reviewedBy"]["name"] == "Dr. Ana Ruiz, MD"
    assert data["about"] == [{"@type": "MedicalCondition", "name": "Spinal fusion"}]


def test_json_ld_cannot_be_broken_out_of_by_article_text(client, clinic):
    article = make_article(title="</script><script>alert(1)</script>")

    response = client.get(article.get_absolute_url())

    assert b"<script>alert(1)" not in response.content
    html = page(response)
    assert json.loads(html.find("script", type="application/ld+json").string)["name"] == article.title


def test_article_page_shows_related_articles_by_shared_topic(client, article):
    topic = article.topics.get()
    related = make_article(title="Related guide", topics=[topic])
    make_article(title="Unrelated guide", topics=[make_topic()])

    html = page(client.get(article.get_absolute_url()))
    related_links = html.find("section", class_="related").find_all("a")

    assert [(a.get_text(), a["href"]) for a in related_links] == [("Related guide", related.get_absolute_url())]


def test_article_page_runs_a_constant_number_of_queries(client, clinic, django_assert_max_num_queries):
    topics = [make_topic() for _ in range(6)]
    small = make_article(topics=topics[:1], sections=[("One", "text")])
    big = make_article(topics=topics, sections=[(f"Part {n}", f"Text {n}") for n in range(25)])
    for _ in range(8):
        make_article(topics=topics)

    with CaptureQueriesContext(connection) as small_page:
        client.get(small.get_absolute_url())
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as big_page:
        client.get(big.get_absolute_url())

    assert len(big_page) == len(small_page)


@pytest.mark.parametrize(
    "make",
    [
        lambda: make_article(slug="not-yet", status=Article.Status.DRAFT),
        lambda: make_scheduled_article(slug="not-yet", after=datetime.timedelta(days=3)),
    ],
    ids=["draft", "scheduled"],
)
def test_drafts_and_scheduled_articles_are_hidden_from_the_public(client, clinic, make):
    article = make()

    assert client.get(article.get_absolute_url()).status_code == 404
    assert b"not-yet" not in client.get("/education/").content
    assert b"not-yet" not in client.get("/sitemap.xml").content
    assert b"not-yet" not in client.get("/education/feed/").content


def test_scheduled_article_appears_when_its_time_comes(client, clinic):
    from education import publishing

    article = make_scheduled_article(after=datetime.timedelta(hours=1))
    assert client.get(article.get_absolute_url()).status_code == 404

    publishing.publish_due(now=timezone.now() + datetime.timedelta(hours=1))

    assert client.get(article.get_absolute_url()).status_code == 200


def test_staff_can_preview_a_draft_marked_as_a_preview(editor_client, clinic):
    article = make_article(title="Work in progress", status=Article.Status.DRAFT)

    response = editor_client.get(article.get_absolute_url())
    html = page(response)

    assert "This is a draft" in html.find(class_="preview-banner").get_text()
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"]


def test_staff_without_article_permission_cannot_preview(client, clinic, django_user_model):
    client.force_login(django_user_model.objects.create_user(username="desk", password="x" * 14, is_staff=True))
    article = make_article(status=Article.Status.DRAFT)

    assert client.get(article.get_absolute_url()).status_code == 404


def test_old_address_of_a_renamed_article_redirects_permanently(client, article):
    from education import publishing
    from education.content import ArticleContent

    content = ArticleContent.of(article)
    content.slug = "why-backs-hurt"
    publishing.save_draft(article, content, by=None)
    publishing.publish(article, by=None, accept_warnings=True)

    response = client.get("/education/why-back-hurts/")

    assert response.status_code == 301
    assert response["Location"] == "/education/why-backs-hurt/"


def test_old_address_of_an_unpublished_article_is_not_found(client, article):
    article.slug = "renamed"
    article.save()
    article.status = Article.Status.DRAFT
    article.save()

    assert client.get("/education/why-back-hurts/").status_code == 404


def test_topic_page_lists_its_published_articles(client, article):
    make_article(title="Hidden", topics=list(article.topics.all()), status=Article.Status.DRAFT)

    html = page(client.get("/education/topics/spinal-fusion/"))

    assert html.h1.get_text() == "Spinal fusion"
    assert [a.get_text() for a in html.select("article a")] == [article.title]


def test_unknown_topic_is_not_found(client, clinic):
    assert client.get("/education/topics/nothing-here/").status_code == 404


def test_search_finds_words_in_titles_summaries_and_bodies(client, clinic):
    make_article(title="Spinal cord stimulation", sections=[("What", "A small device.")])
    make_article(title="Recovery", summary="What to expect after a spinal fusion, week by week, in plain words.")
    make_article(title="Exercise", sections=[("Walking", "Walking helps the spine heal.")])
    make_article(title="Spine draft", status=Article.Status.DRAFT)

    def titles(query):
        return [a.get_text() for a in page(client.get("/education/search/", {"q": query})).select("article a")]

    assert titles("spinal") == ["Spinal cord stimulation", "Recovery"]
    assert titles("walking spine") == ["Exercise"]
    assert titles("nothing-matches-this") == []


def test_search_page_says_what_it_found(client, clinic):
    make_article(title="Fusion guide")

    assert "1 article found for “fusion”" in page(client.get("/education/search/?q=fusion")).get_text()
    assert "No articles found" in page(client.get("/education/search/?q=zebra")).get_text()
    assert "Type a word" in page(client.get("/education/search/")).get_text()


def test_search_handles_hostile_and_huge_queries(client, clinic):
    make_article(title="Fusion guide")

    for query in ["<script>alert(1)</script>", "x" * 5000, "'; DROP TABLE education_article; --", "%_\\"]:
        response = client.get("/education/search/", {"q": query})
        assert response.status_code == 200
        assert b"<script>alert(1)" not in response.content
    assert Article.objects.count() == 1


def test_feed_lists_published_articles(client, article):
    response = client.get("/education/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    assert b"Why does my back hurt?" in response.content


def test_sitemap_lists_published_articles_and_their_topics(client, article):
    make_topic(name="Empty topic", slug="empty-topic")

    body = client.get("/sitemap.xml").content.decode()

    assert "http://testserver/education/why-back-hurts/" in body
    assert "http://testserver/education/topics/spinal-fusion/" in body
    assert "empty-topic" not in body


def test_robots_txt_names_the_sitemap(client):
    body = client.get("/robots.txt").content.decode()

    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    assert response["Location"].endswith("favicon.svg")


def test_not_found_page_is_friendly_and_helps_people_on(client, clinic):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    html = BeautifulSoup(response.content, "html.parser")
    assert "can’t find that page" in html.h1.get_text()
    assert html.find("a", href="/education/")
    assert clinic.phone in html.get_text()


def test_server_error_page_is_friendly_and_has_the_phone_number(clinic, rf):
    from clinic.error_pages import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert b"something went wrong" in response.content.lower()
    assert clinic.phone.encode() in response.content
    assert b"Traceback" not in response.content


def test_clinic_details_come_from_the_profile_on_every_page(client, clinic):
    clinic.name = "Renamed Clinic"
    clinic.phone = "(555) 010-0111"
    clinic.save()

    for url in ["/", "/education/", "/education/search/", "/no-such-page/"]:
        text = client.get(url).content.decode()
        assert "Renamed Clinic" in text and "(555) 010-0111" in text, url


def site_css():
    from pathlib import Path

    from django.contrib.staticfiles import finders

    return Path(finders.find("css/site.css")).read_text()


def test_article_with_warning_signs_has_a_short_urgent_help_box_before_the_first_section(client, clinic):
    fusion = make_topic(name="Spinal fusion", has_warning_signs=True)
    article = make_article(topics=[fusion], sections=[("First", "One."), ("Second", "Two.")])

    html = page(client.get(article.get_absolute_url()))

    box = html.find("aside", class_="urgent-box")
    assert box.find(class_="urgent-box__title").get_text(strip=True) == "Get urgent help."
    assert box.find("a")["href"] == "#urgent-help"
    assert html.find(id="urgent-help").find("h2").get_text() == "When to get urgent help"
    for sign in clinic.emergency_sign_list:
        assert sign in box.get_text()
    body = str(html.find("article"))
    assert body.index("urgent-box") < body.index('id="first"') < body.index('id="urgent-help"')


def test_article_without_warning_signs_has_no_urgent_help_box(client, article):
    assert not page(client.get(article.get_absolute_url())).find(class_="urgent-box")


def test_the_top_of_an_article_is_title_summary_one_review_line_then_the_text(client, article):
    html = page(client.get(article.get_absolute_url()))

    header = html.select_one("article header")
    assert [child.name for child in header.find_all(recursive=False)] == ["h1", "p", "p"]
    (line,) = header.select(".review-line")
    assert line.get_text(" ", strip=True) == (
        "Medically reviewed by Dr. Ana Ruiz, MD on February 3, 2026 · Next review due: February 3, 2029"
    )
    assert not header.select(".topic-tags")
    body = str(html.find("article"))
    assert body.index('aria-label="On this page"') < body.index('id="the-risks"') < body.index("topic-tags")


def test_the_call_to_action_stays_in_view_on_desktop(client, article):
    html = page(client.get(article.get_absolute_url()))
    stylesheet = site_css()

    assert html.select_one(".article-aside .consultation-cta")
    assert ".article-aside { position: sticky;" in stylesheet


def test_an_article_prints_as_a_handout_with_the_clinics_phone_and_the_review_line_at_the_foot(client, article):
    html = page(client.get(article.get_absolute_url()))
    stylesheet = site_css()

    foot = html.find(class_="print-foot")
    assert "(555) 010-0199" in foot.get_text() and "Medically reviewed by" in foot.get_text()
    print_rules = stylesheet[stylesheet.index("@media print {\n  .site-header") :]
    assert ".site-header" in print_rules and ".btn" in print_rules and ".consultation-cta" in print_rules
    assert "attr(href)" in print_rules and ".print-foot { display: block" in print_rules


def test_search_finds_other_forms_of_a_word(client, clinic):
    make_article(title="Living with a spinal cord device", sections=[("How it works", "Stimulation of the nerves.")])
    make_article(title="Unrelated guide", sections=[("Rest", "Lie down.")])

    html = page(client.get("/education/search/", {"q": "stimulator"}))

    assert [a.get_text() for a in html.select(".article-card h3 a")] == ["Living with a spinal cord device"]


def test_a_misspelled_search_offers_a_word_from_the_articles(client, clinic):
    make_article(title="Spinal fusion recovery", sections=[("Weeks", "Rest, then move.")])

    html = page(client.get("/education/search/", {"q": "fusoin"}))

    offer = html.find(class_="did-you-mean")
    assert offer.get_text(" ", strip=True) == "Did you mean fusion ?"
    assert offer.a["href"] == "?q=fusion"
    assert page(client.get("/education/search/" + offer.a["href"])).select(".article-card")


def test_no_suggestion_when_no_word_comes_close(client, clinic):
    make_article(title="Spinal fusion recovery")

    html = page(client.get("/education/search/", {"q": "xylophone"}))

    assert not html.find(class_="did-you-mean")
    assert "No articles found" in html.get_text()


ATOM = "{http://www.w3.org/2005/Atom}"


def test_the_feed_has_every_element_rfc_4287_requires(client, article):
    from xml.etree import ElementTree

    response = client.get("/education/feed/")
    feed = ElementTree.fromstring(response.content)

    def one(parent, name):
        found = parent.findall(f"{ATOM}{name}")
        assert len(found) == 1, name
        return found[0]

    def is_timestamp(text):
        return datetime.datetime.fromisoformat(text).tzinfo is not None

    assert feed.tag == f"{ATOM}feed"
    assert one(feed, "title").text and one(feed, "id").text and is_timestamp(one(feed, "updated").text)
    author = one(feed, "author")  # entries have none of their own, so the feed must name one
    assert one(author, "name").text == "Test Spine Clinic"
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://testserver/education/feed/"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 1
    for entry in entries:
        assert one(entry, "title").text == "Why does my back hurt?"
        assert one(entry, "id").text.startswith("tag:") and str(article.pk) in one(entry, "id").text
        assert is_timestamp(one(entry, "updated").text)
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").endswith(article.get_absolute_url())
        assert one(entry, "summary").text == article.summary


def test_an_entry_keeps_its_id_when_the_article_moves(client, article):
    from xml.etree import ElementTree

    def entry_id():
        feed = ElementTree.fromstring(client.get("/education/feed/").content)
        return feed.find(f"{ATOM}entry/{ATOM}id").text

    before = entry_id()
    article.slug = "a-new-address"
    article.save()

    assert entry_id() == before


def test_the_suggestion_is_the_word_with_the_fewest_typing_slips(clinic):
    from education.search import edit_distance, suggestion

    make_article(title="Spinal fusion recovery", sections=[("Bones", "The bones fuse over months after a fusion.")])

    assert edit_distance("fusoin", "fusion") == 1 and edit_distance("fusoin", "fuse") == 3
    assert suggestion("fusoin", Article.objects.published()) == "fusion"
