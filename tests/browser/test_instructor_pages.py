"""The instructor's side in the LMS frame: the deep-linking picker, then the workspace pages (attempts, essay
grading, item statistics, roster) after a learner's submission; axe-core checks each; screenshots for the docs."""

from __future__ import annotations

import jwt

from item_bank.assemble import form_items
from tests.browser import keyboard
from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.learner_run import CUSTOM, FORM, Audit, take_quiz
from tests.browser.screens import save_screenshot
from tests.lti_platform import INSTRUCTOR, LEARNER

DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def in_tool(page, site, path: str):  # noqa: ANN001
    frame = page.frame(name="tool")
    frame.wait_for_url(f"{site.tool_origin}{path}**", timeout=15000)
    frame.wait_for_selector("h1")
    return frame


def test_instructor_pages_in_the_lms_frame_pass_axe(site, starter_bank):
    site.platform.add_member("course-1", "learner-1", (LEARNER,))
    site.platform.add_member("course-1", "learner-2", (LEARNER,))
    audit = Audit()
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, site.course_origin,
                  viewport={"width": 1280, "height": 900}) as browser:
        page = browser.new_page()

        # The instructor adds the assessment with the deep-linking picker, keyboard only.
        page.goto(site.course.course_url(sub="teacher-1", roles=(INSTRUCTOR,), message_type="LtiDeepLinkingRequest"))
        frame = in_tool(page, site, "/lti/deep-link/pick")
        audit.check(frame, "deep-linking picker")
        save_screenshot(page, "deep-linking-picker-desktop")
        keyboard.tab_to(page, frame, lambda f: f["tag"] == "button" and "Starter quiz" in f["text"])
        page.keyboard.press("Enter")
        page.frame(name="tool").wait_for_selector("text=The assessment was added", timeout=15000)
        [returned] = site.course.deep_link_returns
        [link] = jwt.decode(returned, options={"verify_signature": False})[DL_ITEMS]
        assert link["custom"]["form_id"] == FORM

        # A learner submits, so every workspace page has something to show.
        page.goto(site.course.course_url(sub="learner-1", custom=CUSTOM))
        frame = in_tool(page, site, "/lti/delivery/")
        save_screenshot(page, "learner-question-desktop")
        _, frame = take_quiz(page, frame, list(form_items(starter_bank.form(FORM), starter_bank)), audit)
        save_screenshot(page, "learner-result-desktop")

        page.goto(site.course.course_url(sub="teacher-1", roles=(INSTRUCTOR,), custom=CUSTOM))
        frame = in_tool(page, site, "/lti/instructor")
        audit.check(frame, "instructor attempts")
        save_screenshot(page, "instructor-attempts-desktop")
        for link_text, name in (("Item statistics", "instructor-statistics"), ("Course roster", "instructor-roster"),
                                ("Attempts", None), ("Grade essays", "instructor-grading")):
            keyboard.press_button(page, frame, link_text)
            frame.wait_for_selector("h1")
            if name:
                audit.check(frame, name.replace("-", " "))
                save_screenshot(page, f"{name}-desktop")
    assert set(audit.pages) >= {"deep-linking picker", "instructor attempts", "instructor statistics",
                                "instructor roster", "instructor grading", "learner result with feedback"}
