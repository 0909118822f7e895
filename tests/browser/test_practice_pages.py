"""Adaptive practice in the LMS frame, keyboard only, at 320 px wide and at 200% zoom (a 640 px window at 2 device
pixels per px): the question, its feedback (right or not in words, every option's rationale, the mastery it moved)
and the next question pass axe-core, nothing scrolls sideways, and "Stop and see my progress" leads to the learner's
progress page."""

from __future__ import annotations

import pytest

from item_bank.model import ItemType
from tests.browser import keyboard
from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.learner_run import Audit, answer, item_shown
from tests.browser.screens import save_screenshot, sideways_problems
from tests.browser.tool_frame import tool_frame_at

SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1},
    "zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
CUSTOM = {"practice": "all", "practice_graded": "true"}


def check_fits(audit: Audit, frame, size: str, name: str) -> None:  # noqa: ANN001 - playwright Frame
    audit.check(frame, f"{name} at {size}")
    assert frame.evaluate("document.documentElement.clientWidth") <= SIZES[size]["viewport"]["width"]
    assert sideways_problems(frame) == [], f"{name} at {size}"


@pytest.mark.parametrize("size", SIZES)
def test_practice_pages_pass_axe_and_fit_at_320px_and_200_percent_zoom(site, starter_bank, size):
    items = [i for i in starter_bank.items if i.type is not ItemType.EXTENDED_TEXT]
    audit = Audit()
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, site.course_origin, **SIZES[size]) as browser:
        page = browser.new_page()
        page.goto(site.course.course_url(sub="learner-1", custom=CUSTOM))
        frame = tool_frame_at(page, f"{site.tool_origin}/practice/questions/", "legend")
        for number in range(1, 4):
            check_fits(audit, frame, size, f"practice question {number}")
            if size == "320px" and number == 1:
                save_screenshot(page, "practice-question-320")
            item = item_shown(frame, items)
            answer(page, frame, item)
            keyboard.press_button(page, frame, "Check my answer")
            frame = tool_frame_at(page, f"{site.tool_origin}/practice/questions/", "h1")
            shown = frame.inner_text("main")
            assert "Your answer is right." in shown and "Your mastery now" in shown
            assert frame.locator(".rationale").count() == len(item.choices)
            check_fits(audit, frame, size, f"practice feedback {number}")
            if size == "320px" and number == 1:
                save_screenshot(page, "practice-feedback-320", whole=frame)
            if number < 3:
                keyboard.press_button(page, frame, "Next question")
                frame = tool_frame_at(page, f"{site.tool_origin}/practice/questions/", "legend")
        keyboard.press_button(page, frame, "Stop and see my progress")
        frame = tool_frame_at(page, f"{site.tool_origin}/progress", "h1")
    assert len(audit.pages) == 6
