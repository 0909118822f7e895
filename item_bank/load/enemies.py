"""`enemies.yaml`: named groups of items of which at most one may stand on any form (none when the file is absent)."""

from __future__ import annotations

from pathlib import Path

from item_bank.load.checks import Checker, entry_line
from item_bank.load.source import LineMap
from item_bank.model import EnemyGroup, Item

GROUP_FIELDS = frozenset({"id", "reason", "items"})


def read_enemies(check: Checker, path: Path, items: dict[str, Item], retired: dict[str, int]) -> list[EnemyGroup]:
    if not path.exists():
        return []
    data, file = check.read(path)
    if data is None or not check.expect_map(data, file, "file", frozenset({"groups"})):
        return []
    groups: list[EnemyGroup] = []
    seen: dict[str, int] = {}
    for raw in check.expect_list(data, "groups", file):
        if not check.expect_map(raw, file, "groups", GROUP_FIELDS):
            continue
        before = len(check.problems)
        gid = check.ident(raw, "id", file)
        if gid is not None and gid in seen:
            check.error(file, raw.key_line("id"), "id", f"duplicate enemy group id {gid!r} (also line "
                        f"{seen[gid]}); give each group its own id")
        seen.setdefault(gid or "", raw.key_line("id"))
        reason = check.text(raw, "reason", file)
        members = _members(check, raw, file, gid, items, retired)
        if members is None or len(check.problems) > before:
            continue
        groups.append(EnemyGroup(gid or "", reason or "", tuple(members), file, raw.line))
    return groups


def _members(check: Checker, raw: LineMap, file: str, gid: str | None, items: dict[str, Item],
             retired: dict[str, int]) -> dict[str, int] | None:
    """The group's item ids (each -> its line, in file order); None when `items` is not a list."""
    ids = raw.get("items")
    if not isinstance(ids, list):
        check.error(file, raw.key_line("items"), "items", f"group {gid!r}: give a list of two or more item ids, "
                    "e.g. [cps-d7-017, cps-d7-018]")
        return None
    first_line: dict[str, int] = {}
    for n, iid in enumerate(ids):
        line = entry_line(ids, n, raw.key_line("items"))
        if not isinstance(iid, str):
            check.error(file, line, "items", f"group {gid!r}: {iid!r} is not an item id")
            continue
        if iid in first_line:
            check.error(file, line, "items", f"group {gid!r} lists {iid!r} twice (also line {first_line[iid]}); "
                        "list each item once")
        elif iid in retired:
            check.error(file, line, "items", f"group {gid!r}: {iid!r} was retired (retired_ids.txt:{retired[iid]}); "
                        "remove it from the group")
        elif iid not in items:
            check.error(file, line, "items", f"group {gid!r}: unknown item {iid!r}; list item ids from items/*.yaml")
        first_line.setdefault(iid, line)
    if len(first_line) < 2:
        check.error(file, raw.key_line("items"), "items", f"group {gid!r} has {len(first_line)} item(s); a group "
                    "needs two or more items that must not share a form")
    return first_line
