"""Canvas Cloud's arrangement in a real Chromium: the course page is on a site of its own (a school's host), apart
from the registration's issuer, OIDC and token URLs (canvas.instructure.com and sso.canvaslms.com in Canvas), and the
tool is given nothing more (no CPS_FRAME_ANCESTORS). The tool's frame shows question 1, then question 2: the
launch's signed return URL names the course site, which may frame the launch's answer and every later page. As
Canvas does, the login may name a platform storage target: the tool's login page is then shown in the frame before
any token, framed by the page that posted the login. Over HTTP: tests/lti_tool/test_course_site_origins.py."""

from __future__ import annotations

import pytest

from tests.browser import keyboard
from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.learner_run import CUSTOM, question_number
from tests.browser.tool_frame import tool_frame_at


@pytest.mark.parametrize("storage", [False, True], ids=["login-redirect", "login-with-storage-target"])
def test_a_course_page_apart_from_the_registrations_urls_shows_the_tool_in_its_frame(site, storage):
    course_site = site.platform.serve_pages_apart()
    assert course_site not in (site.platform.url, site.tool_origin)
    course = site.course.course_url(storage=storage, sub="learner-1", custom=CUSTOM)
    assert course.startswith(course_site + "/")
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, course_site) as browser:
        page = browser.new_page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.goto(course)
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/delivery/", selector="legend")
        assert question_number(frame)[0] == 1
        keyboard.press_button(page, frame, "Save and go to next")  # a later page of the tool, in the same frame
        frame = tool_frame_at(page, f"{site.tool_origin}/lti/delivery/", selector="legend")
        assert question_number(frame)[0] == 2
    assert not [m for m in console if "frame-ancestors" in m], console
