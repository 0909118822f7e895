"""Bank statistics: what is in the bank, how it covers the blueprint, how readable and how balanced it is.

`bank_stats` returns plain data (the `--json` output); `format_stats` turns it into the text report.
"""

from __future__ import annotations

import statistics
from collections import Counter
from typing import Any

import textstat

from item_bank.assemble import FormUnsatisfiable, form_items
from item_bank.cue_audit import cue_audit_or_reason
from item_bank.lint import key_is_longest, key_positions
from item_bank.markup import to_plain_text
from item_bank.model import Bank, Item, ItemType

READABILITY_MEDIAN_TARGET = 9.0
READABILITY_MAX_TARGET = 12.0


def readability_grade(text: str) -> float:
    """Flesch-Kincaid grade of a text, from textstat (0.7.8 works offline)."""
    return round(float(textstat.flesch_kincaid_grade(text)), 1)


def word_count(text: str) -> int:
    return len(text.split())


def bank_stats(bank: Bank, *, cue_audit: bool = False) -> dict[str, Any]:
    """The statistics; with `cue_audit`, also the cue audit (`item_bank.cue_audit`, needs the authoring extra)."""
    items = list(bank.items)
    objective_items = [i for i in items if i.type is not ItemType.EXTENDED_TEXT]
    singles = [i for i in items if i.type is ItemType.SINGLE_CHOICE]
    per_item = [_item_row(i) for i in items]
    grades = [row["fk_grade"] for row in per_item]
    positions = key_positions(items)
    longest = sum(1 for i in singles if key_is_longest(i))
    scenario_use = Counter(i.scenario for i in items if i.scenario)
    data = {
        "bank": bank.root,
        "total_items": len(items),
        "objective_items": len(objective_items),
        "by_type": _count_share(Counter(i.type.value for i in items), len(items)),
        "by_domain": dict(sorted(Counter(i.domain for i in items).items())),
        "by_difficulty": dict(sorted(Counter(i.difficulty for i in items).items())),
        "by_cognitive_level": _count_share(Counter(i.cognitive_level for i in items), len(items)),
        "by_status": dict(sorted(Counter(i.status for i in items).items())),
        "domain_coverage": _domain_coverage(bank, objective_items),
        "objective_coverage": _objective_coverage(bank, items),
        "scenarios": {sid: scenario_use.get(sid, 0) for sid in sorted(bank.scenarios)},
        "readability": {
            "measure": "Flesch-Kincaid grade of the stem (textstat 0.7.8)",
            "median": round(statistics.median(grades), 1) if grades else None,
            "max": max(grades) if grades else None,
            "median_target": READABILITY_MEDIAN_TARGET,
            "max_target": READABILITY_MAX_TARGET,
            "over_max": [row["id"] for row in per_item if row["fk_grade"] > READABILITY_MAX_TARGET],
        },
        "key_balance": {
            "single_choice_items": len(singles),
            "positions": {p: positions.get(p, 0) for p in "ABCD"}
            | {p: n for p, n in positions.items() if p not in "ABCD"},
            "position_shares": {p: _share(positions.get(p, 0), len(singles)) for p in "ABCD"},
            "key_longest": longest,
            "key_longest_share": _share(longest, len(singles)),
        },
        "items": per_item,
        "forms": [_form_row(bank, f) for f in bank.forms],
    }
    if cue_audit:
        data["cue_audit"] = cue_audit_or_reason(bank)
    return data


def _item_row(item: Item) -> dict[str, Any]:
    stem = to_plain_text(item.stem)
    return {
        "id": item.id,
        "type": item.type.value,
        "status": item.status,
        "domain": item.domain,
        "objectives": list(item.objectives),
        "cognitive_level": item.cognitive_level,
        "difficulty": item.difficulty,
        "points": item.points,
        "keys": len(item.keys),
        "words": word_count(stem),
        "fk_grade": readability_grade(stem),
        "scenario": item.scenario,
    }


def _form_row(bank: Bank, form: Any) -> dict[str, Any]:
    try:
        items = form_items(form, bank)
    except FormUnsatisfiable:
        items = []
    return {
        "id": form.id,
        "title": form.title,
        "size": len(items),
        "points": sum(i.points for i in items),
        "selection": "rules" if form.rules else "items",
        "time_limit_minutes": form.settings.time_limit_minutes,
        "attempts_allowed": form.settings.attempts_allowed,
    }


