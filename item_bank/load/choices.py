"""An item's `choices:`: each option's id, text, key flag and rationale, and the counts each item type needs."""

from __future__ import annotations

import re
from typing import Any

from item_bank.load.checks import Checker, shared
from item_bank.load.source import LineMap
from item_bank.model import Choice, ItemType

CHOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
CHOICE_FIELDS = frozenset({"id", "text", "correct", "rationale"})
CHOICE_COUNTS = {
    ItemType.SINGLE_CHOICE: (3, 6),
    ItemType.MULTIPLE_RESPONSE: (4, 8),
    ItemType.TRUE_FALSE: (2, 2),
}
_MISSING_RATIONALE = "a missing rationale; say why this option is right or which misconception it shows"


def read_choices(check: Checker, raw: LineMap, file: str, itype: ItemType, item_id: str | None) -> list[Choice]:
    entries = raw.get("choices")
    line = raw.key_line("choices") if "choices" in raw else raw.line
    if not itype.has_choices:
        if entries:
            check.error(file, line, "choices", "essays (extended_text) have no choices", item_id)
        return []
    if not isinstance(entries, list) or not entries:
        check.error(file, line, "choices", "missing; choice items need a list of choices", item_id)
        return []
    out: list[Choice] = []
    seen: dict[str, int] = {}
    for n, c in enumerate(entries):
        choice = _choice(check, c, n, file, line, item_id, seen)
        if choice is not None:
            out.append(choice)
    _check_counts(check, file, line, itype, item_id, len(entries), out)
    return out


def _choice(check: Checker, c: Any, n: int, file: str, line: int, item_id: str | None,
            seen: dict[str, int]) -> Choice | None:
    label = f"choices[{n}]"
    if not isinstance(c, LineMap):
        check.error(file, getattr(c, "line", line), label, "must be a mapping with id, text, correct, rationale",
                    item_id)
        return None
    if not CHOICE_FIELDS.issuperset(c):
        for key in c:
            if key not in CHOICE_FIELDS:
                check.error(file, c.key_line(key), f"{label}.{key}", "unknown field; choices have id, text, "
                            "correct and rationale", item_id)
    cid = c.get("id")
    cid = str(cid).lower() if isinstance(cid, bool) else cid
    if not isinstance(cid, str) or not CHOICE_ID.match(cid):
        check.error(file, c.key_line("id"), f"{label}.id", "missing or malformed; use letters, digits, '-' or '_' "
                    "(e.g. a, b, c)", item_id)
        cid = f"?{n}"
    elif cid in seen:
        check.error(file, c.key_line("id"), f"{label}.id", f"duplicate choice id {cid!r} in this item", item_id)
    seen[cid] = n
    correct = c.get("correct")
    if not isinstance(correct, bool):
        check.error(file, c.key_line("correct"), f"{label}.correct", "must be true or false", item_id)
        correct = False
    text = check.rich(c, "text", file, item_id, label=f"{label}.text", empty="an empty option")
    rationale = check.rich(c, "rationale", file, item_id, label=f"{label}.rationale", empty=_MISSING_RATIONALE)
    return Choice(shared(cid), text or "", correct, rationale or "")


def _check_counts(check: Checker, file: str, line: int, itype: ItemType, item_id: str | None, entries: int,
                  out: list[Choice]) -> None:
    low, high = CHOICE_COUNTS[itype]
    if not low <= entries <= high:
        check.error(file, line, "choices", f"{itype.value} items need {low} to {high} choices, not {entries}",
                    item_id)
    keys = sum(1 for c in out if c.correct)
    if itype in (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE) and keys != 1:
        check.error(file, line, "choices", f"{itype.value} items need exactly one correct choice, not {keys}",
                    item_id)
    if itype is ItemType.MULTIPLE_RESPONSE and not 2 <= keys < len(out):
        check.error(file, line, "choices", f"multiple-response items need at least two correct choices and one "
                    f"incorrect, not {keys} of {len(out)}", item_id)
    if itype is ItemType.TRUE_FALSE and out and {c.id for c in out} != {"true", "false"}:
        check.error(file, line, "choices", "true/false choices must have the ids \"true\" and \"false\"", item_id)
