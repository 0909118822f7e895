"""`scenarios/*.yaml`: the shared case texts that items point to with `scenario:`."""

from __future__ import annotations

from pathlib import Path

from item_bank.load.checks import Checker
from item_bank.model import Scenario

SCENARIO_FIELDS = frozenset({"id", "title", "text"})


def read_scenarios(check: Checker, folder: Path) -> dict[str, Scenario]:
    """Every scenario of every file in `folder`, by id; a duplicate id is a problem and the first one stays."""
    scenarios: dict[str, Scenario] = {}
    for path in sorted(folder.glob("*.yaml")):
        for sc in _file_scenarios(check, path):
            if sc.id in scenarios:
                first = scenarios[sc.id]
                check.error(sc.file, sc.line, "id", f"duplicate scenario id {sc.id!r} (also {first.file}:"
                            f"{first.line}); give each scenario its own id")
            else:
                scenarios[sc.id] = sc
    return scenarios


def _file_scenarios(check: Checker, path: Path) -> list[Scenario]:
    data, file = check.read(path)
    if data is None or not check.expect_map(data, file, "file", frozenset({"scenarios"})):
        return []
    out = []
    for raw in check.expect_list(data, "scenarios", file):
        if not check.expect_map(raw, file, "scenario", SCENARIO_FIELDS):
            continue
        sid = check.ident(raw, "id", file)
        text = check.rich(raw, "text", file, sid)
        out.append(Scenario(sid or "", check.text(raw, "title", file) or "", text or "", file, raw.line))
    return out
