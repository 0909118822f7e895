"""Which attempt counts (issue 14): a learner takes two attempts over real HTTP with the test platform (SQLite and
PostgreSQL), and the last score at the platform, the learner's result page, the roster and both CSVs show the
grading policy's score; the link's policy beats the form's; essay grades and regrades re-send the policy's score,
never one attempt's own."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urljoin

import jwt
import pytest
import requests

from item_bank.load import load_bank
from lti_tool.grades.outbox import drain
from tests.lti_platform import INSTRUCTOR, LEARNER, Browser, LtiPlatform, parse_form, query_of
from tests.lti_tool.helpers import follow, item_on_page, quiz_items
from tests.lti_tool.workspace import RUBRIC, post_grades, regrade_in_the_workspace

FORM = "policy-quiz"
# Ten one-point choice items in a fixed order: answering the first N with their keys scores N of 10.
ITEMS = ["cps-s-d1-001", "cps-s-d1-002", "cps-s-d1-003", "cps-s-d3-001", "cps-s-d3-002", "cps-s-d4-001",
         "cps-s-d4-002", "cps-s-d4-003", "cps-s-d6-001", "cps-s-d6-002"]
LEFT_BLANK_IN_BOTH = "cps-s-d6-002"  # the tenth question: blank in a 7/10 and a 5/10 attempt
FORM_DEFAULT = "latest"
POLICY_NAMES = {"highest": "highest attempt", "latest": "latest attempt", "first": "first attempt",
                "average": "average of all attempts"}
LEARNER_WORDS = {"highest": "your highest attempt", "latest": "your latest attempt", "first": "your first attempt",
                 "average": "the average of your attempts"}


@pytest.fixture
def bank(bank_copy):
    """The starter bank with the ten-question quiz, whose own policy is `latest`."""
    forms = bank_copy / "forms.yaml"
    forms.write_text(forms.read_text() + f"""  - id: {FORM}
    title: Policy quiz
    items: [{", ".join(ITEMS)}]
    settings:
      attempts_allowed: 0
      feedback: after_submit
      grading_policy: {FORM_DEFAULT}
