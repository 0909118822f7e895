"""Issue 14, point 7: a learner whose browser blocks every cookie of the tool inside the course page (partitioned ones
too, as Safari does), on a platform without LTI platform storage that accepts each login hint only once (as Moodle
4.5 does), still gets in. The tool finishes the launch on the server, the frame goes on to question 1, and the
platform is never asked to authorize a login hint twice. When the tool cannot tell that the launch was posted by
the course's own page, the learner gets the tool's own clear page, and the LMS's "New window" container works."""

from __future__ import annotations

from item_bank.assemble import form_items
from tests.browser.chromium import BLOCK_THIRD_PARTY, chromium
from tests.browser.learner_run import CUSTOM, FORM, Audit, question_number, take_quiz
from tests.browser.tool_frame import tool_frame_at
from tests.lti_tool.helpers import outbox_settled, wait_for

PROBE = """() => {
  document.cookie = "probe=1; SameSite=None; Secure; Path=/";
  document.cookie = "probe_partitioned=1; SameSite=None; Secure; Path=/; Partitioned";
  return document.cookie;
}"""


def platform_error_shown(page) -> bool:  # noqa: ANN001 - playwright Page
    """Whether any frame or window of `page` shows the platform's "Invalid request" page."""
    return any("Invalid request" in frame.content() for frame in page.frames)


def test_with_every_tool_cookie_blocked_the_learner_takes_the_quiz_in_the_course_frame(site, starter_bank):
    site.platform.hints_once = True
    items = list(form_items(starter_bank.form(FORM), starter_bank))
    course = site.course.course_url(storage=False, sub="learner-1", custom=CUSTOM)
    with chromium(BLOCK_THIRD_PARTY, site.tool_origin, site.course_origin) as browser:
        page = browser.new_page()
        page.goto(course)
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/delivery/", selector="legend")
        assert frame.evaluate(PROBE) == "", "the tool's cookies (partitioned ones too) were not blocked in the frame"
        assert question_number(frame)[0] == 1

        def reload():
            page.reload()  # the course page again: a fresh login with a fresh hint, and the attempt resumes
            return tool_frame_at(page, f"{site.tool_origin}/lti/delivery/", selector="legend")

        _, frame = take_quiz(page, frame, items, Audit(), reload=reload)
        assert "Score:" in frame.inner_text("main")
        assert not platform_error_shown(page)
    assert site.platform.refused_hints == 0 and len(site.platform.used_hints) == 2  # one per course page load
    assert wait_for(lambda: outbox_settled(site.tool.app)), "the score did not reach the platform"
    assert [s["userId"] for s in site.platform.scores] == ["learner-1"]


def test_a_launch_the_tool_cannot_trace_to_the_course_page_ends_on_the_tools_own_page(site):
    site.platform.hints_once = True
    site.platform.auth_referrer_policy = "no-referrer"  # the browser then sends "Origin: null" with the id_token
    course = site.course.course_url(storage=False, sub="learner-1", custom=CUSTOM)
    with chromium(BLOCK_THIRD_PARTY, site.tool_origin, site.course_origin) as browser:
        page = browser.new_page()
        page.goto(course)
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/launch", selector="h1")
        heading = frame.inner_text("h1")
        assert heading == "Open the assessment in its own window", heading
        text = frame.inner_text("main")
        assert "New window" in text and "cookies" in text, text
        assert "Invalid request" not in text and not platform_error_shown(page)
        Audit().check(frame, "cookies blocked: the tool's own page")

        window = browser.new_page()  # the LMS's "New window" container: the launch runs in a first-party window
        window.goto(f"{course}/login")
        window.wait_for_url(f"{site.tool_origin}/lti/delivery/**", timeout=15000)
        window.wait_for_selector("legend")
        assert question_number(window.main_frame)[0] == 1
    assert site.platform.refused_hints == 0
