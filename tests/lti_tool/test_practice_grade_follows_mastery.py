"""A graded practice link's grade follows the learner's mastery (lti_tool/delivery/practice_grades.py), over real
HTTP with the test platform, on SQLite and PostgreSQL: a quiz submission, an essay grade, a regrade and an answer at
another practice link each send each of the learner's graded practice links in the course whose grade changed one
new score, equal to the link's grade from the stored mastery; an ungraded link, a link in another course, a link
made ungraded since and a link whose objectives the update did not touch get none; and migration 0010 fills the
line item of the practice sessions that sent grades before it."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests
from sqlalchemy import inspect, select

from item_bank.model import Bank, Item
from item_bank.practice import find_target
from lti_tool.delivery.mastery_store import learner_mastery
from lti_tool.delivery.models import Attempt, AttemptItem
from lti_tool.delivery.practice import link_score
from lti_tool.grades.outbox import drain
from lti_tool.lti.models import ResourceLink, User
from lti_tool.web import db as tool_db
from lti_tool.web.db import session_scope
from tests.lti_platform import Browser, LtiPlatform, parse_form
from tests.lti_tool.helpers import follow, lineitem_url
from tests.lti_tool.workspace import (
    RUBRIC,
    answer_and_submit,
    grading_page,
    launch,
    post_grades,
    regrade_in_the_workspace,
)

QUIZ = "quiz-1"  # the starter quiz: D1.3, D1.5, D1.6, D3.4, D4.5, D4.3 and an essay on D3.2 (and D4.2)
WRONG_IN_THE_QUIZ = "cps-s-d3-001"  # D3.4: answered wrong in the quiz, then regraded with full credit


def graded(target: str) -> dict[str, str]:
    return {"practice": target, "practice_graded": "true"}


def practise(tool, platform: LtiPlatform, bank: Bank, sub: str, link: str, custom: dict, *,
             course: str = "course-1", answer: bool = True) -> None:
    """The learner launches a practice link (which shows their question) and answers it with its key."""
    browser = Browser()
    page = follow(browser, platform.launch(browser, "client-1", sub=sub, custom=custom, resource_link_id=link,
                                           context_id=course))
    assert page.status_code == 200, page.text
    if not answer:
        return
    action, fields = parse_form(page.text)
    with session_scope(tool.app) as db:
        item = bank.item(db.get(AttemptItem, int(re.search(r"/practice/questions/(\d+)", action).group(1))).item_id)
    answered = follow(browser, browser.post(urljoin(page.url, action), allow_redirects=False, timeout=10, data={
        "ls": fields["ls"], "csrf_token": fields["csrf_token"], "answer": sorted(item.key_ids)}))
    assert "Your answer is <strong>right</strong>" in answered.text, answered.text[:500]


def take_quiz(tool, platform: LtiPlatform, bank: Bank, sub: str) -> None:
    """The learner answers the starter quiz at QUIZ (keys, except WRONG_IN_THE_QUIZ; an essay) and submits."""
    def choose(item: Item) -> list[str]:
        if item.id == WRONG_IN_THE_QUIZ:
            return [next(c.id for c in item.choices if not c.correct)]
        return sorted(item.key_ids)

    result = answer_and_submit(tool, platform, sub, bank, choose=choose, resource_link_id=QUIZ)
    assert result.status_code == 200 and "Score:" in result.text, result.text[:500]


def grades_at(platform: LtiPlatform, link: str, sub: str, course: str = "course-1") -> list[float]:
    """The scores the platform holds for the learner at the link's line item, oldest first."""
    item = platform.ensure_lineitem(course, link)
    return [s["scoreGiven"] for s in platform.scores if s["lineitem"] == item and s["userId"] == sub]


def grade_from_stored_mastery(tool, bank: Bank, sub: str, link: str, target_id: str) -> float:
    with session_scope(tool.app) as db:
        context_id = db.scalar(select(ResourceLink.context_id).where(ResourceLink.resource_link_id == link))
        user_id = db.scalar(select(User.id).where(User.sub == sub))
        target = find_target(bank, target_id)
        return link_score(learner_mastery(db, context_id, user_id, target.objectives), target)


def instructor_home(platform: LtiPlatform, teacher: requests.Session) -> requests.Response:
    return launch(platform, teacher, "teacher-1", instructor=True, resource_link_id=QUIZ)


def test_a_quiz_sends_each_graded_practice_link_of_the_course_its_new_grade_once(tool, platform, starter_bank):
    practise(tool, platform, starter_bank, "amara", "d1-graded", graded("D1"))
    assert drain(tool.app).sent == 1
    practise(tool, platform, starter_bank, "amara", "d4-ungraded", {"practice": "D4", "practice_graded": "false"})
    assert drain(tool.app).sent == 0  # a D4 answer leaves the D1 grade where it was
    practise(tool, platform, starter_bank, "amara", "all-graded", graded("all"), course="course-2")
    assert drain(tool.app).sent == 1
    before = grades_at(platform, "d1-graded", "amara")

    take_quiz(tool, platform, starter_bank, "amara")
    assert drain(tool.app).sent == 2  # the quiz's own score and the D1 link's new grade

    expected = grade_from_stored_mastery(tool, starter_bank, "amara", "d1-graded", "D1")
    assert grades_at(platform, "d1-graded", "amara") == [*before, expected]
    assert expected != before[-1]
    assert grades_at(platform, "d4-ungraded", "amara") == []
    assert len(grades_at(platform, "all-graded", "amara", course="course-2")) == 1
    assert len(grades_at(platform, QUIZ, "amara")) == 1


