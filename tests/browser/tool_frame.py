"""The tool's iframe once it shows a given page of the tool.

The learner's launch answers with question 1 and then gives the page the question's address with
`history.replaceState`. Playwright's own record of a cross-site iframe's URL can miss such a same-document change
(seen once in CI after the frame had moved between the course's and the tool's sites), so the frame is asked for
its address itself."""

from __future__ import annotations

import time


def frame_address(frame) -> str:  # noqa: ANN001
    """The frame's address as its document sees it ("" while it is between documents)."""
    from playwright.sync_api import Error as PlaywrightError  # imported here: a missing Playwright skips, not breaks

    try:
        return frame.evaluate("location.href")
    except PlaywrightError:
        return ""


def tool_frame_at(page, prefix: str, selector: str = "h1", name: str = "tool", seconds: float = 15.0):  # noqa: ANN001
    """The frame `name` of `page` once its address starts with `prefix` and `selector` is on the page."""
    deadline = time.monotonic() + seconds
    while True:
        frame = page.frame(name=name)
        if frame is not None and frame_address(frame).startswith(prefix):
            frame.wait_for_selector(selector)
            return frame
        if time.monotonic() > deadline:
            shown = frame_address(frame) if frame is not None else "no frame"
            raise AssertionError(f"the tool's frame did not reach {prefix} in {seconds:g} s (it shows {shown})")
        time.sleep(0.1)
