"""Small screens and zoom: nothing may scroll sideways and every control must lie inside the viewport's width.
Screenshots for the docs are written to docs/screenshots/ when CPS_SCREENSHOTS=1 (`make screenshots`-style runs)."""

from __future__ import annotations

import os

from tests.conftest import REPO

SCREENSHOTS = REPO / "docs" / "screenshots"

OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const problems = [];
  if (document.documentElement.scrollWidth > width) {
    problems.push(`page is ${document.documentElement.scrollWidth}px wide in a ${width}px viewport`);
  }
  for (const el of document.querySelectorAll("input:not([type=hidden]), button, select, textarea, a[href]")) {
    if (el.closest(".visually-hidden") || el.closest(".table-wrap")) { continue; }
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) { continue; }
    if (box.left < -1 || box.right > width + 1) {
      problems.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.name || "").trim().slice(0, 40)}" spans ` +
                    `${Math.round(box.left)}..${Math.round(box.right)}px`);
    }
  }
  return problems;
}"""


def sideways_problems(frame) -> list[str]:  # noqa: ANN001 - playwright Frame
    """What does not fit the width: horizontal scrolling of the page, or a control outside the viewport."""
    return frame.evaluate(OVERFLOW)


COURSE_HEADER_PX = 40  # the course page's bar above the tool's iframe (2.5rem)
TALLEST_PX = 4000


def save_screenshot(page, name: str, whole=None) -> None:  # noqa: ANN001 - playwright Page (and Frame)
    """The page as the learner or instructor sees it; with `whole` (the tool's frame) the window is made tall
    enough for the frame's whole document, so a long instructor page is shown entirely, then set back."""
    if os.environ.get("CPS_SCREENSHOTS") != "1":
        return
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    viewport = page.viewport_size
    if whole is not None:
        height = whole.evaluate("document.documentElement.scrollHeight") + COURSE_HEADER_PX
        page.set_viewport_size({"width": viewport["width"], "height": min(max(height, viewport["height"]),
                                                                          TALLEST_PX)})
        whole.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
        page.wait_for_timeout(300)  # let Chromium paint the newly shown part of the frame
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    finally:
        page.set_viewport_size(viewport)