def test_an_answer_at_another_practice_link_sends_the_first_link_its_new_grade(tool, platform, starter_bank):
    practise(tool, platform, starter_bank, "amara", "d1-first", graded("D1"))
    assert drain(tool.app).sent == 1
    practise(tool, platform, starter_bank, "amara", "d1-second", graded("D1"))
    assert drain(tool.app).sent == 2  # the second link's own score and the first link's new grade

    expected = grade_from_stored_mastery(tool, starter_bank, "amara", "d1-first", "D1")
    assert grades_at(platform, "d1-second", "amara") == [expected]
    assert len(grades_at(platform, "d1-first", "amara")) == 2
    assert grades_at(platform, "d1-first", "amara")[-1] == expected


def test_an_essay_grade_and_a_regrade_each_send_the_practice_link_one_new_grade(tool, platform, starter_bank):
    practise(tool, platform, starter_bank, "amara", "d3-graded", graded("D3"))
    assert drain(tool.app).sent == 1
    take_quiz(tool, platform, starter_bank, "amara")
    drain(tool.app)
    sent = grades_at(platform, "d3-graded", "amara")
    assert sent[-1] == grade_from_stored_mastery(tool, starter_bank, "amara", "d3-graded", "D3")

    teacher = Browser()
    page = grading_page(tool, teacher, instructor_home(platform, teacher), "Person amara")
    assert post_grades(tool, teacher, page, dict.fromkeys(RUBRIC, "3")).status_code == 303
    assert drain(tool.app).sent == 2  # the quiz's recorded score and the D3 link's new grade (essay on D3.2)
    after_grade = grade_from_stored_mastery(tool, starter_bank, "amara", "d3-graded", "D3")
    assert grades_at(platform, "d3-graded", "amara") == [*sent, after_grade]

    home = instructor_home(platform, teacher)
    done = regrade_in_the_workspace(teacher, home, f"{WRONG_IN_THE_QUIZ}@1", "full-credit",
                                    "Both readings are defensible")
    assert done.status_code == 303 and "notice=regraded" in done.headers["Location"]
    assert drain(tool.app).sent == 2  # the quiz's recorded score and the D3 link's new grade (D3.4 now right)
    after_regrade = grade_from_stored_mastery(tool, starter_bank, "amara", "d3-graded", "D3")
    assert after_regrade > after_grade
    assert grades_at(platform, "d3-graded", "amara") == [*sent, after_grade, after_regrade]


def test_a_quiz_that_leaves_the_links_objectives_alone_sends_it_nothing(tool, platform, starter_bank):
    practise(tool, platform, starter_bank, "amara", "d6-graded", graded("D6"))  # the quiz has no D6 question
    assert drain(tool.app).sent == 1
    take_quiz(tool, platform, starter_bank, "amara")
    assert drain(tool.app).sent == 1  # the quiz's own score only
    assert len(grades_at(platform, "d6-graded", "amara")) == 1


def test_a_link_made_ungraded_stops_following_at_the_learners_next_visit(tool, platform, starter_bank):
    practise(tool, platform, starter_bank, "bongani", "d1-link", graded("D1"))
    assert drain(tool.app).sent == 1
    practise(tool, platform, starter_bank, "bongani", "d1-link", {"practice": "D1", "practice_graded": "false"},
             answer=False)
    take_quiz(tool, platform, starter_bank, "bongani")
    assert drain(tool.app).sent == 1  # the quiz's own score only
    assert len(grades_at(platform, "d1-link", "bongani")) == 1


def test_migration_0010_fills_the_line_item_of_sessions_that_sent_grades(tool, platform, starter_bank):
    from alembic import command

    practise(tool, platform, starter_bank, "amara", "d1-graded", graded("D1"))
    practise(tool, platform, starter_bank, "amara", "d4-ungraded", {"practice": "D4", "practice_graded": "false"})
    engine = tool_db.engine_of(tool.app)
    cfg = tool_db.alembic_config(tool.app.config["DATABASE_URL"])
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0009_platform_origins")
    engine.dispose()
    assert "practice_lineitem_url" not in {c["name"] for c in inspect(engine).get_columns("lti_attempts")}
    tool_db.upgrade(tool.app)
    engine.dispose()
    with session_scope(tool.app) as db:
        kept = {link: url for link, url in db.execute(
            select(ResourceLink.resource_link_id, Attempt.practice_lineitem_url)
            .join(Attempt, Attempt.resource_link_id == ResourceLink.id))}
    assert kept == {"d1-graded": lineitem_url(platform, "d1-graded"), "d4-ungraded": None}
