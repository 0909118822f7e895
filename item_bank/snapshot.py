"""Items and forms as plain records with content hashes, so that what a learner was given can be kept verbatim.

An attempt pins the exact item versions it presents (by content hash) and its form's settings; later edits to the
bank never change a started or submitted attempt. The same hashes let the bank tools refuse an item whose scored
content changed while its `revision` did not (`item_bank.revisions`).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from typing import Any

from item_bank.model import (
    Bank,
    Choice,
    DeliverySettings,
    FeedbackPolicy,
    Form,
    GradingPolicy,
    Item,
    ItemType,
    Scenario,
    ScoringRule,
)

RECORD_VERSION = 1


def _digest(data: Any) -> str:
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_record(item: Item, scenario: Scenario | None = None) -> dict[str, Any]:
    """Everything needed to show, score and review the item as it is now (no authoring notes, no file position)."""
    return {
        "v": RECORD_VERSION,
        "id": item.id,
        "type": item.type.value,
        "revision": item.revision,
        "domain": item.domain,
        "objectives": list(item.objectives),
        "cognitive_level": item.cognitive_level,
        "difficulty": item.difficulty,
        "points": item.points,
        "stem": item.stem,
        "feedback": item.feedback,
        "sources": list(item.sources),
        "choices": [{"id": c.id, "text": c.text, "correct": c.correct, "rationale": c.rationale}
                    for c in item.choices],
        "scenario": None if scenario is None else {"id": scenario.id, "title": scenario.title, "text": scenario.text},
        "scoring_rule": item.scoring_rule.value if item.scoring_rule else None,
        "jurisdiction": item.jurisdiction,
        "law_as_of": item.law_as_of.isoformat() if item.law_as_of else None,
        "rubric": item.rubric,
        "grader_notes": item.grader_notes,
        "status": item.status,
    }


def record_hash(record: dict[str, Any]) -> str:
    """The content hash of an item record: equal records, equal hashes, on every machine."""
    return _digest(record)


def scored_content(item: Item, scenario: Scenario | None = None) -> dict[str, Any]:
    """What decides a learner's score or what they read: type, case, stem, options, keys, points and rule.

    Rationales, feedback, sources and metadata are left out: fixing a typo in a rationale needs no new revision."""
    return {
        "type": item.type.value,
        "case": scenario.text if scenario else None,
        "stem": item.stem,
        "choices": [[c.id, c.text, c.correct] for c in item.choices],
        "points": item.points,
        "scoring_rule": item.scoring_rule.value if item.scoring_rule else None,
    }


def scored_hash(item: Item, scenario: Scenario | None = None) -> str:
    return _digest(scored_content(item, scenario))


def item_from_record(record: dict[str, Any]) -> tuple[Item, Scenario | None]:
    """The item (and its case) back from a stored record."""
    raw_scenario = record.get("scenario")
    scenario = None
    if raw_scenario:
        scenario = Scenario(raw_scenario["id"], raw_scenario["title"], raw_scenario["text"])
    item = Item(
        id=record["id"], type=ItemType(record["type"]), status=record.get("status", "reviewed"),
        revision=int(record["revision"]), domain=record["domain"], objectives=tuple(record["objectives"]),
        cognitive_level=record["cognitive_level"], difficulty=record["difficulty"], points=float(record["points"]),
        stem=record["stem"], feedback=record["feedback"], sources=tuple(record["sources"]),
        choices=tuple(Choice(c["id"], c["text"], bool(c["correct"]), c["rationale"]) for c in record["choices"]),
        scenario=scenario.id if scenario else None,
        scoring_rule=ScoringRule(record["scoring_rule"]) if record.get("scoring_rule") else None,
        jurisdiction=record.get("jurisdiction"),
        law_as_of=date.fromisoformat(record["law_as_of"]) if record.get("law_as_of") else None,
        rubric=record.get("rubric"), grader_notes=record.get("grader_notes"),
    )
    return item, scenario


def form_record(form: Form) -> dict[str, Any]:
    """The form's identity and delivery settings as an attempt keeps them."""
    s = form.settings
    return {
        "id": form.id,
        "title": form.title,
        "description": form.description,
        "settings": {
            "time_limit_minutes": s.time_limit_minutes,
            "attempts_allowed": s.attempts_allowed,
            "shuffle_items": s.shuffle_items,
            "shuffle_choices": s.shuffle_choices,
            "feedback": s.feedback.value,
            "passing_score": s.passing_score,
            "multiple_response_scoring": s.multiple_response_scoring.value,
            "grading_policy": s.grading_policy.value,
        },
        "items": list(form.items),
        "rules": None if form.rules is None else {
            "seed": form.rules.seed, "status": form.rules.status,
            "draw": [{"count": r.count, "domain": r.domain, "objectives": list(r.objectives),
                      "types": [t.value for t in r.types], "scenario": r.scenario,
                      "cognitive_levels": list(r.cognitive_levels)} for r in form.rules.draw],
        },
    }


def form_version(form: Form) -> str:
    """A short hash of the form's definition: changes whenever its items, rules or settings do."""
    return _digest(form_record(form))[:16]


def form_from_record(record: dict[str, Any]) -> Form:
    """The form as an attempt pinned it (items and rules are not needed: the attempt pins its items)."""
    s = record["settings"]
    settings = DeliverySettings(
        time_limit_minutes=s["time_limit_minutes"], attempts_allowed=s["attempts_allowed"],
        shuffle_items=s["shuffle_items"], shuffle_choices=s["shuffle_choices"], feedback=FeedbackPolicy(s["feedback"]),
        passing_score=float(s["passing_score"]), multiple_response_scoring=ScoringRule(s["multiple_response_scoring"]),
        grading_policy=GradingPolicy(s.get("grading_policy", GradingPolicy.HIGHEST.value)),
    )
    return Form(id=record["id"], title=record["title"], description=record.get("description", ""),
                items=tuple(record.get("items", ())), settings=settings)


_VERSIONS: dict[int, tuple[Bank, str]] = {}


def bank_version(bank: Bank) -> str:
    """The bank's version: a short digest of every item's id, revision and status and of every form's definition.

    Item revisions are enforced against their content (`item_bank.revisions`), so equal versions mean equal items;
    exports carry it, and each attempt records the version it was drawn from."""
    cached = _VERSIONS.get(id(bank))
    if cached is None or cached[0] is not bank:
        digest = _digest({"items": sorted((i.id, i.revision, i.status) for i in bank.items),
                          "forms": sorted(form_version(f) for f in bank.forms)})[:12]
        if len(_VERSIONS) >= 8:
            _VERSIONS.clear()
        cached = _VERSIONS[id(bank)] = (bank, digest)
    return cached[1]


class BankHashes:
    """Every item's record and its hash, computed once per loaded bank; `digest` is the bank's version."""

    def __init__(self, bank: Bank) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.hashes: dict[str, str] = {}
        for item in bank.items:
            record = item_record(item, bank.scenarios.get(item.scenario) if item.scenario else None)
            self.records[item.id] = record
            self.hashes[item.id] = record_hash(record)
        self.digest = bank_version(bank)


_BANK_HASHES: dict[int, tuple[Bank, BankHashes]] = {}


def bank_hashes(bank: Bank) -> BankHashes:
    """The cached hashes of a loaded bank (a bank is immutable, so once per bank object is enough)."""
    cached = _BANK_HASHES.get(id(bank))
    if cached is None or cached[0] is not bank:
        cached = (bank, BankHashes(bank))
        if len(_BANK_HASHES) >= 8:
            _BANK_HASHES.clear()
        _BANK_HASHES[id(bank)] = cached
    return cached[1]
