"""`forms.yaml`: each form is a fixed list of items or draw rules, with its delivery settings.

A fixed list may not name an unknown item, an item twice, or two enemies; draw rules must be satisfiable by the
bank (the draw is run once here, so an impossible form is a load error, not a failure at delivery time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from item_bank.assemble import FormUnsatisfiable, draw
from item_bank.enemies import enemy_pairs
from item_bank.load.blueprint import BlueprintIndex
from item_bank.load.checks import Checker, entry_line, known, opt_str
from item_bank.load.rules import read_rules
from item_bank.load.settings import read_settings
from item_bank.load.source import LineMap
from item_bank.model import DrawRule, EnemyGroup, Form, Item, Scenario

FORM_FIELDS = frozenset({"id", "title", "description", "items", "rules", "settings"})


class FormReader:
    """Reads the forms of one bank, given its items, blueprint, scenarios and enemy groups."""

    def __init__(self, check: Checker, items: dict[str, Item], index: BlueprintIndex | None,
                 scenarios: dict[str, Scenario], enemy_groups: list[EnemyGroup]) -> None:
        self.check = check
        self.items = items
        self.index = index
        self.scenarios = scenarios
        self.enemy_groups = enemy_groups

    def read_all(self, path: Path) -> list[Form]:
        check = self.check
        if not path.exists():
            return []
        data, file = check.read(path)
        if data is None or not check.expect_map(data, file, "file", frozenset({"forms"})):
            return []
        forms: list[Form] = []
        seen: dict[str, int] = {}
        for raw in check.expect_list(data, "forms", file):
            if check.expect_map(raw, file, "form", FORM_FIELDS):
                form = self.form(raw, file, seen)
                if form is not None:
                    forms.append(form)
        return forms

    def form(self, raw: LineMap, file: str, seen: dict[str, int]) -> Form | None:
        check = self.check
        before = len(check.problems)
        fid = check.ident(raw, "id", file)
        if fid in seen:
            check.error(file, raw.key_line("id"), "id", f"duplicate form id {fid!r} (also line {seen[fid]})")
        seen[fid or ""] = raw.line
        title = check.text(raw, "title", file)
        has_items, has_rules = "items" in raw, "rules" in raw
        if has_items == has_rules:
            check.error(file, raw.line, "form", f"form {fid!r} needs either `items` or `rules`, not "
                        f"{'both' if has_items else 'neither'}")
        listed = self.listed(raw, file, fid) if has_items else ()
        rules = read_rules(check, raw, file, self.index, self.scenarios) if has_rules else None
        settings = read_settings(check, raw, file)
        if len(check.problems) > before:
            return None
        if rules is not None:
            try:
                draw(rules, tuple(self.items.values()), self.enemy_groups)
            except FormUnsatisfiable as exc:
                check.error(file, exc.rule.line, "rules.draw", f"form {fid!r}: the rule {_describe(exc.rule)} "
                            f"{exc}; {exc.fix}")
                return None
        return Form(fid or "", title or "", opt_str(raw.get("description")) or "", listed, rules, settings, file,
                    raw.line)

    def listed(self, raw: LineMap, file: str, fid: str | None) -> tuple[str, ...]:
        """A fixed list: known items, each once, no two enemies."""
        check = self.check
        ids: Any = raw.get("items")
        items_line = raw.key_line("items")
        if not isinstance(ids, list) or not ids:
            check.error(file, items_line, "items", "must be a non-empty list of item ids")
            return ()
        for n, iid in enumerate(ids):
            if not known(iid, self.items):
                check.error(file, entry_line(ids, n, items_line), "items", f"unknown item {iid!r} in form {fid!r}")
        if _has_repeats(ids):
            check.error(file, items_line, "items", f"form {fid!r} lists an item twice")
        for group, a, b in enemy_pairs([str(i) for i in ids], self.enemy_groups):
            check.error(file, entry_line(ids, b, items_line), "items",
                        f"form {fid!r} holds {ids[b]} and {ids[a]}, enemies in group {group.id!r} "
                        f"({group.reason}; {group.file}:{group.line}); keep only one of them on the form")
        return tuple(str(i) for i in ids)


def _has_repeats(values: list[Any]) -> bool:
    try:
        return len(set(values)) != len(values)
    except TypeError:  # a list or mapping among the ids (already reported as an unknown item)
        return any(v == w for n, v in enumerate(values) for w in values[n + 1:])


def _describe(rule: DrawRule) -> str:
    parts = [f"count {rule.count}"]
    if rule.domain:
        parts.append(f"domain {rule.domain}")
    if rule.objectives:
        parts.append("objectives " + ", ".join(rule.objectives))
    if rule.types:
        parts.append("types " + ", ".join(t.value for t in rule.types))
    if rule.scenario:
        parts.append(f"scenario {rule.scenario}")
    return "(" + "; ".join(parts) + ")"
