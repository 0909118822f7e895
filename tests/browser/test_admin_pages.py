"""The two pages an admin opens in a browser tab rather than in the LMS: the home page at `/` and the registration
address `/lti/register` without the LMS's parameters. Both load in Chromium under the tool's CSP (no blocked inline
style) and pass axe-core without serious or critical violations."""

from __future__ import annotations

from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.browser.learner_run import Audit


def test_the_home_page_and_the_registration_help_pass_axe(site):
    audit = Audit()
    blocked = []
    with chromium(ALLOW_THIRD_PARTY, site.tool_origin, site.course_origin,
                  viewport={"width": 1280, "height": 900}) as browser:
        page = browser.new_page()
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)

        page.goto(f"{site.tool_origin}/")
        assert "CPS ethics assessment: LTI tool" in page.inner_text("h1")
        assert "this address is not https" in page.inner_text("main")  # the test tool is served on plain http
        audit.check(page, "home page")

        page.get_by_role("link", name="What to paste where").click()
        page.wait_for_url(f"{site.tool_origin}/lti/register")
        assert "How to register" in page.inner_text("h1")
        assert "Moodle" in page.inner_text("main") and "Canvas" in page.inner_text("main")
        audit.check(page, "registration help")
    assert blocked == []
