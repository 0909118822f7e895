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


def save_screenshot(page, name: str) -> None:  # noqa: ANN001 - playwright Page
    if os.environ.get("CPS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
