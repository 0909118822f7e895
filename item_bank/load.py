"""YAML files -> a validated `Bank`, or every problem at once as `file:line: field: message`.

The loader is the only way into the model: it checks fields, types and ids, cross-references (domains, objectives,
scenarios, sources, rubrics, retired ids), markup safety, and whether every form can be assembled.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from item_bank.assemble import FormUnsatisfiable, draw
from item_bank.enemies import enemy_pairs
from item_bank.markup import markup_problems
from item_bank.model import (
    COGNITIVE_LEVELS,
    DIFFICULTIES,
    STATUSES,
    Bank,
    Blueprint,
    Choice,
    DeliverySettings,
    Domain,
    DrawRule,
    EnemyGroup,
    FeedbackPolicy,
    Form,
    FormRules,
    Item,
    ItemType,
    Objective,
    Rubric,
    RubricDimension,
    Scenario,
    ScoringRule,
)
from item_bank.problems import BankError, Problem
from item_bank.revisions import LOCK_NAME, revision_problems
from item_bank.yaml_source import LineList, LineMap, read_yaml

ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,79}$")
CHOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
# In the Markdown subset only raw HTML or an autolink (`<` before a non-space), an inline link (`](`) or a
# reference definition (`]:`) can yield a tag, attribute or URL outside the allowed set; text with none of them
# cannot fail `markup_problems`, so the loader skips rendering it (most of a bank is such plain text).
_MAY_HOLD_MARKUP = re.compile(r"<\S|\]\(|\]:")

ITEM_FIELDS = {
    "id", "type", "status", "revision", "domain", "objectives", "cognitive_level", "difficulty", "points",
    "scenario", "stem", "choices", "feedback", "sources", "jurisdiction", "law_as_of", "scoring_rule", "rubric",
    "grader_notes", "tags", "author", "reviewer", "notes",
}
ITEM_REQUIRED = ("id", "type", "status", "domain", "objectives", "cognitive_level", "difficulty", "stem",
                 "feedback", "sources")
CHOICE_FIELDS = {"id", "text", "correct", "rationale"}
CHOICE_COUNTS = {
    ItemType.SINGLE_CHOICE: (3, 6),
    ItemType.MULTIPLE_RESPONSE: (4, 8),
    ItemType.TRUE_FALSE: (2, 2),
}
FORM_FIELDS = {"id", "title", "description", "items", "rules", "settings"}
SETTINGS_FIELDS = {"time_limit_minutes", "attempts_allowed", "shuffle_items", "shuffle_choices", "feedback",
                   "passing_score", "multiple_response_scoring"}
RULE_FIELDS = {"domain", "count", "objectives", "types", "scenario", "cognitive_levels"}


def default_bank_path() -> Path:
    """The bank shipped inside the package, unless CPS_BANK points elsewhere."""
    override = os.environ.get("CPS_BANK")
    return Path(override) if override else Path(__file__).parent / "content"


def load_bank(root: Path | str | None = None) -> Bank:
    """Load and validate the bank at `root`; raise `BankError` listing every problem."""
    bank, problems = check_bank(root)
    if bank is None:
        raise BankError(problems)
    return bank


def check_bank(root: Path | str | None = None) -> tuple[Bank | None, list[Problem]]:
    """Load the bank and return it with all problems; the bank is None when any problem is an error."""
    loader = _Loader(Path(root) if root is not None else default_bank_path())
    with _collector_paused():
        bank = loader.run()
    problems = sorted(loader.problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return bank, problems


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while loading.

    Parsing a large bank allocates millions of objects, none of them in reference cycles; with the collector on,
    its full passes walk every item loaded so far again and again, which doubled the time to load 50,000 items.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


class _Loader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[Problem] = []
        self.enemy_groups: list[EnemyGroup] = []

    # -- reporting -------------------------------------------------------------------------------------------
    def error(self, file: str, line: int, field: str, message: str, item_id: str | None = None) -> None:
        self.problems.append(Problem(file, line, field, message, "error", item_id))

    # -- the whole bank --------------------------------------------------------------------------------------
    def run(self) -> Bank | None:
        root = self.root
        if not root.is_dir():
            self.error(display_path(root), 0, "bank", "no such folder; give the path of a bank folder "
                       "(the one holding blueprint.yaml)")
            return None
        blueprint = self.blueprint(root / "blueprint.yaml")
        retired = self.retired(root / "retired_ids.txt")
        scenarios: dict[str, Scenario] = {}
        for path in sorted((root / "scenarios").glob("*.yaml")):
            for sc in self.scenarios(path):
                if sc.id in scenarios:
                    first = scenarios[sc.id]
                    self.error(sc.file, sc.line, "id", f"duplicate scenario id {sc.id!r} (also {first.file}:"
                               f"{first.line}); give each scenario its own id")
                else:
                    scenarios[sc.id] = sc
        items: dict[str, Item] = {}
        item_files = sorted((root / "items").glob("*.yaml"))
        if not item_files:
            self.error(display_path(root / "items"), 0, "items", "no item files; add items/*.yaml")
        for path in item_files:
            for raw, file in self.item_entries(path):
                item = self.item(raw, file, blueprint, scenarios, retired)
                if item is None:
                    continue
                if item.id in items:
                    first = items[item.id]
                    self.error(file, item.line, "id", f"duplicate item id {item.id!r} (also {first.file}:"
                               f"{first.line}); ids are unique across all files", item.id)
                    continue
                items[item.id] = item
        item_tuple = tuple(items.values())
        self.problems.extend(revision_problems(root / LOCK_NAME, item_tuple, scenarios))
        self.enemy_groups = self.enemies(root / "enemies.yaml", items, retired)
        forms = self.forms(root / "forms.yaml", items, blueprint, scenarios)
        return Bank(blueprint or Blueprint((), {}, {}), item_tuple, scenarios, tuple(forms), str(root),
                    tuple(self.enemy_groups))

    # -- blueprint -------------------------------------------------------------------------------------------
    def blueprint(self, path: Path) -> Blueprint | None:
        data, file = self.read(path, required=True)
        if data is None:
            return None
        if not self.expect_map(data, file, "blueprint", {"domains", "sources", "rubric", "rubrics"}):
            return None
        domains: list[Domain] = []
        seen_obj: set[str] = set()
        for raw in self.expect_list(data, "domains", file):
            if not self.expect_map(raw, file, "domain", {"id", "title", "weight", "objectives"}):
                continue
            did = self.text(raw, "id", file)
            objectives = []
            for o in self.expect_list(raw, "objectives", file):
                if not self.expect_map(o, file, "objective", {"id", "text"}):
                    continue
                oid = self.text(o, "id", file)
                if oid and did and not oid.startswith(did + "."):
                    self.error(file, o.key_line("id"), "id", f"objective {oid!r} must start with its domain {did}.")
                if oid in seen_obj:
                    self.error(file, o.key_line("id"), "id", f"duplicate objective id {oid!r}")
                seen_obj.add(oid or "")
                objectives.append(Objective(oid or "", self.text(o, "text", file) or ""))
            weight = raw.get("weight")
            if not isinstance(weight, int) or weight < 0:
                self.error(file, raw.key_line("weight"), "weight", "must be a whole number >= 0")
                weight = 0
            domains.append(Domain(did or "", self.text(raw, "title", file) or "", weight, tuple(objectives)))
        sources: dict[str, str] = {}
        for s in self.expect_list(data, "sources", file):
            if self.expect_map(s, file, "source", {"id", "title"}):
                sources[self.text(s, "id", file) or ""] = self.text(s, "title", file) or ""
        rubrics: dict[str, Rubric] = {}
        raw_rubrics = data.get("rubrics") or ([data["rubric"]] if "rubric" in data else [])
        for r in raw_rubrics:
            if not self.expect_map(r, file, "rubric", {"id", "title", "levels", "dimensions"}):
                continue
            dims = tuple(
                RubricDimension(self.text(d, "id", file) or "", self.text(d, "title", file) or "",
                                self.text(d, "full_credit", file) or "")
                for d in self.expect_list(r, "dimensions", file)
                if self.expect_map(d, file, "dimension", {"id", "title", "full_credit"})
            )
            levels = r.get("levels")
            if not isinstance(levels, int) or levels < 1:
                self.error(file, r.key_line("levels"), "levels", "must be a whole number >= 1")
                levels = 1
            rid = self.text(r, "id", file) or ""
            rubrics[rid] = Rubric(rid, self.text(r, "title", file) or "", levels, dims)
        return Blueprint(tuple(domains), sources, rubrics)

    def retired(self, path: Path) -> dict[str, int]:
        if not path.exists():
            return {}
        retired = {}
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            word = line.split("#", 1)[0].strip()
            if word:
                retired[word] = n
        return retired

    # -- scenarios -------------------------------------------------------------------------------------------
    def scenarios(self, path: Path) -> list[Scenario]:
        data, file = self.read(path)
        if data is None or not self.expect_map(data, file, "file", {"scenarios"}):
            return []
        out = []
        for raw in self.expect_list(data, "scenarios", file):
            if not self.expect_map(raw, file, "scenario", {"id", "title", "text"}):
                continue
            sid = self.ident(raw, "id", file)
            text = self.rich(raw, "text", file, sid)
            out.append(Scenario(sid or "", self.text(raw, "title", file) or "", text or "", file, raw.line))
        return out

    # -- items -----------------------------------------------------------------------------------------------
    def item_entries(self, path: Path) -> list[tuple[LineMap, str]]:
        data, file = self.read(path)
        if data is None or not self.expect_map(data, file, "file", {"items"}):
            return []
        entries = []
        for raw in self.expect_list(data, "items", file):
            if isinstance(raw, LineMap):
                entries.append((raw, file))
            else:
                self.error(file, getattr(raw, "line", data.key_line("items")), "items",
                           "each entry must be a mapping of item fields")
        return entries

    def item(self, raw: LineMap, file: str, bp: Blueprint | None, scenarios: dict[str, Scenario],
             retired: dict[str, int]) -> Item | None:
        before = len(self.problems)
        item_id = raw.get("id") if isinstance(raw.get("id"), str) else None
        where = raw.line

        def err(field: str, message: str) -> None:
            self.error(file, raw.key_line(field) if field in raw else where, field, message, item_id)

        for key in raw:
            if key not in ITEM_FIELDS:
                err(str(key), "unknown field; see docs/authoring.md for the item fields")
        for key in ITEM_REQUIRED:
            if key not in raw or raw[key] in (None, ""):
                err(key, "missing; every item needs it")
        if item_id is not None and not ID.match(item_id):
            err("id", "must start with a letter and use only letters, digits, '.', '_' and '-'")
        if item_id in retired:
            err("id", f"{item_id!r} was retired (retired_ids.txt:{retired[item_id]}); give the item a new id")

        try:
            itype = ItemType(raw.get("type"))
        except ValueError:
            if "type" in raw:
                err("type", f"{raw.get('type')!r} is not a type; use one of "
                    + ", ".join(t.value for t in ItemType))
            return None
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
        if bp is not None and domain is not None:
            if domain not in {d.id for d in bp.domains}:
                err("domain", f"unknown domain {domain!r}; use one of " + ", ".join(d.id for d in bp.domains))
            known = bp.objectives
            for n, oid in enumerate(objectives or []):
                if oid not in known:
                    err("objectives", f"unknown objective {oid!r}; objectives are listed in blueprint.yaml")
                elif n == 0 and not oid.startswith(f"{domain}."):
                    err("objectives", f"primary objective {oid} is not in the item's domain {domain}")
        for field_name, allowed in (("cognitive_level", COGNITIVE_LEVELS), ("difficulty", DIFFICULTIES)):
            if field_name in raw and raw[field_name] not in allowed:
                err(field_name, f"{raw[field_name]!r}; use one of " + ", ".join(allowed))

        points = raw.get("points")
        if points is None:
            points = 1
            if itype is ItemType.EXTENDED_TEXT and bp is not None:
                rubric = bp.rubrics.get(raw.get("rubric") or "")
                points = rubric.max_points if rubric else 1
        if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
            err("points", "must be a positive number")
            points = 1

        scenario = raw.get("scenario")
        if scenario is not None and scenario not in scenarios:
            err("scenario", f"unknown scenario {scenario!r}; define it in scenarios/*.yaml")

        sources = raw.get("sources", [])
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list):
            err("sources", "must be a list of source keys such as [S10, S17]")
            sources = []
        if bp is not None:
            for s in sources:
                if s not in bp.sources:
                    err("sources", f"unknown source key {s!r}; source keys are listed in blueprint.yaml")

        scoring_rule = None
        if "scoring_rule" in raw:
            if itype is not ItemType.MULTIPLE_RESPONSE:
                err("scoring_rule", "only multiple-response items have a scoring rule")
            try:
                scoring_rule = ScoringRule(raw["scoring_rule"])
            except ValueError:
                err("scoring_rule", f"{raw['scoring_rule']!r}; use partial or all_or_nothing")

        jurisdiction = raw.get("jurisdiction")
        law_as_of = raw.get("law_as_of")
        if (jurisdiction is None) != (law_as_of is None):
            err("law_as_of" if jurisdiction else "jurisdiction",
                "law items need both jurisdiction and law_as_of (a date such as 2026-11-01)")
        if law_as_of is not None and not isinstance(law_as_of, date):
            err("law_as_of", "must be a date written as YYYY-MM-DD")
            law_as_of = None

        stem = self.rich(raw, "stem", file, item_id)
        feedback = self.rich(raw, "feedback", file, item_id)
        grader_notes = self.rich(raw, "grader_notes", file, item_id) if "grader_notes" in raw else None

        choices = self.choices(raw, file, itype, item_id)
        rubric_id = raw.get("rubric")
        if itype is ItemType.EXTENDED_TEXT:
            if not rubric_id:
                err("rubric", "essays need a rubric id from blueprint.yaml (e.g. cps-essay-rubric)")
            elif bp is not None and rubric_id not in bp.rubrics:
                err("rubric", f"unknown rubric {rubric_id!r}; rubrics are defined in blueprint.yaml")
            if not grader_notes:
                err("grader_notes", "essays need grader notes: what a full-credit answer contains")
        elif rubric_id is not None or "grader_notes" in raw:
            err("rubric" if rubric_id is not None else "grader_notes", "only extended_text items have this")

        tags = raw.get("tags", [])
        if not isinstance(tags, list):
            err("tags", "must be a list")
            tags = []

        if len(self.problems) > before:
            return None
        return Item(
            id=item_id or "", type=itype, status=_shared(status), revision=revision, domain=_shared(domain),
            objectives=tuple(map(_shared, objectives or ())), cognitive_level=_shared(raw.get("cognitive_level")),
            difficulty=_shared(raw.get("difficulty")), points=float(points), stem=stem or "",
            feedback=feedback or "", sources=tuple(map(_shared, sources)), choices=tuple(choices),
            scenario=_shared(scenario), scoring_rule=scoring_rule, jurisdiction=_shared(jurisdiction),
            law_as_of=law_as_of, rubric=_shared(rubric_id), grader_notes=grader_notes,
            tags=tuple(_shared(str(t)) for t in tags), author=_shared(_opt_str(raw.get("author"))),
            reviewer=_shared(_opt_str(raw.get("reviewer"))), notes=_opt_str(raw.get("notes")), file=file,
            line=raw.line,
        )

    def choices(self, raw: LineMap, file: str, itype: ItemType, item_id: str | None) -> list[Choice]:
        entries = raw.get("choices")
        line = raw.key_line("choices") if "choices" in raw else raw.line
        if not itype.has_choices:
            if entries:
                self.error(file, line, "choices", "essays (extended_text) have no choices", item_id)
            return []
        if not isinstance(entries, list) or not entries:
            self.error(file, line, "choices", "missing; choice items need a list of choices", item_id)
            return []
        out: list[Choice] = []
        seen: dict[str, int] = {}
        for n, c in enumerate(entries):
            label = f"choices[{n}]"
            if not isinstance(c, LineMap):
                self.error(file, getattr(c, "line", line), label, "must be a mapping with id, text, correct, "
                           "rationale", item_id)
                continue
            for key in c:
                if key not in CHOICE_FIELDS:
                    self.error(file, c.key_line(key), f"{label}.{key}", "unknown field; choices have id, text, "
                               "correct and rationale", item_id)
            cid = c.get("id")
            cid = str(cid).lower() if isinstance(cid, bool) else cid
            if not isinstance(cid, str) or not CHOICE_ID.match(cid):
                self.error(file, c.key_line("id"), f"{label}.id", "missing or malformed; use letters, digits, "
                           "'-' or '_' (e.g. a, b, c)", item_id)
                cid = f"?{n}"
            elif cid in seen:
                self.error(file, c.key_line("id"), f"{label}.id", f"duplicate choice id {cid!r} in this item",
                           item_id)
            seen[cid] = n
            correct = c.get("correct")
            if not isinstance(correct, bool):
                self.error(file, c.key_line("correct"), f"{label}.correct", "must be true or false", item_id)
                correct = False
            text = self.rich(c, "text", file, item_id, label=f"{label}.text", empty="an empty option")
            rationale = self.rich(c, "rationale", file, item_id, label=f"{label}.rationale",
                                  empty="a missing rationale; say why this option is right or which "
                                  "misconception it shows")
            out.append(Choice(_shared(cid), text or "", correct, rationale or ""))
        low, high = CHOICE_COUNTS[itype]
        if not low <= len(entries) <= high:
            self.error(file, line, "choices", f"{itype.value} items need {low} to {high} choices, not "
                       f"{len(entries)}", item_id)
        keys = sum(1 for c in out if c.correct)
        if itype in (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE) and keys != 1:
            self.error(file, line, "choices", f"{itype.value} items need exactly one correct choice, not {keys}",
                       item_id)
        if itype is ItemType.MULTIPLE_RESPONSE and not 2 <= keys < len(out):
            self.error(file, line, "choices", f"multiple-response items need at least two correct choices and one "
                       f"incorrect, not {keys} of {len(out)}", item_id)
        if itype is ItemType.TRUE_FALSE and out and {c.id for c in out} != {"true", "false"}:
            self.error(file, line, "choices", "true/false choices must have the ids \"true\" and \"false\"",
                       item_id)
        return out

    # -- enemies ---------------------------------------------------------------------------------------------
    def enemies(self, path: Path, items: dict[str, Item], retired: dict[str, int]) -> list[EnemyGroup]:
        """`enemies.yaml`: named groups of items of which at most one may stand on any form (none when absent)."""
        if not path.exists():
            return []
        data, file = self.read(path)
        if data is None or not self.expect_map(data, file, "file", {"groups"}):
            return []
        groups: list[EnemyGroup] = []
        seen: dict[str, int] = {}
        for raw in self.expect_list(data, "groups", file):
            if not self.expect_map(raw, file, "groups", {"id", "reason", "items"}):
                continue
            before = len(self.problems)
            gid = self.ident(raw, "id", file)
            if gid is not None and gid in seen:
                self.error(file, raw.key_line("id"), "id", f"duplicate enemy group id {gid!r} (also line "
                           f"{seen[gid]}); give each group its own id")
            seen.setdefault(gid or "", raw.key_line("id"))
            reason = self.text(raw, "reason", file)
            ids = raw.get("items")
            if not isinstance(ids, list):
                self.error(file, raw.key_line("items"), "items", f"group {gid!r}: give a list of two or more item "
                           "ids, e.g. [cps-d7-017, cps-d7-018]")
                continue
            first_line: dict[str, int] = {}
            for n, iid in enumerate(ids):
                line = _entry_line(ids, n, raw.key_line("items"))
                if not isinstance(iid, str):
                    self.error(file, line, "items", f"group {gid!r}: {iid!r} is not an item id")
                    continue
                if iid in first_line:
                    self.error(file, line, "items", f"group {gid!r} lists {iid!r} twice (also line "
                               f"{first_line[iid]}); list each item once")
                elif iid in retired:
                    self.error(file, line, "items", f"group {gid!r}: {iid!r} was retired (retired_ids.txt:"
                               f"{retired[iid]}); remove it from the group")
                elif iid not in items:
                    self.error(file, line, "items", f"group {gid!r}: unknown item {iid!r}; list item ids from "
                               "items/*.yaml")
                first_line.setdefault(iid, line)
            if len(first_line) < 2:
                self.error(file, raw.key_line("items"), "items", f"group {gid!r} has {len(first_line)} item(s); a "
                           "group needs two or more items that must not share a form")
            if len(self.problems) > before:
                continue
            groups.append(EnemyGroup(gid or "", reason or "", tuple(first_line), file, raw.line))
        return groups

    # -- forms -----------------------------------------------------------------------------------------------
    def forms(self, path: Path, items: dict[str, Item], bp: Blueprint | None,
              scenarios: dict[str, Scenario]) -> list[Form]:
        if not path.exists():
            return []
        data, file = self.read(path)
        if data is None or not self.expect_map(data, file, "file", {"forms"}):
            return []
        forms: list[Form] = []
        seen: dict[str, int] = {}
        for raw in self.expect_list(data, "forms", file):
            if not self.expect_map(raw, file, "form", FORM_FIELDS):
                continue
            before = len(self.problems)
            fid = self.ident(raw, "id", file)
            if fid in seen:
                self.error(file, raw.key_line("id"), "id", f"duplicate form id {fid!r} (also line {seen[fid]})")
            seen[fid or ""] = raw.line
            title = self.text(raw, "title", file)
            has_items, has_rules = "items" in raw, "rules" in raw
            if has_items == has_rules:
                self.error(file, raw.line, "form", f"form {fid!r} needs either `items` or `rules`, not "
                           f"{'both' if has_items else 'neither'}")
            listed: tuple[str, ...] = ()
            if has_items:
                ids = raw.get("items")
                if not isinstance(ids, list) or not ids:
                    self.error(file, raw.key_line("items"), "items", "must be a non-empty list of item ids")
                else:
                    for n, iid in enumerate(ids):
                        if iid not in items:
                            self.error(file, _entry_line(ids, n, raw.key_line("items")), "items",
                                       f"unknown item {iid!r} in form {fid!r}")
                    if len(set(ids)) != len(ids):
                        self.error(file, raw.key_line("items"), "items", f"form {fid!r} lists an item twice")
                    for group, a, b in enemy_pairs([str(i) for i in ids], self.enemy_groups):
                        self.error(file, _entry_line(ids, b, raw.key_line("items")), "items",
                                   f"form {fid!r} holds {ids[b]} and {ids[a]}, enemies in group {group.id!r} "
                                   f"({group.reason}; {group.file}:{group.line}); keep only one of them on the form")
                    listed = tuple(str(i) for i in ids)
            rules = self.rules(raw, file, bp, scenarios) if has_rules else None
            settings = self.settings(raw, file)
            if len(self.problems) > before:
                continue
            if rules is not None:
                try:
                    draw(rules, tuple(items.values()), self.enemy_groups)
                except FormUnsatisfiable as exc:
                    self.error(file, exc.rule.line, "rules.draw", f"form {fid!r}: the rule {_describe(exc.rule)} "
                               f"{exc}; {exc.fix}")
                    continue
            forms.append(Form(fid or "", title or "", _opt_str(raw.get("description")) or "", listed, rules,
                              settings, file, raw.line))
        return forms

    def rules(self, raw: LineMap, file: str, bp: Blueprint | None,
              scenarios: dict[str, Scenario]) -> FormRules | None:
        r = raw.get("rules")
        if not self.expect_map(r, file, "rules", {"seed", "status", "draw"}):
            return None
        seed = r.get("seed")
        if not isinstance(seed, int) or isinstance(seed, bool):
            self.error(file, r.key_line("seed"), "rules.seed", "must be a whole number (it fixes the draw)")
            seed = 0
        status = r.get("status", "reviewed")
        if status not in ("reviewed", "draft", "any"):
            self.error(file, r.key_line("status"), "rules.status", "use reviewed, draft or any")
        out = []
        for d in self.expect_list(r, "draw", file):
            if not self.expect_map(d, file, "rules.draw", RULE_FIELDS):
                continue
            count = d.get("count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                self.error(file, d.key_line("count"), "rules.draw.count", "must be a whole number >= 1")
                continue
            types = []
            for t in _as_list(d.get("types")):
                try:
                    types.append(ItemType(t))
                except ValueError:
                    self.error(file, d.key_line("types"), "rules.draw.types", f"{t!r} is not an item type")
            domain = d.get("domain")
            if bp is not None and domain is not None and domain not in {x.id for x in bp.domains}:
                self.error(file, d.key_line("domain"), "rules.draw.domain", f"unknown domain {domain!r}")
            objectives = tuple(_as_list(d.get("objectives")))
            if bp is not None:
                for o in objectives:
                    if o not in bp.objectives:
                        self.error(file, d.key_line("objectives"), "rules.draw.objectives", f"unknown objective {o!r}")
            scenario = d.get("scenario")
            if scenario is not None and scenario not in scenarios:
                self.error(file, d.key_line("scenario"), "rules.draw.scenario", f"unknown scenario {scenario!r}")
            levels = tuple(_as_list(d.get("cognitive_levels")))
            for lv in levels:
                if lv not in COGNITIVE_LEVELS:
                    self.error(file, d.key_line("cognitive_levels"), "rules.draw.cognitive_levels",
                               f"{lv!r}; use " + ", ".join(COGNITIVE_LEVELS))
            out.append(DrawRule(count, domain, objectives, tuple(types), scenario, levels, d.line))
        return FormRules(seed, tuple(out), status)

    def settings(self, raw: LineMap, file: str) -> DeliverySettings:
        s = raw.get("settings")
        if s is None:
            return DeliverySettings()
        if not self.expect_map(s, file, "settings", SETTINGS_FIELDS):
            return DeliverySettings()

        def bad(key: str, message: str) -> None:
            self.error(file, s.key_line(key), f"settings.{key}", message)

        time_limit = s.get("time_limit_minutes")
        if time_limit is not None and (not isinstance(time_limit, int) or isinstance(time_limit, bool)
                                       or time_limit < 1):
            bad("time_limit_minutes", "must be a whole number of minutes >= 1, or null for no limit")
            time_limit = None
        attempts = s.get("attempts_allowed", 1)
        if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
            bad("attempts_allowed", "must be a whole number >= 0 (0 means unlimited)")
            attempts = 1
        flags = {}
        for key in ("shuffle_items", "shuffle_choices"):
            flags[key] = s.get(key, False)
            if not isinstance(flags[key], bool):
                bad(key, "must be true or false")
                flags[key] = False
        try:
            feedback = FeedbackPolicy(s.get("feedback", "after_submit"))
        except ValueError:
            bad("feedback", "use never, after_submit or after_due")
            feedback = FeedbackPolicy.AFTER_SUBMIT
        passing = s.get("passing_score", 70)
        if isinstance(passing, bool) or not isinstance(passing, (int, float)) or not 0 <= passing <= 100:
            bad("passing_score", "must be a percentage from 0 to 100")
            passing = 70
        try:
            rule = ScoringRule(s.get("multiple_response_scoring", "partial"))
        except ValueError:
            bad("multiple_response_scoring", "use partial or all_or_nothing")
            rule = ScoringRule.PARTIAL
        return DeliverySettings(time_limit, attempts, flags["shuffle_items"], flags["shuffle_choices"], feedback,
                                float(passing), rule)

    # -- small readers ---------------------------------------------------------------------------------------
    def read(self, path: Path, required: bool = False) -> tuple[Any, str]:
        file = display_path(path)
        if not path.exists():
            if required:
                self.error(file, 0, "file", "missing; the bank folder needs this file")
            return None, file
        data, problems = read_yaml(path)
        for p in problems:
            self.error(file, p.line, "yaml", p.message)
        if problems:
            return None, file
        return data, file

    def expect_map(self, raw: Any, file: str, what: str, allowed: set[str]) -> bool:
        if not isinstance(raw, LineMap):
            self.error(file, getattr(raw, "line", 1), what, "must be a mapping (key: value lines)")
            return False
        for key in raw:
            if key not in allowed:
                self.error(file, raw.key_line(key), f"{what}.{key}", "unknown field; allowed: "
                           + ", ".join(sorted(allowed)))
        return True

    def expect_list(self, raw: LineMap, key: str, file: str) -> list[Any]:
        value = raw.get(key)
        if not isinstance(value, list):
            self.error(file, raw.key_line(key), key, "missing or not a list")
            return []
        return value

    def text(self, raw: LineMap, key: str, file: str) -> str | None:
        value = raw.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(file, raw.key_line(key), key, "missing or empty")
            return None
        return value.strip()

    def ident(self, raw: LineMap, key: str, file: str) -> str | None:
        value = self.text(raw, key, file)
        if value is not None and not ID.match(value):
            self.error(file, raw.key_line(key), key, f"{value!r}: start with a letter; use letters, digits, '.', "
                       "'_' and '-'")
        return value

    def rich(self, raw: LineMap, key: str, file: str, item_id: str | None, label: str | None = None,
             empty: str = "missing or empty") -> str | None:
        label = label or key
        value = raw.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            if key in raw or label.startswith("choices"):
                self.error(file, raw.key_line(key), label, empty, item_id)
            return None
        for message in markup_problems(value) if _MAY_HOLD_MARKUP.search(value) else ():
            self.error(file, raw.key_line(key), label, f"unsafe or unsupported markup: {message}; use the "
                       "Markdown subset in docs/authoring.md", item_id)
        return value.strip()


def _entry_line(values: list[Any], n: int, default: int) -> int:
    return values.entry_line(n) if isinstance(values, LineList) else default


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _shared(value: Any) -> Any:
    """One copy of a short value that recurs across items (domain, objective, level, source, tag ids)."""
    return sys.intern(value) if type(value) is str else value


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)


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
