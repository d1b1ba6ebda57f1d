"""Clinical sign-off: a change to what patients read goes live only once a clinical reviewer approved it."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from clinic.roles import CLINICAL_REVIEWERS, CONTENT_EDITORS
from education import clinical_review, publishing
from education.content import ArticleContent, editing_content
from education.models import Article, ClinicalReview, ClinicalSignOff
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(django_user_model):
    editor = make_staff(django_user_model, "eddie", CONTENT_EDITORS, email="eddie@example.org", first_name="Eddie")
    reviewer = make_staff(django_user_model, "rita", CLINICAL_REVIEWERS, first_name="Rita", last_name="Khan")
    return editor, reviewer


def changed(article, body="Rest for six weeks, then walk a little more each day."):
    """Save a draft of changes to the article's first section; return the article as stored."""
    content = editing_content(Article.objects.get(pk=article.pk))
    content.sections[0] = (content.sections[0][0], body)
    article = Article.objects.get(pk=article.pk)
    if article.edited_through_drafts:
        publishing.save_draft(article, content, by=None)
    else:
        publishing.write_content(article, content, keep_old_address=False)
    return Article.objects.get(pk=article.pk)


def test_a_change_to_what_patients_read_is_refused_without_approval_now_or_scheduled(clinic):
    article = changed(make_article(slug="guide", signed_off=False))

    with pytest.raises(publishing.PublishingRefused, match="needs a clinical reviewer's approval"):
        publishing.publish(article, by=None, accept_warnings=True)
    with pytest.raises(publishing.PublishingRefused, match="needs a clinical reviewer's approval"):
        publishing.publish(article, by=None, accept_warnings=True, at=timezone.now() + datetime.timedelta(hours=1))

    assert Article.objects.get(pk=article.pk).scheduled_for is None
    assert "Rest for six weeks" not in str(ArticleContent.of(article).sections)


def test_a_new_article_needs_approval_before_it_first_goes_live(clinic):
    article = make_article(status=Article.Status.DRAFT, signed_off=False)

    with pytest.raises(publishing.PublishingRefused, match="Submit it for clinical review"):
        publishing.publish(article, by=None, accept_warnings=True)


def test_a_change_patients_do_not_read_needs_no_approval(clinic):
    article = make_article(slug="guide", signed_off=False)
    content = ArticleContent.of(article)
    content.featured = True
    publishing.save_draft(article, content, by=None)

    publishing.publish(Article.objects.get(pk=article.pk), by=None, accept_warnings=True)

    assert Article.objects.get(pk=article.pk).featured


def test_the_editors_round_submit_approve_publish_records_who_when_and_the_review_date(
    clinic, people, mailoutbox, django_capture_on_commit_callbacks, run_worker
):
    editor, reviewer = people
    article = changed(make_article(slug="guide", last_reviewed=timezone.localdate() - datetime.timedelta(days=300)))

    sign_off = clinical_review.submit(article, by=editor)
    assert [s.article for s in clinical_review.waiting()] == [article]
    with pytest.raises(publishing.PublishingRefused, match="waiting for a clinical reviewer"):
        publishing.publish(article, by=editor, accept_warnings=True)
    with django_capture_on_commit_callbacks(execute=True):
        clinical_review.approve(sign_off, by=reviewer)
    run_worker()  # the email to the editor goes out through the outbox
    publishing.publish(Article.objects.get(pk=article.pk), by=editor, accept_warnings=True)

    article.refresh_from_db()
    sign_off.refresh_from_db()
    assert "Rest for six weeks" in article.sections.get().body
    assert (article.reviewed_by, article.last_reviewed) == ("Rita Khan", timezone.localdate())
    assert ClinicalReview.objects.get(article=article).reviewed_by == "Rita Khan"
    assert (sign_off.state, sign_off.decided_by, sign_off.decided_by_name) == ("approved", reviewer, "Rita Khan")
    assert sign_off.content["sections"][0]["body"].startswith("Rest for six weeks")
    assert [e.action for e in sign_off.events.all()] == ["Submitted for clinical review", "Approved"]
    assert [m.to for m in mailoutbox] == [["eddie@example.org"]]
    assert "Approved" in mailoutbox[0].subject and "You can publish it now." in mailoutbox[0].body


def test_no_email_leaves_before_the_decision_commits(clinic, people, mailoutbox, django_capture_on_commit_callbacks):
    editor, reviewer = people
    sign_off = clinical_review.submit(changed(make_article()), by=editor)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        clinical_review.approve(sign_off, by=reviewer)

    assert mailoutbox == [] and len(callbacks) == 1


