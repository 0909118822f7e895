"""Only the registered platforms may frame the tool: Chromium refuses to show the tool inside a page of an
unregistered site (the CSP's frame-ancestors), while the registered course page shows it (the other browser
tests launch through it)."""

from __future__ import annotations

import time

from flask import Response

from tests.browser.chromium import ALLOW_THIRD_PARTY, chromium
from tests.lti_platform import LtiPlatform


def test_a_page_framed_by_an_unregistered_site_is_blocked(site):
    stranger = LtiPlatform("moodle")  # another origin, never registered with the tool
    target = f"{site.tool_origin}/lti/delivery/start"

    @stranger.app.get("/frame")
    def frame_page() -> Response:
        return Response(f'<!doctype html><html lang="en"><title>Not an LMS</title><iframe name="tool" '
                        f'title="tool" src="{target}"></iframe></html>', content_type="text/html")

    stranger.start()
    try:
        with chromium(ALLOW_THIRD_PARTY, site.tool_origin, stranger.url) as context:
            blocked = []
            page = context.new_page()
            page.on("console", lambda message: blocked.append(message.text))
            page.goto(f"{stranger.url}/frame")
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any("frame-ancestors" in m for m in blocked):
                time.sleep(0.1)
            assert any("frame-ancestors" in m for m in blocked), blocked
            shown = [f.url for f in page.frames if f.url.startswith(site.tool_origin)]
            assert shown == [], shown

            # The same tool page opened directly (not framed) is shown.
            direct = context.new_page()
            direct.goto(target)
            assert "This page needs a fresh launch" in direct.inner_text("main")
    finally:
        stranger.stop()
