"""Editing a copy of the starter bank to inject a defect, and finding the line a message should name. Shared by
the validator, linter, cue-audit and enemy tests."""

from __future__ import annotations

from pathlib import Path

ITEMS = Path("items") / "starter.yaml"


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"fixture text not found: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The line of the last occurrence (an injected duplicate comes after the original); `first:` asks for the
    first occurrence instead."""
    first = needle.startswith("first:")
    needle = needle.removeprefix("first:")
    found = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    assert found, f"{needle!r} not in {path}"
    return found[0] if first else found[-1]
