"""The quiz at 320 px wide and at 200% zoom (a 1280 px window at 200% lays out 640 CSS px at 2 device pixels per
px): no page scrolls sideways, every control lies inside the width, and the whole quiz is still done with the
keyboard alone (controls reachable); axe-core checks each page at that size too. The instructor page is checked
with a whole class's attempts in it (tests/browser/course_class.py)."""

from __future__ import annotations

import pytest

from item_bank.assemble import form_items
from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.course_class import enrol, populate, wait_for_score_calls
from tests.browser.learner_run import CUSTOM, FORM, Audit, take_quiz
from tests.browser.screens import save_screenshot, sideways_problems
from tests.browser.tool_frame import tool_frame_at
from tests.lti_platform import INSTRUCTOR

SIZES = {
    "320px": {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1},
    "zoom-200": {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2},
}


class FitsAudit(Audit):
    """axe-core plus the width rules on every page checked."""

    def __init__(self, page, size: str) -> None:  # noqa: ANN001
        super().__init__()
        self.page, self.size = page, size

    def check(self, frame, name: str) -> None:  # noqa: ANN001
        super().check(frame, name)
        assert frame.evaluate("document.documentElement.clientWidth") <= SIZES[self.size]["viewport"]["width"]
        assert sideways_problems(frame) == [], f"{name} at {self.size}"
        if self.size == "320px" and name in ("learner question (single_choice)", "learner result with feedback"):
            save_screenshot(self.page, name.split(" (")[0].replace(" ", "-").replace("-with-feedback", "") + "-320")


@pytest.mark.parametrize("size", SIZES)
def test_the_quiz_and_the_instructor_pages_fit_small_screens_and_zoom(site, starter_bank, size):
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, site.course_origin, **SIZES[size]) as browser:
        page = browser.new_page()
        audit = FitsAudit(page, size)
        page.goto(site.course.course_url(sub="learner-1", custom=CUSTOM))
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/delivery/", "legend")
        items = list(form_items(starter_bank.form(FORM), starter_bank))
        take_quiz(page, frame, items, audit)
        enrol(site.platform)
        wait_for_score_calls(site.platform, 1)
        populate(site.platform, site.course.client_id, items, CUSTOM)  # the instructor page holds a whole class

        page.goto(site.course.course_url(sub="teacher-1", roles=(INSTRUCTOR,), custom=CUSTOM))
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/instructor")
        audit.check(frame, "instructor attempts")
        if size == "320px":
            save_screenshot(page, "instructor-attempts-320")