def _domain_coverage(bank: Bank, objective_items: list[Item]) -> list[dict[str, Any]]:
    total_weight = bank.blueprint.total_weight or 1
    counts = Counter(i.domain for i in objective_items)
    rows = []
    for d in bank.blueprint.domains:
        target = d.weight / total_weight * len(objective_items)
        rows.append({
            "domain": d.id,
            "title": d.title,
            "weight": d.weight,
            "target": round(target, 1),
            "items": counts.get(d.id, 0),
            "within_2": abs(counts.get(d.id, 0) - target) <= 2,
        })
    return rows


def _objective_coverage(bank: Bank, items: list[Item]) -> dict[str, int]:
    counts = Counter(i.primary_objective for i in items)
    return {oid: counts.get(oid, 0) for oid in bank.blueprint.objectives}


def _cue_audit_line(audit: dict[str, Any]) -> str:
    if not audit["available"]:
        return f"Cue audit: unavailable ({audit['reason']})"
    models = audit["models"]
    share = {k: "n/a" if m["hit_share"] is None else f"{m['hit_share']:.0%}" for k, m in models.items()}
    return (f"Cue audit ({audit['items']} reviewed single-choice items; chance {audit['chance']:.0%}): the key is "
            f"found by the surface model {share['surface']}, the words model {share['words']}, the three-step "
            f"rule {audit['rule']['hit_share']:.0%}; details: cps-assess audit")


def _count_share(counter: Counter[str], total: int) -> dict[str, dict[str, float]]:
    return {k: {"count": n, "share": _share(n, total)} for k, n in sorted(counter.items())}


def _share(n: int, total: int) -> float:
    return round(n / total, 3) if total else 0.0


def format_stats(data: dict[str, Any]) -> str:
    """The human-readable report."""
    lines = [f"Item bank: {data['bank']}", f"{data['total_items']} items ({data['objective_items']} objective)"]
    lines.append("By type: " + ", ".join(f"{k} {v['count']} ({v['share']:.0%})" for k, v in data["by_type"].items()))
    lines.append("By difficulty: " + ", ".join(f"{k} {n}" for k, n in data["by_difficulty"].items()))
    lines.append("By cognitive level: " + ", ".join(
        f"{k} {v['count']} ({v['share']:.0%})" for k, v in data["by_cognitive_level"].items()))
    lines.append("By status: " + ", ".join(f"{k} {n}" for k, n in data["by_status"].items()))
    lines.append("")
    lines.append("Blueprint coverage (objective items; target = weight scaled to the bank):")
    for row in data["domain_coverage"]:
        mark = "ok" if row["within_2"] else "OFF"
        lines.append(f"  {row['domain']} {row['title'][:44]:<44} weight {row['weight']:>3}  target "
                     f"{row['target']:>5}  items {row['items']:>3}  {mark}")
    thin = [o for o, n in data["objective_coverage"].items() if n < 2]
    lines.append(f"Objectives with fewer than 2 items: {', '.join(thin) if thin else 'none'}")
    used = data["scenarios"]
    lines.append("Scenarios: " + (", ".join(f"{k} ({n} items)" for k, n in used.items()) or "none"))
    r = data["readability"]
    lines.append("")
    lines.append(f"Readability ({r['measure']}): median {r['median']} (target <= {r['median_target']:g}), "
                 f"max {r['max']} (target <= {r['max_target']:g})"
                 + (f"; over: {', '.join(r['over_max'])}" if r["over_max"] else ""))
    k = data["key_balance"]
    lines.append(f"Key positions ({k['single_choice_items']} single-choice items): " + ", ".join(
        f"{p} {k['positions'].get(p, 0)} ({k['position_shares'][p]:.0%})" for p in "ABCD"))
    lines.append(f"Key is the longest option: {k['key_longest']} ({k['key_longest_share']:.0%})")
    if "cue_audit" in data:
        lines.append(_cue_audit_line(data["cue_audit"]))
    lines.append("")
    lines.append("Forms:")
    for f in data["forms"]:
        lines.append(f"  {f['id']}: {f['title']} — {f['size']} items, {f['points']:g} points")
    return "\n".join(lines)
