"""What search engines and link previews read, parsed back with extruct (JSON-LD, Open Graph) and lxml."""

import datetime

import extruct
import phonenumbers
import pytest
from django.contrib.staticfiles import finders
from lxml import html as lxml_html

from tests.factories import make_article, make_clinic, make_topic

BASE = "http://testserver"
WORKING_WEEK = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def extract(response):
    return extruct.extract(response.content.decode(), base_url=BASE, syntaxes=["json-ld", "opengraph"], uniform=True)


def json_ld(response):
    return extract(response)["json-ld"]


def of_type(items, kind):
    found = [item for item in items if item.get("@type") == kind]
    assert len(found) == 1, f"expected one {kind} in {[item.get('@type') for item in items]}"
    return found[0]


def open_graph(response):
    (graph,) = extract(response)["opengraph"]
    return graph


@pytest.fixture
def sample_clinic(db):
    return make_clinic(
        name="BEST Health System",
        phone="(555) 010-0142",
        email="care@example.org",
        address="100 Example Avenue, Suite 200\nSpringfield, ST 00000",
        opens_at=datetime.time(8),
        closes_at=datetime.time(17),
        working_weekdays="01234",
    )


@pytest.fixture
def team_article(sample_clinic):
    fusion = make_topic(name="Spinal fusion", slug="spinal-fusion", kind="treatment")
    pain = make_topic(name="Chronic pain", slug="chronic-pain")
    return make_article(
        title="Why am I in pain after a spinal fusion?",
        slug="why-pain-after-spinal-fusion",
        topics=[fusion, pain],
        main_topic=fusion,
        reviewed_by="BEST Health System medical team",
    )


def assert_is_the_clinic(clinic):
    assert clinic["@type"] == "MedicalClinic"
    assert clinic["name"] == "BEST Health System"
    assert clinic["url"] == f"{BASE}/"
    number = phonenumbers.parse(clinic["telephone"], None)  # global: no default region
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == "+15550100142"
    assert clinic["address"] == {
        "@type": "PostalAddress",
        "streetAddress": "100 Example Avenue, Suite 200",
        "addressLocality": "Springfield",
        "addressRegion": "ST",
        "postalCode": "00000",
        "addressCountry": "US",
    }
    assert clinic["openingHoursSpecification"] == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [
                f"https://schema.org/{day}" for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
            ],
            "opens": "08:00",
            "closes": "17:00",
        }
    ]
    assert clinic["medicalSpecialty"] == ["https://schema.org/Musculoskeletal", "https://schema.org/Neurologic"]


def test_the_home_page_describes_the_clinic_from_its_profile(client, sample_clinic):
    items = json_ld(client.get("/"))

    assert_is_the_clinic(of_type(items, "MedicalClinic"))
    assert of_type(items, "WebSite")["publisher"] == {"@id": f"{BASE}/#clinic"}


def test_the_opening_hours_follow_the_structured_hours_not_the_text(client, sample_clinic):
    sample_clinic.working_weekdays, sample_clinic.opens_at = "0135", datetime.time(7, 30)
    sample_clinic.save()

    (hours,) = of_type(json_ld(client.get("/")), "MedicalClinic")["openingHoursSpecification"]

    assert hours["dayOfWeek"] == [f"https://schema.org/{day}" for day in ("Monday", "Tuesday", "Thursday", "Saturday")]
    assert hours["opens"] == "07:30"


