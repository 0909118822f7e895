"""Keyboard-only use of the tool's pages: Tab to a control, then Space, Enter or the arrow keys; no clicks."""

from __future__ import annotations

from collections.abc import Callable

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || !document.hasFocus()) { return null; }
  return {tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "", value: el.value || "",
          text: (el.innerText || "").trim(), label: el.getAttribute("aria-label") || "", checked: !!el.checked};
}"""


def focused(frame) -> dict | None:  # noqa: ANN001 - playwright Frame
    return frame.evaluate(FOCUSED)


def tab_to(page, frame, wanted: Callable[[dict], bool], limit: int = 80) -> dict:  # noqa: ANN001
    """Press Tab until the focused control in `frame` is the wanted one."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(frame)
        if now is not None and wanted(now):
            return now
    raise AssertionError("Tab never reached the wanted control")


def press_button(page, frame, text: str) -> None:  # noqa: ANN001
    """Tab to the button (or link) whose text or label starts with `text` and press Enter; wait for the next page."""
    tab_to(page, frame, lambda f: f["tag"] in ("button", "a") and (f["text"].startswith(text)
                                                                   or f["label"].startswith(text)))
    with frame.expect_navigation():
        page.keyboard.press("Enter")


def choose_one(page, frame, key: str, options: int) -> None:  # noqa: ANN001
    """A radio group: Tab into it, arrow down to the key, Space to select it."""
    now = tab_to(page, frame, lambda f: f["name"] == "answer")
    for _ in range(options):
        if now["value"] == key:
            page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
        now = focused(frame)
    raise AssertionError(f"option {key} not reached with the arrow keys")


def choose_all(page, frame, keys: set[str]) -> None:  # noqa: ANN001
    """Checkboxes: Tab through them, Space on each key that is not ticked yet."""
    now = tab_to(page, frame, lambda f: f["name"] == "answer")
    while now is not None and now["name"] == "answer":
        if (now["value"] in keys) != now["checked"]:
            page.keyboard.press("Space")
        page.keyboard.press("Tab")
        now = focused(frame)


def write(page, frame, text: str) -> None:  # noqa: ANN001
    """The essay: Tab to the text area and type."""
    tab_to(page, frame, lambda f: f["tag"] == "textarea")
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
