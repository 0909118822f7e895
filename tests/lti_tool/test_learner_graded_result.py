"""The learner's result page after the instructor grades the essay, over real HTTP with the test platform (SQLite,
and PostgreSQL when reachable or in CI): the essay's rubric points, its score and the new total replace "to be
graded", whatever the feedback policy, and a regrade shows at the learner's next launch."""

from __future__ import annotations

import re

from tests.lti_platform import Browser
from tests.lti_tool.workspace import (
    CHOICE_POINTS,
    RUBRIC,
    TOTAL_POINTS,
    answer_and_submit,
    grading_page,
    launch,
    post_grades,
)

ESSAY_NUMBER = 5  # the starter quiz keeps its item order: the essay is question 5 of 7
AWAITING = "will be graded by your instructor"


def grade(platform, tool, learner: str, points: str) -> None:
    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    graded = post_grades(tool, teacher, grading_page(tool, teacher, home, f"Person {learner}"),
                         dict(zip(RUBRIC, points, strict=True)))
    assert graded.status_code == 303 and "notice=graded" in graded.headers["Location"]


def result_page(platform, learner: str, **claims) -> str:
    """The learner's launch after submitting lands on their latest result."""
    page = launch(platform, Browser(), learner, **claims)
    assert page.status_code == 200 and "your result" in page.text, page.text[:500]
    return page.text


def essay_section(html: str) -> str:
    found = re.search(r'<section[^>]*aria-labelledby="graded-essays-heading".*?</section>', html, re.S)
    assert found, "no graded essay section"
    return found.group(0)


def test_the_graded_essay_its_rubric_points_and_the_new_total_reach_the_learner(registered, platform,
                                                                                  starter_bank):
    submitted = answer_and_submit(registered, platform, "learner-1", starter_bank)
    assert f"{CHOICE_POINTS:g} out of {TOTAL_POINTS:g}" in submitted.text and AWAITING in submitted.text
    assert f"Question {ESSAY_NUMBER}: to be graded" in submitted.text
    assert 'id="graded-essays-heading"' not in submitted.text

    # 3+3+2+3+2+3 = 16 of 18 rubric points -> 16 of the essay's 18 points; 6 + 16 = 22 of 24.
    grade(platform, registered, "learner-1", "332323")
    page = result_page(platform, "learner-1")
    assert "22 out of 24" in page and "(92%)" in page
    assert AWAITING not in page and "to be graded" not in page
    assert f"Question {ESSAY_NUMBER}: 16 of 18 points" in page
    essays = essay_section(page)
    assert f"Question {ESSAY_NUMBER}: 16 of 18 points" in essays
    assert re.search(r"Legal and policy duties</th>\s*<td>2 of 3</td>", essays)
    assert re.search(r"Identifies the issue\(s\)</th>\s*<td>3 of 3</td>", essays)
    assert len(re.findall(r"<td>\d of 3</td>", essays)) == len(RUBRIC)

    # A regrade is what the learner sees at their next launch.
    grade(platform, registered, "learner-1", "333333")
    page = result_page(platform, "learner-1")
    assert "24 out of 24" in page and f"Question {ESSAY_NUMBER}: 18 of 18 points" in page
    assert re.search(r"Legal and policy duties</th>\s*<td>3 of 3</td>", essay_section(page))


def test_the_essay_grade_shows_even_when_the_policy_hides_the_answers(registered, platform, starter_bank):
    hidden = {"form_id": "starter-quiz", "feedback": "never"}
    submitted = answer_and_submit(registered, platform, "learner-2", starter_bank, custom=hidden)
    assert AWAITING in submitted.text and "does not show the answers" in submitted.text

    grade(platform, registered, "learner-2", "000000")
    page = result_page(platform, "learner-2", custom=hidden)
    assert f"{CHOICE_POINTS:g} out of {TOTAL_POINTS:g}" in page and AWAITING not in page
    assert "does not show the answers" in page
    essays = essay_section(page)
    assert f"Question {ESSAY_NUMBER}: 0 of 18 points" in essays
    assert len(re.findall(r"<td>0 of 3</td>", essays)) == len(RUBRIC)
    # The policy still hides keys and rationales: no other question's feedback is on the page.
    assert 'class="rationale"' not in page and "Correct answer" not in page


def test_a_graded_essays_feedback_no_longer_says_it_will_be_graded(registered, platform, starter_bank):
    submitted = answer_and_submit(registered, platform, "learner-1", starter_bank)
    assert "Compare your answer with the rubric; your trainer will grade it." in submitted.text

    grade(platform, registered, "learner-1", "332323")
    page = result_page(platform, "learner-1")
    assert "Compare your answer with the rubric." in page
    assert "will grade it" not in page
