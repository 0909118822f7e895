"""The instructor's workspace over real HTTP with the test platform (SQLite, and PostgreSQL when reachable or in CI):
essay grading that sends the final score, retrying a refused score, item statistics, the NRPS roster, CSV
downloads, and nothing from another context, course or platform ever reachable."""

from __future__ import annotations

import csv
import io
import re

import requests

from lti_tool.grades.outbox import drain
from tests.lti_platform import INSTRUCTOR, Browser, LtiPlatform, parse_form, query_of
from tests.lti_tool.helpers import absolute, follow, register_by_hand
from tests.lti_tool.workspace import (
    CHOICE_POINTS,
    ESSAY,
    RUBRIC,
    TOTAL_POINTS,
    answer_and_submit,
    grading_page,
    launch,
    post_grades,
)

# `tool` (conftest): the tool with the Canvas-flavoured test platform registered as client-1; no background sender,
# so each test drains the outbox itself and sees exactly what was sent.


def ls_of(page: requests.Response) -> str:
    return query_of(page.url)["ls"]


def first_wrong(item) -> list[str]:
    return [next(c.id for c in item.choices if not c.correct)]


def scores_for(platform: LtiPlatform, user: str) -> list[dict]:
    return [s for s in platform.scores if s["userId"] == user]


def csv_rows(response: requests.Response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.text)))


def test_grading_the_essay_sends_the_final_score_once_and_regrades_replace_it(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "learner-1", starter_bank)
    assert drain(tool.app).sent == 1
    [first] = scores_for(platform, "learner-1")
    assert (first["scoreGiven"], first["gradingProgress"]) == (CHOICE_POINTS, "PendingManual")

    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    assert "Grade essays" in home.text and f"{CHOICE_POINTS:g} / {TOTAL_POINTS:g}" in home.text
    page = grading_page(tool, teacher, home, "Person learner-1")
    assert page.status_code == 200
    assert "learner-1: I would tell Amara what stays private" in page.text
    assert "<fieldset>" in page.text and "<legend>" in page.text and 'type="radio"' in page.text

    # Grading: 3+3+2+3+2+3 = 16 of 18 rubric points -> 16 of the essay's 18 points; 6 + 16 = 22.
    graded = post_grades(tool, teacher, page, dict(zip(RUBRIC, "332323", strict=True)))
    assert graded.status_code == 303 and "notice=graded" in graded.headers["Location"]
    assert drain(tool.app).sent == 1
    final = scores_for(platform, "learner-1")[-1]
    assert (final["scoreGiven"], final["scoreMaximum"]) == (22.0, TOTAL_POINTS)
    assert final["gradingProgress"] == "FullyGraded" and final["activityProgress"] == "Completed"
    assert final["https://canvas.instructure.com/lti/submission"]["new_submission"] is False
    assert final["timestamp"] > first["timestamp"]
    home = launch(platform, teacher, "teacher-1", instructor=True)
    assert "22 / 24" in home.text and "Regrade essays" in home.text

    # The same grades again send nothing; a regrade sends the new score.
    page = grading_page(tool, teacher, home, "Person learner-1")
    assert re.search(r'name="rubric-cps-s-d3-003-duties" value="2" checked', page.text)
    again = post_grades(tool, teacher, page, dict(zip(RUBRIC, "332323", strict=True)))
    assert "notice=graded-no-send" in again.headers["Location"]
    assert drain(tool.app).sent == 0
    post_grades(tool, teacher, page, dict(zip(RUBRIC, "333333", strict=True)))
    assert drain(tool.app).sent == 1
    assert [s["scoreGiven"] for s in scores_for(platform, "learner-1")] == [6.0, 22.0, 24.0]

    # Out-of-range or missing rubric points are refused with the reason; nothing is stored or sent.
    bad = post_grades(tool, teacher, page, {**dict(zip(RUBRIC, "333333", strict=True)), "voice": "7"})
    assert bad.status_code == 400 and "must be 0..3" in bad.text
    missing = post_grades(tool, teacher, page, {"issue": "1"})
    assert missing.status_code == 400 and "Choose 0 to 3 points" in missing.text
    assert drain(tool.app).sent == 0 and len(scores_for(platform, "learner-1")) == 3