def test_an_article_is_a_medical_web_page_published_by_the_clinic(client, team_article):
    page = of_type(json_ld(client.get(team_article.get_absolute_url())), "MedicalWebPage")

    assert page["url"] == f"{BASE}/education/why-pain-after-spinal-fusion/"
    assert page["about"] == [
        {"@type": "MedicalCondition", "name": "Chronic pain"},
        {"@type": "MedicalTherapy", "name": "Spinal fusion"},
    ]
    assert page["lastReviewed"] == team_article.last_reviewed.isoformat()
    assert_is_the_clinic(page["publisher"])
    # A team is not a person, as reviewer or as author.
    assert page["reviewedBy"] == {"@type": "Organization", "name": "BEST Health System medical team"}
    assert page["author"]["@type"] != "Person" and page["author"]["name"] == "BEST Health System"
    assert page["image"]["url"].startswith(f"{BASE}/static/img/social-card")
    assert (page["image"]["width"], page["image"]["height"]) == (1200, 630)
    crumbs = page["breadcrumb"]
    assert crumbs["@type"] == "BreadcrumbList"
    assert [(item["position"], item["name"], item["item"]) for item in crumbs["itemListElement"]] == [
        (1, "Home", f"{BASE}/"),
        (2, "Patient education", f"{BASE}/education/"),
        (3, "Spinal fusion", f"{BASE}/education/topics/spinal-fusion/"),
        (4, team_article.title, f"{BASE}/education/why-pain-after-spinal-fusion/"),
    ]


def test_a_named_reviewer_is_a_person(client, sample_clinic):
    article = make_article(reviewed_by="Dr. Ana Ruiz, MD")

    page = of_type(json_ld(client.get(article.get_absolute_url())), "MedicalWebPage")

    assert page["reviewedBy"] == {"@type": "Person", "name": "Dr. Ana Ruiz, MD"}


def test_topic_and_list_pages_carry_structured_data(client, team_article):
    topic = of_type(json_ld(client.get("/education/topics/spinal-fusion/")), "CollectionPage")
    listing = of_type(json_ld(client.get("/education/")), "CollectionPage")

    assert topic["about"] == {"@type": "MedicalTherapy", "name": "Spinal fusion"}
    for page in (topic, listing):
        assert_is_the_clinic(page["publisher"])
        assert [item["url"] for item in page["mainEntity"]["itemListElement"]] == [
            f"{BASE}/education/why-pain-after-spinal-fusion/"
        ]
    assert [item["name"] for item in topic["breadcrumb"]["itemListElement"]] == [
        "Home",
        "Patient education",
        "Spinal fusion",
    ]


@pytest.mark.parametrize("path", ["/", "/education/", "/education/topics/spinal-fusion/", "article"])
def test_every_page_has_open_graph_and_twitter_card_tags_with_the_clinic_image(client, team_article, path):
    path = team_article.get_absolute_url() if path == "article" else path
    response = client.get(path)

    graph = open_graph(response)
    assert graph["og:site_name"] == "BEST Health System"
    assert graph["og:title"] and graph["og:description"]
    assert graph["og:url"] == f"{BASE}{path}"
    assert graph["og:image"].startswith(f"{BASE}/static/img/social-card")
    assert (graph["og:image:width"], graph["og:image:height"]) == ("1200", "630")
    assert graph["og:image:alt"]
    tree = lxml_html.fromstring(response.content)
    twitter = {meta.get("name"): meta.get("content") for meta in tree.xpath("//meta[starts-with(@name, 'twitter:')]")}
    assert twitter["twitter:card"] == "summary_large_image"
    assert twitter["twitter:image"] == graph["og:image"]
    assert twitter["twitter:title"] == graph["og:title"]
    assert finders.find(graph["og:image"].removeprefix(f"{BASE}/static/"))  # a file the site serves


def test_the_article_shares_as_an_article(client, team_article):
    graph = open_graph(client.get(team_article.get_absolute_url()))

    assert graph["@type"] == "article"  # extruct's uniform output names og:type "@type"
    assert graph["og:title"] == team_article.title
    assert graph["og:description"] == team_article.summary


def test_the_default_image_is_a_1200_by_630_png():
    from django.conf import settings

    data = (settings.BASE_DIR / "static" / "img" / "social-card.png").read_bytes()

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")  # the IHDR chunk
    assert (width, height) == (1200, 630)
