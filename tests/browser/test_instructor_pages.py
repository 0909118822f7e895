"""The instructor's side in the LMS frame: the deep-linking picker, then the workspace pages (attempts, essay
grading, item statistics, roster) of a small class (tests/browser/course_class.py: one learner in the browser with
the keyboard, ten over HTTP, essays graded, one score refused by the gradebook, learners who never started);
axe-core checks each page with that data; screenshots for the docs."""

from __future__ import annotations

import jwt

from item_bank.assemble import form_items
from tests.browser import keyboard
from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.course_class import (
    INSTRUCTOR_ID,
    INSTRUCTOR_NAME,
    KEYBOARD_LEARNER,
    enrol,
    identity,
    populate,
    wait_for_score_calls,
)
from tests.browser.learner_run import CUSTOM, FORM, Audit, take_quiz
from tests.browser.screens import save_screenshot
from tests.browser.tool_frame import tool_frame_at
from tests.lti_platform import INSTRUCTOR

DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def in_tool(page, site, path: str):  # noqa: ANN001
    return tool_frame_at(page, f"{site.tool_origin}{path}")


def test_instructor_pages_in_the_lms_frame_pass_axe(site, starter_bank):
    enrol(site.platform)
    items = list(form_items(starter_bank.form(FORM), starter_bank))
    teacher = {"sub": INSTRUCTOR_ID, "roles": (INSTRUCTOR,), "claims_overrides": identity(INSTRUCTOR_ID,
                                                                                         INSTRUCTOR_NAME)}
    audit = Audit()
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, site.course_origin,
                  viewport={"width": 1280, "height": 900}) as browser:
        page = browser.new_page()

        # The instructor adds the assessment with the deep-linking picker, keyboard only.
        page.goto(site.course.course_url(message_type="LtiDeepLinkingRequest", **teacher))
        frame = in_tool(page, site, "/lti/deep-link/pick")
        audit.check(frame, "deep-linking picker")
        save_screenshot(page, "deep-linking-picker-desktop")
        keyboard.tab_to(page, frame, lambda f: f["tag"] == "button" and "Starter quiz" in f["text"])
        page.keyboard.press("Enter")
        page.frame(name="tool").wait_for_selector("text=The assessment was added", timeout=15000)
        [returned] = site.course.deep_link_returns
        [link] = jwt.decode(returned, options={"verify_signature": False})[DL_ITEMS]
        assert link["custom"]["form_id"] == FORM

        # One learner takes the quiz in the browser with the keyboard; the rest of the class over HTTP.
        sub, name = KEYBOARD_LEARNER
        page.goto(site.course.course_url(sub=sub, custom=CUSTOM, claims_overrides=identity(sub, name)))
        frame = in_tool(page, site, "/lti/delivery/")
        save_screenshot(page, "learner-question-desktop")
        _, frame = take_quiz(page, frame, items, audit)
        save_screenshot(page, "learner-result-desktop")
        wait_for_score_calls(site.platform, 1)  # the keyboard learner's score is in the gradebook
        populate(site.platform, site.course.client_id, items, CUSTOM)

        page.goto(site.course.course_url(custom=CUSTOM, **teacher))
        frame = in_tool(page, site, "/lti/instructor")
        audit.check(frame, "instructor attempts")
        save_screenshot(page, "instructor-attempts-desktop", whole=frame)
        shown = {"instructor attempts": frame.inner_text("main")}
        for link_text, name in (("Item statistics", "instructor-statistics"), ("Course roster", "instructor-roster"),
                                ("Attempts", None), ("Grade essays", "instructor-grading")):
            keyboard.press_button(page, frame, link_text)
            frame.wait_for_selector("h1")
            if name:
                audit.check(frame, name.replace("-", " "))
                save_screenshot(page, f"{name}-desktop", whole=frame)
                shown[name.replace("-", " ")] = frame.inner_text("main")
    assert "11 attempts at this link" in shown["instructor attempts"]
    assert "Retry" in shown["instructor attempts"] and "HTTP 403" in shown["instructor attempts"]
    assert "From 7 submitted attempts at this link; 3 more wait for essay grading" in shown["instructor statistics"]
    assert "15 members in the course; 2 learners have not attempted yet" in shown["instructor roster"]
    assert "Grade essays: Amara Okafor, attempt 1" in shown["instructor grading"]
    assert set(audit.pages) >= {"deep-linking picker", "instructor attempts", "instructor statistics",
                                "instructor roster", "instructor grading", "learner result with feedback"}
