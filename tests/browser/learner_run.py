"""A learner's whole run in a real browser, keyboard only: every question answered with its key (an essay
typed), a reload in the middle, the review, the submission and the feedback; axe-core checks every page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from item_bank.markup import to_plain_text
from item_bank.model import Item, ItemType
from tests.browser import keyboard
from tests.browser.axe import blocking, violations

FORM = "starter-quiz"
CUSTOM = {"form_id": FORM, "attempts_allowed": "2", "feedback": "after_submit"}
ESSAY = "I would name the boundary kindly, explain why, and keep supporting the person."


@dataclass
class Audit:
    """axe-core results per page visited: every page must be free of serious and critical violations."""

    pages: dict[str, list[dict]] = field(default_factory=dict)

    def check(self, frame, name: str) -> None:  # noqa: ANN001 - playwright Frame
        found = violations(frame)
        self.pages[name] = found
        assert not blocking(found), f"axe-core on {name}: {blocking(found)}"


def question_number(frame) -> tuple[int, int]:  # noqa: ANN001
    legend = frame.inner_text("legend")
    found = re.search(r"Question (\d+) of (\d+)", legend)
    assert found, legend
    return int(found.group(1)), int(found.group(2))


def item_shown(frame, items: list[Item]) -> Item:  # noqa: ANN001
    stem = re.sub(r"\s+", " ", frame.inner_text(".stem"))
    for item in items:
        if re.sub(r"\s+", " ", to_plain_text(item.stem)).strip()[:50] in stem:
            return item
    raise AssertionError(f"no bank item has the stem shown: {stem[:80]}")


def answer(page, frame, item: Item) -> None:  # noqa: ANN001
    if item.type is ItemType.EXTENDED_TEXT:
        keyboard.write(page, frame, ESSAY)
    elif item.type is ItemType.MULTIPLE_RESPONSE:
        keyboard.choose_all(page, frame, set(item.key_ids))
    else:
        [key] = item.key_ids
        keyboard.choose_one(page, frame, key, len(item.choices))


def chosen_on_page(frame) -> set[str]:  # noqa: ANN001
    return set(frame.eval_on_selector_all("input[name=answer]:checked", "els => els.map(e => e.value)"))


def take_quiz(page, frame, items: list[Item], audit: Audit, reload=None) -> tuple[set[ItemType], object]:  # noqa: ANN001
    """Answer every question from the first page to the review; `reload()` is called once, after question 3,
    and must bring the learner back with every saved answer in place. Returns the item types answered and the
    frame showing the result."""
    types: set[ItemType] = set()
    answered: dict[int, Item] = {}
    number, total = question_number(frame)
    while True:
        item = item_shown(frame, items)
        if item.type not in types:
            audit.check(frame, f"learner question ({item.type.value})")
        types.add(item.type)
        answer(page, frame, item)
        answered[number] = item
        if number == total:
            keyboard.press_button(page, frame, "Save and review answers")
            break
        keyboard.press_button(page, frame, "Save and go to next")
        if number == 3 and reload is not None:
            frame = reload()
            assert question_number(frame)[0] == 1
            first = answered[1]
            if first.type.has_choices:
                assert chosen_on_page(frame) == set(first.key_ids), "the saved answer was lost on reload"
            answered_marks = frame.eval_on_selector_all(
                "nav[aria-label=Questions] button", "els => els.map(e => e.classList.contains('answered'))")
            assert answered_marks[:3] == [True, True, True] and not any(answered_marks[3:])
            keyboard.press_button(page, frame, "Save and go to question 4")
            reload = None
        number, total = question_number(frame)
    audit.check(frame, "learner review")
    assert "You answered" in frame.inner_text("main")
    keyboard.press_button(page, frame, "Submit my answers")
    audit.check(frame, "learner result with feedback")
    return types, frame
