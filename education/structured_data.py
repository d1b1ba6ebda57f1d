"""What search engines read about the clinic and its pages: schema.org JSON-LD, in one place.

Built from the clinic profile (a `MedicalClinic`: the home page's subject and every page's
publisher) and from the article (`MedicalWebPage`), the topic and the lists (`CollectionPage`).
Also the one answer to "when did this page last change" (`last_changed`), which the page, the
JSON-LD, the sitemap and the feed all give.
"""

import re

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

from clinic.phone import e164

from .models import Topic

SCHEMA = "https://schema.org"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
TYPE_BY_TOPIC_KIND = {Topic.Kind.CONDITION: "MedicalCondition", Topic.Kind.TREATMENT: "MedicalTherapy"}
# The picture shown when a page is shared or listed, made for the purpose (tests/tools/social_card.py).
DEFAULT_IMAGE = {"path": "img/social-card.png", "width": 1200, "height": 630}
# "BEST Health System medical team", "Spine department": a group, not a person.
GROUP_WORDS = re.compile(
    r"\b(team|staff|department|committee|board|group|clinic|center|centre|system|hospital|practice)\b", re.I
)
# "Springfield, ST 00000" (or "Springfield, ST 00000-1234"): the last line of a US address.
CITY_LINE = re.compile(r"^(?P<city>[^,]+),\s*(?P<region>[A-Z]{2})\s+(?P<postcode>\d{5}(?:-\d{4})?)$")


def last_changed(article):
    """When the content a reader sees was last published: the page's "Last updated", dateModified,
    the sitemap's lastmod and the feed's updated. Editing a draft or reloading samples moves none."""
    return article.last_published_at or article.published_at


def absolute(request, path):
    return request.build_absolute_uri(path)


def clinic_id(request):
    return absolute(request, reverse("home")) + "#clinic"


def default_image(request):
    return {
        "@type": "ImageObject",
        "url": absolute(request, static(DEFAULT_IMAGE["path"])),
        "width": DEFAULT_IMAGE["width"],
        "height": DEFAULT_IMAGE["height"],
    }