def test_text_changed_after_approval_is_refused_with_a_plain_message(clinic, people):
    editor, reviewer = people
    article = changed(make_article(slug="guide"))
    clinical_review.approve(clinical_review.submit(article, by=editor), by=reviewer)

    article = changed(article, body="Rest for ten weeks.")

    with pytest.raises(publishing.PublishingRefused, match="The text changed after a clinical reviewer approved it"):
        publishing.publish(article, by=editor, accept_warnings=True)


def test_text_changed_after_submitting_cannot_be_approved(clinic, people):
    editor, reviewer = people
    sign_off = clinical_review.submit(changed(make_article()), by=editor)
    changed(sign_off.article, body="Something else entirely.")

    with pytest.raises(clinical_review.SignOffRefused, match="changed after it was submitted"):
        clinical_review.approve(sign_off, by=reviewer)


def test_sending_back_needs_a_comment_and_tells_the_editor(
    clinic, people, mailoutbox, django_capture_on_commit_callbacks, run_worker
):
    editor, reviewer = people
    article = changed(make_article())
    sign_off = clinical_review.submit(article, by=editor)

    with pytest.raises(clinical_review.SignOffRefused, match="Say what needs to change"):
        clinical_review.request_changes(sign_off, by=reviewer, comment="   ")
    with django_capture_on_commit_callbacks(execute=True):
        clinical_review.request_changes(sign_off, by=reviewer, comment="Six weeks is too long: say four.")
    run_worker()

    sign_off.refresh_from_db()
    assert sign_off.state == ClinicalSignOff.State.CHANGES_REQUESTED
    assert "Six weeks is too long" in mailoutbox[0].body and "Sent back" in mailoutbox[0].subject
    with pytest.raises(publishing.PublishingRefused, match="sent this change back"):
        publishing.publish(Article.objects.get(pk=article.pk), by=editor, accept_warnings=True)


def test_a_decision_is_made_once(clinic, people):
    editor, reviewer = people
    sign_off = clinical_review.submit(changed(make_article()), by=editor)
    clinical_review.approve(sign_off, by=reviewer)

    with pytest.raises(clinical_review.SignOffRefused, match="already decided"):
        clinical_review.request_changes(sign_off, by=reviewer, comment="Too late.")


def test_editors_cannot_approve_or_pass_their_own_change(clinic, people):
    editor, _ = people
    article = changed(make_article())
    sign_off = clinical_review.submit(article, by=editor)

    with pytest.raises(clinical_review.SignOffRefused, match="Only a clinical reviewer"):
        clinical_review.approve(sign_off, by=editor)
    with pytest.raises(clinical_review.SignOffRefused, match="Only a clinical reviewer"):
        clinical_review.mark_no_clinical_change(article, by=editor)
    assert ClinicalSignOff.objects.get(pk=sign_off.pk).state == ClinicalSignOff.State.SUBMITTED


def test_a_reviewer_passes_a_typo_fix_in_one_step_without_a_new_review_date(clinic, people):
    _, reviewer = people
    article = make_article(slug="guide")
    reviewed_on = article.last_reviewed
    article = changed(article, body="Some text about it, spelt right.")

    clinical_review.mark_no_clinical_change(article, by=reviewer)
    publishing.publish(Article.objects.get(pk=article.pk), by=reviewer, accept_warnings=True)

    article.refresh_from_db()
    assert article.sections.get().body == "Some text about it, spelt right."
    assert article.last_reviewed == reviewed_on
    assert ClinicalSignOff.objects.filter(article=article, no_clinical_change=True).exists()


def test_a_superuser_can_approve(clinic, people, django_user_model):
    editor, _ = people
    boss = django_user_model.objects.create_superuser("boss", "boss@example.org", "x" * 16)
    sign_off = clinical_review.submit(changed(make_article()), by=editor)

    assert clinical_review.approve(sign_off, by=boss).state == ClinicalSignOff.State.APPROVED


def test_nothing_to_review_is_refused(clinic, people):
    editor, _ = people

    with pytest.raises(clinical_review.SignOffRefused, match="Nothing patients read has changed"):
        clinical_review.submit(make_article(), by=editor)


def test_the_roles_keep_reviewers_and_editors_apart_and_away_from_patients(db):
    reviewers = set(Group.objects.get(name=CLINICAL_REVIEWERS).permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name=CONTENT_EDITORS).permissions.values_list("codename", flat=True))
    reviewer_apps = set(
        Group.objects.get(name=CLINICAL_REVIEWERS).permissions.values_list("content_type__app_label", flat=True)
    )

    assert "sign_off_article" in reviewers and "sign_off_article" not in editors
    assert "change_article" not in reviewers
    assert reviewer_apps == {"education"}
