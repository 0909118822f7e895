"""LTI Submission Review against the test platform: the line item declares the review, a learner sees their own
submitted attempt as it was scored (pinned, whatever the bank is now), an instructor sees the named learner's, and
a learner cannot open another learner's attempt."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from urllib.parse import urljoin

from item_bank.markup import to_plain_text
from lti_tool.web.bank_access import EXTENSION
from tests.lti_platform import CLAIM, INSTRUCTOR, LEARNER, Browser, parse_form
from tests.lti_tool.helpers import follow

REVIEW = "LtiSubmissionReviewRequest"


# `tool` (conftest): the live tool, on SQLite and PostgreSQL, with the test platform registered as client-1.


def take_and_submit(platform, sub: str, form_id: str) -> None:
    """Answer every question with its first option (essays: a sentence) and submit."""
    browser = Browser()
    page = follow(browser, platform.launch(browser, "client-1", sub=sub, custom={"form_id": form_id}))
    while "Review your answers" not in page.text:
        action, fields = parse_form(page.text)
        data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "next"}
        first = re.search(r'name="answer" value="([^"]+)"', page.text)
        if first:
            data["answer"] = [first.group(1)]
        else:
            data["essay"] = f"{sub} would explain what stays private."
        page = follow(browser, browser.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10))
    action, fields = parse_form(page.text)
    follow(browser, browser.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=10))


def review(platform, sub: str, for_user: str, form_id: str, instructor: bool = False):
    browser = Browser()
    roles = (INSTRUCTOR,) if instructor else (LEARNER,)
    return follow(browser, platform.launch(
        browser, "client-1", {CLAIM + "for_user": {"user_id": for_user, "name": f"Person {for_user}"}},
        sub=sub, roles=roles, message_type=REVIEW, custom={"form_id": form_id}))


def test_a_learner_reviews_their_own_attempt_as_it_was_scored(tool, platform, starter_bank):
    take_and_submit(platform, "learner-1", "starter-quiz")
    page = review(platform, "learner-1", "learner-1", "starter-quiz")
    assert page.status_code == 200, page.text
    assert "your submitted attempt" in page.text and "Attempt 1" in page.text
    assert "Your choice" in page.text and "Correct answer" in page.text  # after_submit: keys and rationales shown
    rationale = to_plain_text(starter_bank.item("cps-s-d1-001").choices[0].rationale)[:30]
    assert rationale in page.text

    # The bank changes (a stem is rewritten); the review still shows the attempt's own version.
    old_stem = to_plain_text(starter_bank.item("cps-s-d1-001").stem)[:40]
    bank = tool.app.extensions[EXTENSION]
    changed = tuple(replace(i, stem="A rewritten stem.", revision=2) if i.id == "cps-s-d1-001" else i
                    for i in bank.items)
    tool.app.extensions[EXTENSION] = replace(bank, items=changed)
    again = review(platform, "learner-1", "learner-1", "starter-quiz")
    assert old_stem in again.text and "A rewritten stem." not in again.text


def test_keys_stay_hidden_when_the_form_shows_no_feedback(tool, platform):
    take_and_submit(platform, "learner-1", "starter-draw")  # feedback: never
    page = review(platform, "learner-1", "learner-1", "starter-draw")
    assert page.status_code == 200
    assert "The correct answers are not shown" in page.text
    assert "Correct answer" not in page.text and 'class="rationale"' not in page.text


def test_an_instructor_reviews_a_named_learners_attempt(tool, platform):
    take_and_submit(platform, "learner-1", "starter-draw")
    page = review(platform, "teacher-1", "learner-1", "starter-draw", instructor=True)
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "Person learner-1's submitted attempt" in text and "Learner's choice" in text
    assert "Correct answer" in page.text  # instructors always see keys


def test_a_learner_cannot_open_another_learners_attempt(tool, platform):
    take_and_submit(platform, "learner-1", "starter-quiz")
    page = review(platform, "learner-2", "learner-1", "starter-quiz")
    assert page.status_code == 403 and "Not your submission" in page.text
    assert "Person learner-1" not in page.text
    nothing = review(platform, "teacher-1", "nobody", "starter-quiz", instructor=True)
    assert nothing.status_code == 404 and "No submitted attempt" in nothing.text


def test_a_review_launch_without_for_user_is_refused(tool, platform):
    browser = Browser()
    page = follow(browser, platform.launch(browser, "client-1", sub="learner-1", message_type=REVIEW,
                                           custom={"form_id": "starter-quiz"}))
    assert 400 <= page.status_code < 500 and "For user claim" in page.text
