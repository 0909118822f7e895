"""The pages that show mastery in the LMS frame, at 320 px wide and at 200% zoom (a 640 px window at 2 device pixels
per px): the learner's "My progress", reached by the keyboard from their result page, and the instructor's course
heat map, reached from the workspace and sorted by a column's link. Four learners of tests/browser/course_class.py
first submit the starter quiz over HTTP, so both pages hold real mastery, misses and rationales. axe-core finds no
serious or critical violation with every <details> opened, nothing scrolls sideways (the heat map's table scrolls
in its own region), and every control lies inside the width."""

from __future__ import annotations

import pytest

from item_bank.assemble import form_items
from tests.browser import keyboard
from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.course_class import CLASS, INSTRUCTOR_ID, INSTRUCTOR_NAME, identity, take, wait_for_score_calls
from tests.browser.learner_run import CUSTOM, FORM, Audit
from tests.browser.screens import save_screenshot, sideways_problems
from tests.browser.tool_frame import tool_frame_at
from tests.lti_platform import INSTRUCTOR

SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1},
    "zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}
LEARNERS = CLASS[:4]  # strong, strong, middling, weak: each with some misses
OPEN_DETAILS = "document.querySelectorAll('details').forEach((d) => { d.open = true; })"


def check_fits(audit: Audit, frame, size: str, name: str) -> None:  # noqa: ANN001 - playwright Frame
    """axe-core (every <details> open) and the width rules at this size."""
    frame.evaluate(OPEN_DETAILS)
    audit.check(frame, f"{name} at {size}")
    assert frame.evaluate("document.documentElement.clientWidth") <= SIZES[size]["viewport"]["width"]
    assert sideways_problems(frame) == [], f"{name} at {size}"


@pytest.mark.parametrize("size", SIZES)
def test_progress_and_heat_map_pass_axe_at_320px_and_200_percent_zoom(site, starter_bank, size):
    items = list(form_items(starter_bank.form(FORM), starter_bank))
    for learner in LEARNERS:
        take(site.platform, site.course.client_id, learner, items, CUSTOM)
    wait_for_score_calls(site.platform, len(LEARNERS))
    audit = Audit()
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, site.course_origin, **SIZES[size]) as browser:
        page = browser.new_page()
        learner = LEARNERS[2]
        page.goto(site.course.course_url(sub=learner.user_id, custom=CUSTOM,
                                         claims_overrides=identity(learner.user_id, learner.name)))
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/delivery/", "h1")
        keyboard.press_button(page, frame, "My progress")
        frame = tool_frame_at(page, f"{site.tool_origin}/progress", "h1")
        shown = frame.inner_text("main")
        assert "What to practise next" in shown and "Missed question 1" in shown and "Correct answer" in shown
        if size == "320px":
            save_screenshot(page, "learner-progress-320", whole=frame)
        check_fits(audit, frame, size, "learner progress")

        page.goto(site.course.course_url(sub=INSTRUCTOR_ID, roles=(INSTRUCTOR,), custom=CUSTOM,
                                         claims_overrides=identity(INSTRUCTOR_ID, INSTRUCTOR_NAME)))
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/instructor")
        keyboard.press_button(page, frame, "Course mastery")
        frame = tool_frame_at(page, f"{site.tool_origin}/instructor/mastery", "table")
        names = frame.eval_on_selector_all("tbody th[scope=row]", "els => els.map((e) => e.innerText)")
        assert names == sorted((one.name for one in LEARNERS), key=str.casefold)
        check_fits(audit, frame, size, "instructor heat map")

        first = frame.eval_on_selector("thead th:nth-child(2) a", "a => a.innerText.split(':')[0].trim()")
        keyboard.press_button(page, frame, first)  # sort by the class's weakest objective, low first
        frame = tool_frame_at(page, f"{site.tool_origin}/instructor/mastery", "table")
        assert frame.get_attribute("thead th:nth-child(2)", "aria-sort") == "ascending"
        if size == "320px":
            save_screenshot(page, "instructor-mastery-320", whole=frame)
        check_fits(audit, frame, size, "instructor heat map sorted")