def test_a_grade_given_before_the_first_score_left_is_the_only_score_sent(tool, platform, starter_bank):
    """Never a stale score over a newer one: the PendingManual score still in the outbox is superseded."""
    answer_and_submit(tool, platform, "learner-2", starter_bank)
    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    post_grades(tool, teacher, grading_page(tool, teacher, home, "Person learner-2"),
                dict(zip(RUBRIC, "000000", strict=True)))
    report = drain(tool.app)
    assert (report.sent, report.superseded) == (1, 1)
    [only] = scores_for(platform, "learner-2")
    assert (only["scoreGiven"], only["gradingProgress"]) == (CHOICE_POINTS, "FullyGraded")


def test_a_refused_score_can_be_retried_once_the_cause_is_fixed(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "learner-1", starter_bank)
    platform.fail_scores("400")
    assert drain(tool.app).failed == 1 and platform.scores == []

    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    assert "failed" in home.text and "HTTP 400" in home.text and "Retry" in home.text
    action, fields = parse_form(home.text)
    assert re.fullmatch(r"/lti/instructor/scores/\d+/retry", action)

    # Without the form's CSRF token the retry is refused.
    forged = teacher.post(absolute(tool, action), data={"ls": fields["ls"]}, allow_redirects=False, timeout=10)
    assert forged.status_code == 403

    retried = teacher.post(absolute(tool, action), data=fields, allow_redirects=False, timeout=10)
    assert retried.status_code == 303 and "notice=requeued" in retried.headers["Location"]
    assert "queued again" in follow(teacher, retried).text
    assert drain(tool.app).sent == 1
    [score] = scores_for(platform, "learner-1")
    assert score["scoreGiven"] == CHOICE_POINTS

    # A second click changes nothing and sends nothing.
    twice = teacher.post(absolute(tool, action), data=fields, allow_redirects=False, timeout=10)
    assert "notice=not-failed" in twice.headers["Location"]
    assert drain(tool.app).sent == 0 and len(platform.scores) == 1
    assert "sent" in launch(platform, teacher, "teacher-1", instructor=True).text


def test_item_statistics_and_the_score_distribution_follow_the_learners_answers(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "strong", starter_bank)
    answer_and_submit(tool, platform, "middle", starter_bank,
                      choose=lambda item: sorted(item.key_ids) if item.id.startswith("cps-s-d1") else first_wrong(item))
    answer_and_submit(tool, platform, "weak", starter_bank, choose=first_wrong)

    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    ls = ls_of(home)
    page = teacher.get(f"{tool.url}/lti/instructor/statistics", params={"ls": ls}, timeout=10)
    assert page.status_code == 200
    assert "From 0 submitted attempts" in page.text and "3 more wait for essay grading" in page.text

    for learner, points in (("strong", "333333"), ("middle", "222222"), ("weak", "000000")):
        post_grades(tool, teacher, grading_page(tool, teacher, home, f"Person {learner}"),
                    dict(zip(RUBRIC, points, strict=True)))
    page = teacher.get(f"{tool.url}/lti/instructor/statistics", params={"ls": ls}, timeout=10)
    assert "From 3 submitted attempts" in page.text
    # Totals: strong 6 + 18 = 24 (100 %), middle 3 + 12 = 15 (62.5 %), weak 0 + 0 = 0 (0 %).
    bands = dict(re.findall(r'<th scope="row">(\d+–\d+%)</th>\s*<td>(\d+)</td>', page.text))
    assert (bands["0–10%"], bands["60–70%"], bands["90–100%"], bands["40–50%"]) == ("1", "1", "1", "0")

    rows = {r["item_id"]: r for r in csv_rows(teacher.get(f"{tool.url}/lti/instructor/statistics.csv",
                                                          params={"ls": ls}, timeout=10))}
    # D1 items: right for strong and middle (2 of 3); rest scores 23, 14, 0 vs item 1, 1, 0 -> positive.
    d1 = rows["cps-s-d1-001"]
    assert (d1["responses"], d1["percent_correct"], d1["omitted"]) == ("3", "66.7", "0")
    assert d1["option_counts"] == "A=1; B*=2; C=0; D=0"
    assert float(d1["discrimination"]) > 0.5
    # D4 item: right only for strong -> 1 of 3.
    assert rows["cps-s-d4-001"]["percent_correct"] == "33.3"
    assert rows["cps-s-d4-001"]["option_counts"] == "A*=1; B=2; C=0; D=0"
    # The essay counts with its grades: 18, 12, 0 of 18 -> mean 55.6 %, one full credit.
    essay = rows[ESSAY]
    assert (essay["responses"], essay["percent_correct"], essay["mean_score_percent"]) == ("3", "33.3", "55.6")
    assert "B ✓<span class=\"visually-hidden\"> (key)</span>" in page.text


