"""`items/*.yaml`: every item's fields checked against the blueprint, the scenarios and the retired ids.

An item with any problem is left out of the bank (its problems are reported); the others become `Item`s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from item_bank.load.blueprint import BlueprintIndex
from item_bank.load.checks import ID, Checker, display_path, known, opt_str, shared
from item_bank.load.choices import read_choices
from item_bank.load.source import LineMap
from item_bank.model import COGNITIVE_LEVELS, DIFFICULTIES, STATUSES, Item, ItemType, Scenario, ScoringRule

ITEM_FIELDS = frozenset({
    "id", "type", "status", "revision", "domain", "objectives", "cognitive_level", "difficulty", "points",
    "scenario", "stem", "choices", "feedback", "sources", "jurisdiction", "law_as_of", "scoring_rule", "rubric",
    "grader_notes", "tags", "author", "reviewer", "notes",
})
ITEM_REQUIRED = ("id", "type", "status", "domain", "objectives", "cognitive_level", "difficulty", "stem",
                 "feedback", "sources")
TYPE_LIST = ", ".join(t.value for t in ItemType)

Report = Callable[[str, str], None]  # (field, message): one problem at the field's line


@dataclass
class _Refs:
    """What an item points to and how it is scored: the fields checked against the rest of the bank."""

    scenario: Any = None
    sources: Any = ()
    scoring_rule: ScoringRule | None = None
    jurisdiction: Any = None
    law_as_of: date | None = None


class ItemReader:
    """Reads the items of one bank, given what they are checked against (built once, used for every item)."""

    def __init__(self, check: Checker, index: BlueprintIndex | None, scenarios: dict[str, Scenario],
                 retired: dict[str, int]) -> None:
        self.check = check
        self.index = index
        self.scenarios = scenarios
        self.retired = retired

    def read_all(self, folder: Path) -> dict[str, Item]:
        """Every valid item of `folder/*.yaml` by id; duplicates are reported and the first one stays."""
        items: dict[str, Item] = {}
        item_files = sorted(folder.glob("*.yaml"))
        if not item_files:
            self.check.error(display_path(folder), 0, "items", "no item files; add items/*.yaml")
        for path in item_files:
            for raw, file in self.entries(path):
                item = self.item(raw, file)
                if item is None:
                    continue
                if item.id in items:
                    first = items[item.id]
                    self.check.error(file, item.line, "id", f"duplicate item id {item.id!r} (also {first.file}:"
                                     f"{first.line}); ids are unique across all files", item.id)
                    continue
                items[item.id] = item
        return items

    def entries(self, path: Path) -> list[tuple[LineMap, str]]:
        check = self.check
        data, file = check.read(path)
        if data is None or not check.expect_map(data, file, "file", frozenset({"items"})):
            return []
        entries = []
        for raw in check.expect_list(data, "items", file):
            if isinstance(raw, LineMap):
                entries.append((raw, file))
            else:
                check.error(file, getattr(raw, "line", data.key_line("items")), "items",
                            "each entry must be a mapping of item fields")
        return entries

    def item(self, raw: LineMap, file: str) -> Item | None:
        check = self.check
        before = len(check.problems)
        item_id = raw.get("id") if isinstance(raw.get("id"), str) else None

        def err(field: str, message: str) -> None:
            check.error(file, raw.key_line(field) if field in raw else raw.line, field, message, item_id)

        self._identity(raw, item_id, err)
        try:
            itype = ItemType(raw.get("type"))
        except ValueError:
            if "type" in raw:
                err("type", f"{raw.get('type')!r} is not a type; use one of {TYPE_LIST}")
            return None
        status, revision, objectives = self._classification(raw, err)
        points = self._points(raw, itype, err)
        refs = self._references(raw, itype, err)
        stem = check.rich(raw, "stem", file, item_id)
        feedback = check.rich(raw, "feedback", file, item_id)
        grader_notes = check.rich(raw, "grader_notes", file, item_id) if "grader_notes" in raw else None
        choices = read_choices(check, raw, file, itype, item_id)
        rubric_id = self._rubric(raw, itype, grader_notes, err)
        tags = raw.get("tags", [])
        if not isinstance(tags, list):
            err("tags", "must be a list")
            tags = []
        if len(check.problems) > before:
            return None
        return Item(
            id=item_id or "", type=itype, status=shared(status), revision=revision, domain=shared(raw.get("domain")),
            objectives=tuple(map(shared, objectives or ())), cognitive_level=shared(raw.get("cognitive_level")),
            difficulty=shared(raw.get("difficulty")), points=float(points), stem=stem or "",
            feedback=feedback or "", sources=tuple(map(shared, refs.sources)), choices=tuple(choices),
            scenario=shared(refs.scenario), scoring_rule=refs.scoring_rule, jurisdiction=shared(refs.jurisdiction),
            law_as_of=refs.law_as_of, rubric=shared(rubric_id), grader_notes=grader_notes,
            tags=tuple(shared(str(t)) for t in tags), author=shared(opt_str(raw.get("author"))),
            reviewer=shared(opt_str(raw.get("reviewer"))), notes=opt_str(raw.get("notes")), file=file,
            line=raw.line,
        )

    def _identity(self, raw: LineMap, item_id: str | None, err: Report) -> None:
        """Unknown and missing fields, the id's form, and ids that were retired."""
        if not ITEM_FIELDS.issuperset(raw):
            for key in raw:
                if key not in ITEM_FIELDS:
                    err(str(key), "unknown field; see docs/authoring.md for the item fields")
        for key in ITEM_REQUIRED:
            if key not in raw or raw[key] in (None, ""):
                err(key, "missing; every item needs it")
        if item_id is not None and not ID.match(item_id):
            err("id", "must start with a letter and use only letters, digits, '.', '_' and '-'")
        if item_id in self.retired:
            err("id", f"{item_id!r} was retired (retired_ids.txt:{self.retired[item_id]}); give the item a new id")

    def _classification(self, raw: LineMap, err: Report) -> tuple[Any, int, Any]:
        """Status, revision, domain and objectives (against the blueprint), cognitive level and difficulty."""
        status = raw.get("status")
        if "status" in raw and status not in STATUSES:
            err("status", f"{status!r}; use draft or reviewed")
        revision = raw.get("revision", 1)
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
            err("revision", "must be a whole number >= 1")
            revision = 1
        domain = raw.get("domain")
        objectives = raw.get("objectives")
        if isinstance(objectives, str):
            objectives = [objectives]
        if "objectives" in raw and (not isinstance(objectives, list) or not 1 <= len(objectives) <= 2
                                    or not all(isinstance(o, str) for o in objectives)):
            err("objectives", "give one or two objective ids, the primary first, e.g. [D3.2]")
            objectives = []
        index = self.index
        if index is not None and domain is not None:
            if not known(domain, index.domain_ids):
                err("domain", f"unknown domain {domain!r}; use one of {index.domain_list}")
            for n, oid in enumerate(objectives or []):
                if oid not in index.objectives:
                    err("objectives", f"unknown objective {oid!r}; objectives are listed in blueprint.yaml")
                elif n == 0 and not oid.startswith(f"{domain}."):
                    err("objectives", f"primary objective {oid} is not in the item's domain {domain}")
        for field_name, allowed in (("cognitive_level", COGNITIVE_LEVELS), ("difficulty", DIFFICULTIES)):
            if field_name in raw and raw[field_name] not in allowed:
                err(field_name, f"{raw[field_name]!r}; use one of " + ", ".join(allowed))
        return status, revision, objectives

    def _points(self, raw: LineMap, itype: ItemType, err: Report) -> Any:
        points = raw.get("points")
        if points is None:
            points = 1
            if itype is ItemType.EXTENDED_TEXT and self.index is not None:
                rubric_id = raw.get("rubric") or ""
                rubric = self.index.rubrics.get(rubric_id) if known(rubric_id, self.index.rubrics) else None
                points = rubric.max_points if rubric else 1
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            err("points", "must be a positive number")
            points = 1
        return points

    def _references(self, raw: LineMap, itype: ItemType, err: Report) -> _Refs:
        """The scenario and sources (they must exist), the scoring rule, and the law fields."""
        refs = _Refs(scenario=raw.get("scenario"))
        if refs.scenario is not None and not known(refs.scenario, self.scenarios):
            err("scenario", f"unknown scenario {refs.scenario!r}; define it in scenarios/*.yaml")
        sources = raw.get("sources", [])
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list):
            err("sources", "must be a list of source keys such as [S10, S17]")
            sources = []
        if self.index is not None:
            for s in sources:
                if not known(s, self.index.sources):
                    err("sources", f"unknown source key {s!r}; source keys are listed in blueprint.yaml")
        refs.sources = sources
        if "scoring_rule" in raw:
            if itype is not ItemType.MULTIPLE_RESPONSE:
                err("scoring_rule", "only multiple-response items have a scoring rule")
            try:
                refs.scoring_rule = ScoringRule(raw["scoring_rule"])
            except ValueError:
                err("scoring_rule", f"{raw['scoring_rule']!r}; use partial or all_or_nothing")
        refs.jurisdiction, law_as_of = raw.get("jurisdiction"), raw.get("law_as_of")
        if (refs.jurisdiction is None) != (law_as_of is None):
            err("law_as_of" if refs.jurisdiction else "jurisdiction",
                "law items need both jurisdiction and law_as_of (a date such as 2026-11-01)")
        if law_as_of is not None and not isinstance(law_as_of, date):
            err("law_as_of", "must be a date written as YYYY-MM-DD")
            law_as_of = None
        refs.law_as_of = law_as_of
        return refs

    def _rubric(self, raw: LineMap, itype: ItemType, grader_notes: str | None, err: Report) -> Any:
        """Essays need a rubric from the blueprint and grader notes; other items have neither."""
        rubric_id = raw.get("rubric")
        if itype is ItemType.EXTENDED_TEXT:
            if not rubric_id:
                err("rubric", "essays need a rubric id from blueprint.yaml (e.g. cps-essay-rubric)")
            elif self.index is not None and not known(rubric_id, self.index.rubrics):
                err("rubric", f"unknown rubric {rubric_id!r}; rubrics are defined in blueprint.yaml")
            if not grader_notes:
                err("grader_notes", "essays need grader notes: what a full-credit answer contains")
        elif rubric_id is not None or "grader_notes" in raw:
            err("rubric" if rubric_id is not None else "grader_notes", "only extended_text items have this")
        return rubric_id
