"""The clinical sign-off in the admin: the editor submits, the reviewer decides on a page showing the word diff."""

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from clinic.roles import CLINICAL_REVIEWERS, CONTENT_EDITORS
from education import publishing
from education.content import ArticleContent
from education.models import Article, ClinicalSignOff
from tests.education.admin_forms import form_data
from tests.factories import make_article, make_consultation, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(django_user_model, client):
    from django.test import Client

    editor = make_staff(django_user_model, "eddie", CONTENT_EDITORS, email="eddie@example.org")
    reviewer = make_staff(django_user_model, "rita", CLINICAL_REVIEWERS, first_name="Rita", last_name="Khan")
    editor_client, reviewer_client = Client(), Client()
    editor_client.force_login(editor)
    reviewer_client.force_login(reviewer)
    return editor_client, reviewer_client


def change_url(article):
    return reverse("admin:education_article_change", args=[article.pk])


def review_url(sign_off):
    return reverse("admin:education_clinicalsignoff_change", args=[sign_off.pk])


def soup(response):
    return BeautifulSoup(response.content, "html.parser")


def submit_change(editor_client, article, body):
    page = editor_client.get(change_url(article))
    return editor_client.post(change_url(article), form_data(page, _submit_for_review="1", **{"sections-0-body": body}))


def test_the_editor_submits_the_reviewer_sees_the_diff_approves_and_the_editor_publishes(clinic, staff, mailoutbox):
    editor_client, reviewer_client = staff
    article = make_article(slug="guide", sections=[("Recovery", "Most people rest for two weeks.")])

    response = submit_change(editor_client, article, "Most people rest for six weeks.")
    assert response.status_code == 302
    sign_off = ClinicalSignOff.objects.get(state="submitted")
    assert (
        "Waiting for a clinical reviewer"
        in soup(editor_client.get(change_url(article))).select_one("#clinical-sign-off").get_text()
    )

    index = soup(reviewer_client.get(reverse("admin:index")))
    assert index.select_one("#sign-offs-waiting a")["href"] == review_url(sign_off)
    page = soup(reviewer_client.get(review_url(sign_off)))
    assert [tag.get_text(strip=True) for tag in page.select(".changed-part del")] == ["[removed:two]"]
    assert [tag.get_text(strip=True) for tag in page.select(".changed-part ins")] == ["[added:six]"]

    response = reviewer_client.post(review_url(sign_off), {"decision": "approve", "comment": ""})
    assert response.status_code == 302

    page = editor_client.get(change_url(article))
    assert "Approved by Rita Khan" in soup(page).select_one("#clinical-sign-off").get_text()
    editor_client.post(change_url(article), form_data(page, _publish_anyway="1"))
    article.refresh_from_db()
    assert article.sections.get().body == "Most people rest for six weeks."
    assert article.reviewed_by == "Rita Khan"


def test_publishing_an_unapproved_change_from_the_admin_says_why(clinic, staff):
    editor_client, _ = staff
    article = make_article(slug="guide")
    page = editor_client.get(change_url(article))

    response = editor_client.post(
        change_url(article), form_data(page, _publish_anyway="1", **{"sections-0-body": "New advice."}), follow=True
    )

    assert "Submit it for clinical review" in soup(response).select_one(".messagelist").get_text()
    assert Article.objects.get(pk=article.pk).sections.get().body == "Some text about it."


def test_sending_back_without_a_comment_is_refused_next_to_the_field(clinic, staff):
    editor_client, reviewer_client = staff
    article = make_article()
    submit_change(editor_client, article, "Different advice.")
    sign_off = ClinicalSignOff.objects.get(state="submitted")

    response = reviewer_client.post(review_url(sign_off), {"decision": "changes", "comment": "  "})

    assert response.status_code == 200
    assert "Say what needs to change" in soup(response).select_one(".form-row.errors").get_text()
    assert ClinicalSignOff.objects.get(pk=sign_off.pk).state == "submitted"


@pytest.mark.parametrize(
    "data",
    [{}, {"decision": "bogus"}, {"decision": "approve", "comment": "x" * 2001}, {"decision": ["approve", "changes"]}],
)
def test_bad_decisions_are_refused_not_500(clinic, staff, data):
    editor_client, reviewer_client = staff
    submit_change(editor_client, make_article(), "Different advice.")
    sign_off = ClinicalSignOff.objects.get(state="submitted")

    response = reviewer_client.post(review_url(sign_off), data)

    assert response.status_code == 200
    assert ClinicalSignOff.objects.get(pk=sign_off.pk).state in {"submitted", "approved"}


@pytest.mark.parametrize("object_id", ["abc", "0", "99999", "1%00"])
def test_a_bad_review_address_is_not_found_not_500(clinic, staff, object_id):
    _, reviewer_client = staff

    response = reviewer_client.get(f"/admin/education/clinicalsignoff/{object_id}/change/")

    assert response.status_code in (302, 400, 404)


def test_an_editor_cannot_decide_on_a_change(clinic, staff):
    editor_client, _ = staff
    submit_change(editor_client, make_article(), "Different advice.")
    sign_off = ClinicalSignOff.objects.get(state="submitted")

    page = editor_client.get(review_url(sign_off))
    response = editor_client.post(review_url(sign_off), {"decision": "approve"})

    assert page.status_code == 200 and soup(page).select_one(".decision-form") is None
    assert response.status_code == 403
    assert ClinicalSignOff.objects.get(pk=sign_off.pk).state == "submitted"


def test_editors_and_reviewers_see_no_patient_details(clinic, staff):
    request = make_consultation(full_name="Maria Example")
    for client in staff:
        for url in [
            reverse("admin:appointments_consultationrequest_changelist"),
            reverse("admin:appointments_consultationrequest_change", args=[request.pk]),
            reverse("admin:index"),
        ]:
            response = client.get(url)
            assert response.status_code in (200, 403)
            assert "Maria Example" not in response.content.decode()


def test_the_sample_loader_still_publishes_through_its_named_approval(clinic):
    from django.core.management import call_command

    call_command("load_sample_content", verbosity=0)

    article = Article.objects.get(slug="why-pain-after-spinal-fusion")
    assert article.is_public
    assert article.sign_offs.get().decided_by_name == "Sample content loader (system)"
    assert publishing.editing_content(article) == ArticleContent.of(article)


def test_a_live_article_has_no_delete_and_no_save_and_add_another(clinic, staff):
    editor_client, _ = staff
    live = make_article()
    draft = make_article(status=Article.Status.DRAFT)

    page = soup(editor_client.get(change_url(live)))
    assert page.find("a", class_="deletelink") is None
    assert page.find("input", attrs={"name": "_addanother"}) is None
    assert editor_client.get(reverse("admin:education_article_delete", args=[live.pk])).status_code == 403
    assert soup(editor_client.get(change_url(draft))).find("a", class_="deletelink") is not None


def test_deleting_a_selection_keeps_the_live_articles(clinic, staff):
    editor_client, _ = staff
    live, draft = make_article(), make_article(status=Article.Status.DRAFT)

    for selected in ([live.pk, draft.pk], [live.pk]):
        response = editor_client.post(
            reverse("admin:education_article_changelist"),
            {"action": "delete_selected", "_selected_action": selected, "post": "yes"},
        )
        assert response.status_code in (200, 302, 403)  # refused, never a 500

    assert Article.objects.filter(pk=live.pk).exists()