def test_the_roster_comes_from_nrps_page_by_page_with_who_has_not_attempted(tool, platform, starter_bank):
    platform.members_page_size = 2
    platform.add_member("course-1", "teacher-1", (INSTRUCTOR,), name="Teacher One")
    platform.add_member("course-1", "learner-1", name="Amara Done")
    platform.add_member("course-1", "learner-2", name="Bo Waiting")
    platform.add_member("course-1", "learner-3", name="Cy Waiting")
    platform.add_member("course-1", "learner-4", name="Di Dropped", status="Inactive")
    answer_and_submit(tool, platform, "learner-1", starter_bank)

    teacher = Browser()
    ls = ls_of(launch(platform, teacher, "teacher-1", instructor=True))
    page = teacher.get(f"{tool.url}/lti/instructor/roster", params={"ls": ls}, timeout=10)
    assert page.status_code == 200
    assert platform.nrps_requests == 3  # five members, two per page
    assert "5 members in the course" in page.text and "2 learners have not attempted yet" in page.text
    waiting = page.text.split("<h2>Not attempted yet</h2>")[1].split("</ul>")[0]
    assert "Bo Waiting" in waiting and "Cy Waiting" in waiting
    assert "Amara Done" not in waiting and "Di Dropped" not in waiting and "Teacher One" not in waiting

    tokens = platform.tokens_issued
    rows = csv_rows(teacher.get(f"{tool.url}/lti/instructor/roster.csv", params={"ls": ls}, timeout=10))
    assert platform.tokens_issued == tokens, "the access token is reused from the shared cache"
    by_id = {r["platform_user_id"]: r for r in rows}
    assert len(rows) == 5
    assert (by_id["learner-1"]["has_attempted"], by_id["learner-1"]["attempts_submitted"]) == ("yes", "1")
    assert by_id["learner-1"]["recorded_score"] == f"{CHOICE_POINTS:g}"
    assert by_id["learner-1"]["grading_policy"] == "highest attempt"
    assert by_id["learner-2"]["has_attempted"] == "no" and by_id["learner-4"]["status"] == "Inactive"
    assert by_id["teacher-1"]["roles"] == "Instructor"


def test_the_roster_page_explains_when_the_platform_refuses(tool, platform):
    teacher = Browser()
    ls = ls_of(launch(platform, teacher, "teacher-1", instructor=True, context_id="course-without-roster"))
    page = teacher.get(f"{tool.url}/lti/instructor/roster", params={"ls": ls}, timeout=10)
    assert page.status_code == 200 and "The LMS refused the roster request (HTTP 404)" in page.text
    assert teacher.get(f"{tool.url}/lti/instructor/roster.csv", params={"ls": ls}, timeout=10).status_code == 502