def address_parts(text):
    """The clinic's address as typed, in parts: {"lines": [...], "city", "region", "postcode"} (the last
    three only when the last line reads "City, ST 00000"); None for no address."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    match = CITY_LINE.match(lines[-1]) if len(lines) > 1 else None
    if not match:
        return {"lines": lines}
    return {
        "lines": lines[:-1],
        "city": match["city"].strip(),
        "region": match["region"],
        "postcode": match["postcode"],
    }


def postal_address(text, country):
    parts = address_parts(text)
    if parts is None:
        return None
    address = {"@type": "PostalAddress", "streetAddress": ", ".join(parts["lines"])}
    if "city" in parts:
        address.update(addressLocality=parts["city"], addressRegion=parts["region"], postalCode=parts["postcode"])
    address["addressCountry"] = country
    return address


def opening_hours(clinic):
    """One OpeningHoursSpecification for the working days, from the same fields the calendar uses."""
    days = sorted(clinic.weekdays)
    if not days or not clinic.opens_at or not clinic.closes_at:
        return []
    return [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": [f"{SCHEMA}/{WEEKDAYS[day]}" for day in days],
            "opens": f"{clinic.opens_at:%H:%M}",
            "closes": f"{clinic.closes_at:%H:%M}",
        }
    ]


def medical_clinic(clinic, request):
    """The clinic as a MedicalClinic: on the home page, and as the publisher of every other page."""
    data = {
        "@type": "MedicalClinic",
        "@id": clinic_id(request),
        "name": clinic.name,
        "url": absolute(request, reverse("home")),
        "image": default_image(request)["url"],
        "medicalSpecialty": [f"{SCHEMA}/{name}" for name in settings.CLINIC_MEDICAL_SPECIALTIES],
    }
    if clinic.tagline:
        data["description"] = clinic.tagline
    if phone := e164(clinic.phone):
        data["telephone"] = phone
    if clinic.email:
        data["email"] = clinic.email
    if address := postal_address(clinic.address, settings.PHONENUMBER_DEFAULT_REGION):
        data["address"] = address
    if hours := opening_hours(clinic):
        data["openingHoursSpecification"] = hours
    return data


def reviewer(name, clinic):
    """Who checked the facts: a Person only when a person is named, else an Organization."""
    if (clinic.name and clinic.name.casefold() in name.casefold()) or GROUP_WORDS.search(name):
        return {"@type": "Organization", "name": name}
    return {"@type": "Person", "name": name}


def breadcrumbs(request, trail):
    """`trail`: (name, path) pairs from the home page down to this page."""
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": absolute(request, path)}
            for position, (name, path) in enumerate(trail, start=1)
        ],
    }


def _with_context(*items):
    return [{"@context": SCHEMA, **item} for item in items]


def home_page(clinic, request):
    site = {
        "@type": "WebSite",
        "name": clinic.name,
        "url": absolute(request, reverse("home")),
        "publisher": {"@id": clinic_id(request)},
        "potentialAction": {
            "@type": "SearchAction",
            "target": absolute(request, reverse("education:search")) + "?q={search_term_string}",
            "query-input": "required name=search_term_string",
        },
    }
    return _with_context(medical_clinic(clinic, request), site)


def _item_list(request, articles):
    return {
        "@type": "ItemList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "url": absolute(request, article.get_absolute_url())}
            for position, article in enumerate(articles, start=1)
        ],
    }


def _education_trail():
    return [("Home", reverse("home")), ("Patient education", reverse("education:article-list"))]


def article_list_page(clinic, request, articles):
    page = {
        "@type": "CollectionPage",
        "name": "Patient education",
        "url": absolute(request, reverse("education:article-list")),
        "inLanguage": "en",
        "publisher": medical_clinic(clinic, request),
        "breadcrumb": breadcrumbs(request, _education_trail()),
        "mainEntity": _item_list(request, articles),
    }
    return _with_context(page)


def topic_page(clinic, request, topic, articles):
    page = {
        "@type": "CollectionPage",
        "name": topic.name,
        "url": absolute(request, topic.get_absolute_url()),
        "inLanguage": "en",
        "about": {"@type": TYPE_BY_TOPIC_KIND.get(topic.kind, "MedicalEntity"), "name": topic.name},
        "publisher": medical_clinic(clinic, request),
        "breadcrumb": breadcrumbs(request, [*_education_trail(), (topic.name, topic.get_absolute_url())]),
        "mainEntity": _item_list(request, articles),
    }
    if topic.description:
        page["description"] = topic.description
    return _with_context(page)


def medical_web_page(article, url, clinic, request):
    """schema.org MedicalWebPage for an article."""
    publisher = medical_clinic(clinic, request)
    trail = _education_trail()
    if topic := article.primary_topic:
        trail.append((topic.name, topic.get_absolute_url()))
    trail.append((article.title, article.get_absolute_url()))
    data = {
        "@context": SCHEMA,
        "@type": "MedicalWebPage",
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "url": url,
        "inLanguage": "en",
        "medicalAudience": {"@type": "MedicalAudience", "audienceType": "Patient"},
        "about": [
            {"@type": TYPE_BY_TOPIC_KIND.get(topic.kind, "MedicalEntity"), "name": topic.name}
            for topic in article.topics.all()
        ],
        # The clinic writes its guides; a named reviewer checks them (reviewedBy), not authors them.
        "author": {"@type": "MedicalClinic", "@id": publisher["@id"], "name": clinic.name, "url": publisher["url"]},
        "publisher": publisher,
        "image": default_image(request),
        "breadcrumb": breadcrumbs(request, trail),
    }
    if changed := last_changed(article):
        data["dateModified"] = changed
    if article.published_at:
        data["datePublished"] = article.published_at
    if article.last_reviewed:
        data["lastReviewed"] = article.last_reviewed
    if article.reviewed_by:
        data["reviewedBy"] = reviewer(article.reviewed_by, clinic)
    return data
