"""An editor's journey through a live article, in a real browser on a desktop-sized screen."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from clinic.roles import CLINICAL_REVIEWERS, CONTENT_EDITORS
from education.models import Article, ArticleDraft
from tests.browser.conftest import run_axe

pytestmark = pytest.mark.usefixtures("sample_site")
PASSWORD = "a-long-staff-password-42"
SLUG = "why-pain-after-spinal-fusion"
PLAIN = "Some pain after surgery is normal. It gets better as you heal."


def assert_accessible(page):
    violations = run_axe(page)
    assert not violations, "\n".join(violations)


def sign_in_as_editor(page, username="edna", role=CONTENT_EDITORS, first_name="Edna"):
    editor = User.objects.create_user(username, password=PASSWORD, is_staff=True, first_name=first_name)
    editor.groups.add(Group.objects.get(name=role))
    page.goto("/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_an_editor_changes_submits_a_reviewer_approves_the_editor_publishes_compares_and_discards(new_page):
    article = Article.objects.get(slug=SLUG)
    count = Article.objects.count()
    page = new_page("desktop")
    page.set_viewport_size({"width": 1440, "height": 900})
    sign_in_as_editor(page)

    # Open the live article: its change page is the editing form, with the live content.
    page.goto("/admin/education/article/")
    page.get_by_role("link", name=article.title).click()
    expect(page.locator(".status-line")).to_have_text("Live")
    assert_accessible(page)

    # Change a sentence: the reading grade moves while typing.
    body = page.locator("textarea[name='sections-0-body']")
    grade = page.locator("#readability .whole-grade")
    before = grade.inner_text()
    first_paragraph = body.input_value().split("\n\n")[0]
    body.fill(body.input_value().replace(first_paragraph, PLAIN, 1))
    expect(grade).not_to_have_text(before, timeout=10_000)
    expect(page.locator("#readability [role=status]")).to_contain_text("Reading grade now")

    # Save keeps a draft; the public page does not change; Preview shows the draft.
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".status-line")).to_have_text("Live, with unpublished changes")
    assert Article.objects.count() == count
    reader = new_page("desktop")
    reader.goto(f"/education/{SLUG}/")
    expect(reader.locator("article")).not_to_contain_text(PLAIN)
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Preview your draft (only staff can see it)").click()
    expect(popup.value.locator(".preview-banner")).to_contain_text("draft of changes")
    expect(popup.value.locator("article")).to_contain_text(PLAIN)
    popup.value.close()

    # Publishing changed advice waits for a clinical reviewer: the editor submits it.
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("needs a clinical reviewer")
    page.get_by_role("button", name="Submit for clinical review").click()
    expect(page.locator(".messagelist")).to_contain_text("Sent for clinical review")
    expect(page.locator("#clinical-sign-off")).to_contain_text("Waiting for a clinical reviewer")

    # The reviewer finds it on the admin home page, reads the change as a word diff, and approves.
    reviewer = new_page("desktop")
    reviewer.set_viewport_size({"width": 1440, "height": 900})
    sign_in_as_editor(reviewer, "rita", CLINICAL_REVIEWERS, "Rita")
    reviewer.locator("#sign-offs-waiting").get_by_role("link", name=article.title).click()
    expect(reviewer.locator(".changed-part ins", has_text="normal").first).to_be_visible()
    assert_accessible(reviewer)
    reviewer.get_by_label("Approve: the medical facts are right").check()
    reviewer.get_by_role("button", name="Send my decision").click()
    expect(reviewer.locator(".messagelist")).to_contain_text("Approved")
    page.reload()
    expect(page.locator("#clinical-sign-off")).to_contain_text("Approved by Rita")
    page.screenshot(path="docs/screenshots/editor-1440.png", full_page=False)

    # Publish: the sample article reads above grade 8, so a warning waits beside Publish.
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("not published yet")
    warnings = page.locator(".publishing-panel .publish-warnings")
    expect(warnings).to_contain_text("above the target of grade 8")
    expect(warnings.get_by_role("link").first).to_have_attribute("href", "#readability")
    assert_accessible(page)
    page.get_by_role("button", name="Publish anyway").click()
    expect(page.locator(".messagelist")).to_contain_text("Published")
    expect(page.locator(".status-line")).to_have_text("Live")
    reader.goto(f"/education/{SLUG}/")
    expect(reader.locator("article")).to_contain_text(PLAIN)

    # Compare the published version with the one before: the changed words are marked.
    page.locator("#versions").get_by_role("link", name="What changed").first.click()
    expect(page.locator(".changed-part ins", has_text="normal").first).to_be_visible()
    expect(page.locator("details.unchanged-section").first).to_be_visible()
    assert_accessible(page)

    # Start another change, then throw it away: only the draft goes.
    page.goto(f"/admin/education/article/{article.pk}/change/")
    page.locator("input[name='title']").fill("A title we will not keep")
    page.get_by_role("button", name="Save and continue editing").first.click()
    expect(page.locator(".status-line")).to_have_text("Live, with unpublished changes")
    page.get_by_role("link", name="Discard draft").click()
    expect(page.locator("#content-main")).to_contain_text("throw away the changes you have not published")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, discard my changes").click()
    expect(page.locator(".status-line")).to_have_text("Live")
    expect(page.locator("input[name='title']")).to_have_value(article.title)
    assert not ArticleDraft.objects.exists() and Article.objects.count() == count
    page.screenshot(path="/tmp/wt15-editor-after-discard.png", full_page=True)