def test_nothing_from_another_course_or_platform_is_visible_or_changeable(tool, platform, starter_bank, request):
    # Another course on the same platform: its learner's score is refused for good.
    answer_and_submit(tool, platform, "elsewhere", starter_bank, context_id="course-2", resource_link_id="link-2")
    platform.fail_scores("400")
    assert drain(tool.app).failed == 1
    # Another platform that uses the same context and resource link ids.
    other = LtiPlatform("moodle").start()
    request.addfinalizer(other.stop)
    register_by_hand(tool, other, client_id="client-2")
    answer_and_submit(tool, other, "outsider", starter_bank, client="client-2")
    other.add_member("course-1", "outsider", name="Other Platform Person")
    platform.add_member("course-1", "learner-1", name="Our Learner")
    # Our own course's learner.
    answer_and_submit(tool, platform, "learner-1", starter_bank)
    assert drain(tool.app).sent == 2

    from sqlalchemy import select

    from lti_tool.delivery.models import Attempt, ScoreOutbox
    from lti_tool.lti.models import User
    from lti_tool.web.db import session_scope

    with session_scope(tool.app) as db:
        attempt_of = {u.sub: a.id for a, u in db.execute(select(Attempt, User).join(User))}
        foreign_score = db.scalar(select(ScoreOutbox.id).where(ScoreOutbox.platform_user_id == "elsewhere"))

    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    ls = ls_of(home)
    grade_page = grading_page(tool, teacher, home, "Person learner-1")
    _, fields = parse_form(grade_page.text)
    csrf = fields["csrf_token"]
    pages = {name: teacher.get(f"{tool.url}/lti/instructor/{name}", params={"ls": ls}, timeout=10).text
             for name in ("", "attempts.csv", "statistics", "statistics.csv", "roster", "roster.csv")}
    for name, text in pages.items():
        assert "elsewhere" not in text and "outsider" not in text and "Other Platform" not in text, name
    assert "learner-1" in pages["attempts.csv"] and "Our Learner" in pages["roster"]

    for foreign in (attempt_of["elsewhere"], attempt_of["outsider"]):
        url = f"{tool.url}/lti/instructor/attempts/{foreign}/grade"
        assert teacher.get(url, params={"ls": ls}, timeout=10).status_code == 404
        posted = teacher.post(url, data={"ls": ls, "csrf_token": csrf, **{f"rubric-{ESSAY}-{d}": "3" for d in RUBRIC}},
                              timeout=10)
        assert posted.status_code == 404
    retry = teacher.post(f"{tool.url}/lti/instructor/scores/{foreign_score}/retry",
                         data={"ls": ls, "csrf_token": csrf}, allow_redirects=False, timeout=10)
    assert retry.status_code == 404
    with session_scope(tool.app) as db:
        assert db.get(ScoreOutbox, foreign_score).status == "failed"
        assert db.get(Attempt, attempt_of["outsider"]).pending_manual is True

    _a_learner_token_opens_no_instructor_page(tool, platform, attempt_of["learner-1"])


def _a_learner_token_opens_no_instructor_page(tool, platform, attempt_id) -> None:  # noqa: ANN001
    """A learner's launch token opens none of the instructor's pages and changes nothing (not even their own grade)."""
    from lti_tool.delivery.models import Attempt
    from lti_tool.web.db import session_scope

    learner = Browser()
    result = launch(platform, learner, "learner-1")
    learner_ls = ls_of(result)
    learner_csrf = parse_form(result.text)[1].get("csrf_token", "")
    for name in ("", "attempts.csv", "statistics", "statistics.csv", "roster", "roster.csv",
                 f"attempts/{attempt_id}/grade"):
        assert learner.get(f"{tool.url}/lti/instructor/{name}", params={"ls": learner_ls},
                           timeout=10).status_code == 403, name
    own = learner.post(f"{tool.url}/lti/instructor/attempts/{attempt_id}/grade",
                       data={"ls": learner_ls, "csrf_token": learner_csrf,
                             **{f"rubric-{ESSAY}-{d}": "3" for d in RUBRIC}}, timeout=10)
    assert own.status_code == 403
    with session_scope(tool.app) as db:
        assert db.get(Attempt, attempt_id).pending_manual is True
