"""`blueprint.yaml`: the domains with their weights and objectives, the sources, and the rubrics.

`BlueprintIndex` holds what every item is checked against (domain and objective ids, source keys, rubrics), built
once per bank instead of once per item.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from item_bank.load.checks import Checker
from item_bank.load.rubric import read_rubrics
from item_bank.load.source import LineMap
from item_bank.model import Blueprint, Domain, Objective, Rubric

BLUEPRINT_FIELDS = frozenset({"domains", "sources", "rubric", "rubrics"})
DOMAIN_FIELDS = frozenset({"id", "title", "weight", "objectives"})
OBJECTIVE_FIELDS = frozenset({"id", "text"})
SOURCE_FIELDS = frozenset({"id", "title"})


@dataclass(frozen=True)
class BlueprintIndex:
    """The blueprint's ids as sets and maps, for the checks that run once per item or draw rule."""

    blueprint: Blueprint
    domain_ids: frozenset[str]
    domain_list: str  # "D1, D2, ..." in file order, for messages
    objectives: dict[str, Objective]
    sources: dict[str, str]
    rubrics: dict[str, Rubric]

    @classmethod
    def of(cls, blueprint: Blueprint) -> BlueprintIndex:
        ids = [d.id for d in blueprint.domains]
        return cls(blueprint, frozenset(ids), ", ".join(ids), blueprint.objectives, blueprint.sources,
                   blueprint.rubrics)


def read_blueprint(check: Checker, path: Path) -> Blueprint | None:
    data, file = check.read(path, required=True)
    if data is None:
        return None
    if not check.expect_map(data, file, "blueprint", BLUEPRINT_FIELDS):
        return None
    seen_objectives: set[str] = set()
    domains = [_domain(check, raw, file, seen_objectives) for raw in check.expect_list(data, "domains", file)
               if check.expect_map(raw, file, "domain", DOMAIN_FIELDS)]
    sources: dict[str, str] = {}
    for s in check.expect_list(data, "sources", file):
        if check.expect_map(s, file, "source", SOURCE_FIELDS):
            sources[check.text(s, "id", file) or ""] = check.text(s, "title", file) or ""
    return Blueprint(tuple(domains), sources, read_rubrics(check, data, file))


def _domain(check: Checker, raw: LineMap, file: str, seen_objectives: set[str]) -> Domain:
    did = check.text(raw, "id", file)
    objectives = []
    for o in check.expect_list(raw, "objectives", file):
        if not check.expect_map(o, file, "objective", OBJECTIVE_FIELDS):
            continue
        oid = check.text(o, "id", file)
        if oid and did and not oid.startswith(did + "."):
            check.error(file, o.key_line("id"), "id", f"objective {oid!r} must start with its domain {did}.")
        if oid in seen_objectives:
            check.error(file, o.key_line("id"), "id", f"duplicate objective id {oid!r}")
        seen_objectives.add(oid or "")
        objectives.append(Objective(oid or "", check.text(o, "text", file) or ""))
    weight: Any = raw.get("weight")
    if not isinstance(weight, int) or weight < 0:
        check.error(file, raw.key_line("weight"), "weight", "must be a whole number >= 0")
        weight = 0
    return Domain(did or "", check.text(raw, "title", file) or "", weight, tuple(objectives))