""")
    return bank_copy


@pytest.fixture
def app_config(bank) -> dict:
    """`tool` (conftest): served over HTTP on SQLite and PostgreSQL, platform registered, no background sender."""
    return {"BANK_PATH": str(bank)}


def launch(platform: LtiPlatform, browser: requests.Session, sub: str, custom: dict, *, link: str = "link-1",
           instructor: bool = False) -> requests.Response:
    roles = (INSTRUCTOR,) if instructor else (LEARNER,)
    return follow(browser, platform.launch(browser, "client-1", sub=sub, roles=roles, custom=custom,
                                           resource_link_id=link))


def post(browser: requests.Session, page: requests.Response, action: str, data: dict) -> requests.Response:
    return follow(browser, browser.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10))


def answer_and_submit(browser: requests.Session, page: requests.Response, items, right: int) -> requests.Response:
    """From question 1: the first `right` questions answered with their keys, the rest left blank; then submit.
    Returns the result page."""
    asked = 0
    while "Review your answers" not in page.text:
        item = item_on_page(page.text, items)
        action, fields = parse_form(page.text)
        data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "next"}
        if asked < right and item.type.has_choices:
            data["answer"] = sorted(item.key_ids)
        asked += 1
        page = post(browser, page, action, data)
    return post(browser, page, *parse_form(page.text))


def two_attempts(tool, platform: LtiPlatform, sub: str, custom: dict, *, link: str = "link-1",
                 scores: tuple[int, int] = (7, 5), form: str = FORM) -> requests.Response:
    """A learner takes attempt 1 and attempt 2 with these many right answers; each score is sent before the next
    attempt starts (as a running sender would). Returns the result page of attempt 2."""
    items = quiz_items(load_bank(tool.app.config["BANK_PATH"]), form)
    browser = Browser()
    result = answer_and_submit(browser, launch(platform, browser, sub, custom, link=link), items, scores[0])
    assert drain(tool.app).sent == 1
    action, fields = parse_form(result.text)
    assert "/attempts/new" in action, result.text[:500]
    result = answer_and_submit(browser, post(browser, result, action, fields), items, scores[1])
    assert drain(tool.app).sent == 1
    return result


def scores_for(platform: LtiPlatform, sub: str) -> list[tuple[float, float, str]]:
    return [(s["scoreGiven"], s["scoreMaximum"], s["gradingProgress"]) for s in platform.scores if s["userId"] == sub]


def csv_rows(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def instructor_pages(tool, platform: LtiPlatform, custom: dict, link: str = "link-1") -> dict[str, requests.Response]:
    """The roster page, the roster CSV and the attempts CSV of this link, as its instructor sees them."""
    teacher = Browser()
    ls = query_of(launch(platform, teacher, "teacher-1", custom, link=link, instructor=True).url)["ls"]
    return {name: teacher.get(f"{tool.url}/lti/instructor/{name}", params={"ls": ls}, timeout=10)
            for name in ("roster", "roster.csv", "attempts.csv")}


def roster_row(page: requests.Response, name: str) -> str:
    return next(row for row in page.text.split("<tr>") if f'<th scope="row">{name}' in row)


@pytest.mark.parametrize(("policy", "expected"), [("highest", 7), ("latest", 5), ("first", 7), ("average", 6)])
def test_two_attempts_under_each_policy_reach_the_platform_roster_and_csv(tool, platform, policy, expected):
    platform.add_member("course-1", "learner-1", name="Amara Twice")
    custom = {"form_id": FORM, "grading_policy": policy}
    result = two_attempts(tool, platform, "learner-1", custom)

    # The platform keeps the last score posted: the policy's score.
    assert scores_for(platform, "learner-1")[-1] == (expected, 10.0, "FullyGraded")
    # The learner's result page says which score counts.
    assert "Score: <strong>5 out of 10</strong>" in result.text
    assert (f"Your recorded score is {LEARNER_WORDS[policy]}:\n  <strong>{expected}/10</strong>"
            in result.text), result.text

    pages = instructor_pages(tool, platform, custom)
    row = roster_row(pages["roster"], "Amara Twice")
    assert f"{expected} / 10" in row and f"{POLICY_NAMES[policy]} counts" in row
    [member] = [r for r in csv_rows(pages["roster.csv"]) if r["platform_user_id"] == "learner-1"]
    assert (member["recorded_score"], member["score_maximum"], member["grading_policy"]) == (
        str(expected), "10", POLICY_NAMES[policy])
    attempts = [(r["attempt"], r["score"], r["recorded_score"], r["grading_policy"])
                for r in csv_rows(pages["attempts.csv"]) if r["platform_user_id"] == "learner-1"]
    assert attempts == [("1", "7", str(expected), POLICY_NAMES[policy]),
                        ("2", "5", str(expected), POLICY_NAMES[policy])]


def test_the_links_policy_from_the_picker_beats_the_forms_own(tool, platform):
    teacher = Browser()
    picker = follow(teacher, platform.launch(teacher, "client-1", message_type="LtiDeepLinkingRequest",
                                             roles=(INSTRUCTOR,), sub="teacher-1"))
    section = picker.text.split(">Policy quiz</h2>")[1].split("</li>")[0]
    assert "Which attempt counts for the grade" in section
    assert f'<option value="{FORM_DEFAULT}" selected>' in section  # the form's own policy, preselected
    action, fields = parse_form(picker.text)
    choice = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "form_id": FORM, "attempts_allowed": "0",
              "time_limit_minutes": "0", "feedback": "after_submit"}

    refused = teacher.post(urljoin(picker.url, action), data={**choice, "grading_policy": "best"}, timeout=10)
    assert refused.status_code == 400 and "Choose which attempt counts for the grade." in refused.text
    returned = teacher.post(urljoin(picker.url, action), data={**choice, "grading_policy": "highest"}, timeout=10)
    assert returned.status_code == 200
    # The signature is checked by test_end_to_end; here: what the link's custom parameters carry.
    message = jwt.decode(parse_form(returned.text)[1]["JWT"], options={"verify_signature": False})
    [link] = message["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert link["custom"]["grading_policy"] == "highest"

    # The same two attempts: on the picked link the highest counts; on a link without the parameter, the form's.
    two_attempts(tool, platform, "learner-1", link["custom"])
    two_attempts(tool, platform, "learner-2", {"form_id": FORM}, link="link-2")
    assert scores_for(platform, "learner-1")[-1] == (7.0, 10.0, "FullyGraded")
    assert scores_for(platform, "learner-2")[-1] == (5.0, 10.0, "FullyGraded")


def test_a_regrade_sends_the_policys_score_not_each_attempts_own(tool, platform):
    custom = {"form_id": FORM, "grading_policy": "highest"}
    two_attempts(tool, platform, "learner-1", custom)
    assert [s for s, _, _ in scores_for(platform, "learner-1")] == [7.0, 7.0]

    # Full credit for the question both attempts left blank: 8/10 and 6/10; one new score, the highest.
    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", custom, instructor=True)
    done = regrade_in_the_workspace(teacher, home, f"{LEFT_BLANK_IN_BOTH}@1", "full-credit",
                                    "Both readings are defensible")
    assert done.status_code == 303 and "notice=regraded" in done.headers["Location"]
    assert drain(tool.app).sent == 1
    assert scores_for(platform, "learner-1")[-1] == (8.0, 10.0, "FullyGraded")
    [member] = [r for r in csv_rows(instructor_pages(tool, platform, custom)["attempts.csv"])
                if r["attempt"] == "2"]
    assert (member["score"], member["recorded_score"]) == ("6", "8")


def test_an_attempt_waiting_for_its_essay_counts_once_graded(tool, platform):
    """The starter quiz (6 choice points and an 18-point essay), highest by default: attempt 2 waits for its essay
    while attempt 1 has 24/24, so the gradebook keeps 24 as pending, then 24 as final once attempt 2 is graded."""
    custom = {"form_id": "starter-quiz"}
    items = quiz_items(load_bank(tool.app.config["BANK_PATH"]), "starter-quiz")
    learner, teacher = Browser(), Browser()
    result = answer_and_submit(learner, launch(platform, learner, "learner-1", custom), items, right=7)
    assert drain(tool.app).sent == 1
    grade_essay(tool, platform, teacher, custom, attempt=1, points="333333")
    assert drain(tool.app).sent == 1
    assert scores_for(platform, "learner-1")[-1] == (24.0, 24.0, "FullyGraded")

    result = answer_and_submit(learner, post(learner, result, *parse_form(result.text)), items, right=0)
    assert drain(tool.app).sent == 1
    assert scores_for(platform, "learner-1")[-1] == (24.0, 24.0, "PendingManual")
    assert "Your recorded score so far is your highest attempt:\n  <strong>24/24</strong>" in result.text

    grade_essay(tool, platform, teacher, custom, attempt=2, points="000000")
    assert drain(tool.app).sent == 1
    assert scores_for(platform, "learner-1")[-1] == (24.0, 24.0, "FullyGraded")


def grade_essay(tool, platform: LtiPlatform, teacher: requests.Session, custom: dict, *, attempt: int,
                points: str) -> None:
    home = launch(platform, teacher, "teacher-1", custom, instructor=True)
    link = re.search(r'href="([^"]+/grade\?[^"]+)">(?:Grade|Regrade) essays<span class="visually-hidden"> of '
                     rf"Person learner-1, attempt {attempt}<", home.text)
    assert link, home.text
    page = teacher.get(urljoin(home.url, link.group(1).replace("&amp;", "&")), timeout=10)
    graded = post_grades(tool, teacher, page, dict(zip(RUBRIC, points, strict=True)))
    assert graded.status_code == 303
