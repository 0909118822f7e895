"""The tool inside an LMS iframe in Chromium, as Canvas and Moodle embed it: the course page is on one site
(127.0.0.1), the tool on another (localhost). A learner launches, answers every item type with the keyboard only,
reloads mid-attempt, submits, reads the feedback, and the platform receives the score: with third-party cookies
allowed, and with them blocked (launch through the platform's storage). Blocked on a platform without storage:
test_cookies_blocked_in_frame.py."""

from __future__ import annotations

import pytest

from item_bank.assemble import form_items
from item_bank.model import ItemType
from tests.browser.chromium import ALLOW_THIRD_PARTY, BLOCK_THIRD_PARTY, chromium
from tests.browser.course_pages import storage_log
from tests.browser.learner_run import CUSTOM, FORM, Audit, take_quiz
from tests.browser.tool_frame import frame_address, tool_frame_at
from tests.lti_tool.helpers import outbox_settled, wait_for

PROBE = """() => { document.cookie = "probe=1; SameSite=None; Secure; Path=/"; return document.cookie; }"""


def tool_frame(page, site):  # noqa: ANN001
    return tool_frame_at(page, f"{site.tool_origin}/lti/delivery/")


def reload_the_first_page(frame):  # noqa: ANN001
    """The launch answered with question 1 and gave the page the question's own address: reloading the frame is a
    plain GET of that page (no second post of the used id_token, which the tool would refuse)."""
    assert "/items/1?ls=" in frame_address(frame), frame_address(frame)
    with frame.expect_navigation():
        frame.evaluate("() => { setTimeout(() => location.reload(), 0); }")
    frame.wait_for_selector("legend")
    assert frame.inner_text("legend").startswith("Question 1 of"), frame.inner_text("main")[:300]
    return frame


def wait_for_score(site, seconds: float = 15.0) -> list[dict]:  # noqa: ANN001
    """The scores the platform holds once the tool's outbox has settled (the row sent, so never posted again)."""
    assert wait_for(lambda: outbox_settled(site.tool.app), seconds), "the score did not reach the platform"
    return site.platform.scores


def expected_points(bank) -> tuple[float, float]:
    items = form_items(bank.form(FORM), bank)
    return sum(i.points for i in items if i.type.has_choices), sum(i.points for i in items)


def assert_result_and_score(frame, site, starter_bank) -> None:  # noqa: ANN001
    choice_points, points = expected_points(starter_bank)
    text = frame.inner_text("main")
    assert f"Score: {choice_points:g} out of {points:g}" in text
    assert "Feedback" in text and "Your choice, correct" in text
    scores = wait_for_score(site)
    assert len(scores) == 1, scores
    assert (scores[0]["userId"], scores[0]["scoreGiven"], scores[0]["scoreMaximum"]) == (
        "learner-1", choice_points, points)


@pytest.mark.parametrize(("policy", "storage"), [(ALLOW_THIRD_PARTY, False), (BLOCK_THIRD_PARTY, True)],
                         ids=["third-party-cookies-allowed", "third-party-cookies-blocked-platform-storage"])
def test_a_learner_takes_the_quiz_in_the_lms_frame_with_the_keyboard(site, starter_bank, policy, storage):
    items = list(form_items(starter_bank.form(FORM), starter_bank))
    course = site.course.course_url(storage=storage, sub="learner-1", custom=CUSTOM)
    audit = Audit()
    with chromium(policy, site.tool_origin, site.course_origin, viewport={"width": 1280, "height": 900}) as browser:
        page = browser.new_page()
        page.goto(course)
        frame = tool_frame(page, site)
        probe = frame.evaluate(PROBE)
        if policy == BLOCK_THIRD_PARTY:
            assert probe == "", "the tool's third-party cookie was not blocked"
            assert storage_log(page) == ["lti.capabilities", "lti.put_data", "lti.capabilities", "lti.get_data"]
        else:
            assert "probe=1" in probe
        frame = reload_the_first_page(frame)

        def reload():
            page.reload()
            return tool_frame(page, site)

        types, frame = take_quiz(page, frame, items, audit, reload=reload)
        assert types == set(ItemType)
        assert_result_and_score(frame, site, starter_bank)
