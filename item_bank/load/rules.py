"""A form's `rules:`: the seed, the status filter and the draw rules, checked against the blueprint and scenarios."""

from __future__ import annotations

from typing import Any

from item_bank.load.blueprint import BlueprintIndex
from item_bank.load.checks import Checker, as_list, known
from item_bank.load.source import LineMap
from item_bank.model import COGNITIVE_LEVELS, DrawRule, FormRules, ItemType, Scenario

RULES_FIELDS = frozenset({"seed", "status", "draw"})
RULE_FIELDS = frozenset({"domain", "count", "objectives", "types", "scenario", "cognitive_levels"})


def read_rules(check: Checker, raw: LineMap, file: str, index: BlueprintIndex | None,
               scenarios: dict[str, Scenario]) -> FormRules | None:
    r = raw.get("rules")
    if not check.expect_map(r, file, "rules", RULES_FIELDS):
        return None
    seed = r.get("seed")
    if not isinstance(seed, int) or isinstance(seed, bool):
        check.error(file, r.key_line("seed"), "rules.seed", "must be a whole number (it fixes the draw)")
        seed = 0
    status = r.get("status", "reviewed")
    if status not in ("reviewed", "draft", "any"):
        check.error(file, r.key_line("status"), "rules.status", "use reviewed, draft or any")
    out = []
    for d in check.expect_list(r, "draw", file):
        if check.expect_map(d, file, "rules.draw", RULE_FIELDS):
            rule = _draw_rule(check, d, file, index, scenarios)
            if rule is not None:
                out.append(rule)
    return FormRules(seed, tuple(out), status)


def _draw_rule(check: Checker, d: LineMap, file: str, index: BlueprintIndex | None,
               scenarios: dict[str, Scenario]) -> DrawRule | None:
    count = d.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        check.error(file, d.key_line("count"), "rules.draw.count", "must be a whole number >= 1")
        return None
    types = []
    for t in as_list(d.get("types")):
        try:
            types.append(ItemType(t))
        except ValueError:
            check.error(file, d.key_line("types"), "rules.draw.types", f"{t!r} is not an item type")
    domain: Any = d.get("domain")
    if index is not None and domain is not None and not known(domain, index.domain_ids):
        check.error(file, d.key_line("domain"), "rules.draw.domain", f"unknown domain {domain!r}")
    objectives = tuple(as_list(d.get("objectives")))
    if index is not None:
        for o in objectives:
            if not known(o, index.objectives):
                check.error(file, d.key_line("objectives"), "rules.draw.objectives", f"unknown objective {o!r}")
    scenario = d.get("scenario")
    if scenario is not None and not known(scenario, scenarios):
        check.error(file, d.key_line("scenario"), "rules.draw.scenario", f"unknown scenario {scenario!r}")
    levels = tuple(as_list(d.get("cognitive_levels")))
    for lv in levels:
        if lv not in COGNITIVE_LEVELS:
            check.error(file, d.key_line("cognitive_levels"), "rules.draw.cognitive_levels",
                        f"{lv!r}; use " + ", ".join(COGNITIVE_LEVELS))
    return DrawRule(count, domain, objectives, tuple(types), scenario, levels, d.line)
