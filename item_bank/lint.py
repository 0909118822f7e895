"""Item-writing checks (NBME-style flaws and cueing), per item and across the bank.

Errors are flaws that make an item unfair or wrong to deliver; warnings are cues worth a second look. Every finding
names the file, line and item id.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from difflib import SequenceMatcher

from item_bank.cue_audit import cue_warnings
from item_bank.giveaway import scenario_giveaways
from item_bank.markup import to_plain_text
from item_bank.model import Bank, Item, ItemType
from item_bank.names import name_clashes
from item_bank.problems import Problem

STEM_WORD_LIMIT = 120
ESSAY_STEM_WORD_LIMIT = 200  # an essay stem carries its own 100-150 word case
KEY_LENGTH_CUE = 1.3  # the key is this many times longer than the average distractor
KEY_POSITION_LIMIT = 0.35
KEY_LONGEST_LIMIT = 0.30
NEAR_DUPLICATE = 0.88

_ALL_NONE = re.compile(
    r"\b(all|none|neither|both) of (the )?(above|these|those|them)\b|\bboth [a-f] and [a-f]\b|"
    r"\b[a-f] and [a-f] (only|are correct)\b",
    re.IGNORECASE,
)
_ABSOLUTE = re.compile(r"\b(always|never)\b", re.IGNORECASE)
_NEGATIVE = re.compile(r"\b(not|except|least)\b", re.IGNORECASE)
_SELECT = re.compile(r"\bselect\s+\**\s*(two|three|four|2|3|4)\b", re.IGNORECASE)
_NUMBERS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_WORD = re.compile(r"[A-Za-z0-9’']+")


def lint_bank(bank: Bank) -> list[Problem]:
    """All findings for the bank, sorted by file and line."""
    findings: list[Problem] = []
    for item in bank.items:
        findings.extend(lint_item(item))
    findings.extend(_bank_findings(bank))
    findings.extend(name_clashes(bank))  # one person per first name (item_bank.names)
    findings.extend(scenario_giveaways(bank))  # no stem answers a sibling's key (item_bank.giveaway)
    return sorted(findings)


def lint_item(item: Item) -> list[Problem]:
    out: list[Problem] = []

    def add(severity: str, field: str, message: str) -> None:
        out.append(Problem(item.file, item.line, field, message, severity, item.id))

    if not item.sources:
        add("error", "sources", "no sources; add the source keys that back the key (e.g. [S10])")
    stem = to_plain_text(item.stem)
    words = len(_WORD.findall(stem))
    limit = ESSAY_STEM_WORD_LIMIT if item.type is ItemType.EXTENDED_TEXT else STEM_WORD_LIMIT
    if words > limit:
        add("warning", "stem", f"{words} words; keep stems under {limit} (move the case to a scenario)")
    for word in _unemphasised_negatives(item.stem):
        add("error", "stem", f"negative lead-in word {word!r} is not emphasised; write it in capitals (**NOT**) "
            "or rephrase positively")
    if not item.type.has_choices:
        return out

    texts = {c.id: to_plain_text(c.text) for c in item.choices}
    for c in item.choices:
        if _ALL_NONE.search(texts[c.id]):
            add("error", f"choices.{c.id}", "'all/none of the above' or a combination option; write a "
                "stand-alone option")
    seen: dict[str, str] = {}
    for c in item.choices:
        norm = _normal(texts[c.id])
        if norm in seen:
            add("error", f"choices.{c.id}", f"duplicates option {seen[norm]}; make every option different")
        seen.setdefault(norm, c.id)
    ids = [c.id for c in item.choices]
    for n, a in enumerate(ids):
        for b in ids[n + 1:]:
            na, nb = _normal(texts[a]), _normal(texts[b])
            if na != nb and SequenceMatcher(None, na, nb).ratio() >= NEAR_DUPLICATE:
                add("warning", f"choices.{b}", f"nearly the same as option {a}; make the difference clear")
    if item.type is not ItemType.TRUE_FALSE:
        for c in item.choices:
            if not c.correct and _ABSOLUTE.search(texts[c.id]):
                word = _ABSOLUTE.search(texts[c.id]).group(1)
                add("warning", f"choices.{c.id}", f"absolute word {word!r} in a distractor cues it as wrong")
    length_cue = item.type is ItemType.SINGLE_CHOICE and key_is_length_cue(item)
    if length_cue:
        add("warning", "choices", "the key is noticeably longer than the distractors (a length cue)")
    for cue in cue_warnings(item):  # what a test-wise reader sees (item_bank.cue_audit)
        if not (length_cue and cue.cue == "longest"):
            add("warning", cue.field, cue.message)
    if item.type is ItemType.MULTIPLE_RESPONSE:
        asked = _SELECT.search(stem)
        keys = len(item.keys)
        if asked is None:
            add("error", "stem", f"say how many to select (\"Select {_word_for(keys)}.\")")
        elif _NUMBERS[asked.group(1).lower()] != keys:
            add("error", "stem", f"asks to select {asked.group(1)} but the item has {keys} correct choices")
    return out


def key_is_longest(item: Item) -> bool:
    """The single key is strictly longer than every distractor."""
    if item.type is not ItemType.SINGLE_CHOICE:
        return False
    lengths = {c.id: len(to_plain_text(c.text)) for c in item.choices}
    key = next(c.id for c in item.choices if c.correct)
    return all(lengths[key] > n for cid, n in lengths.items() if cid != key)


def key_is_length_cue(item: Item) -> bool:
    if not key_is_longest(item):
        return False
    key = next(c for c in item.choices if c.correct)
    others = [len(to_plain_text(c.text)) for c in item.choices if not c.correct]
    return len(to_plain_text(key.text)) >= KEY_LENGTH_CUE * (sum(others) / len(others))


def key_positions(items: Iterable[Item]) -> Counter[str]:
    """How often the key stands at A, B, C, ... in single-choice items (authored order)."""
    counts: Counter[str] = Counter()
    for item in items:
        if item.type is ItemType.SINGLE_CHOICE:
            index = next(n for n, c in enumerate(item.choices) if c.correct)
            counts["ABCDEF"[index]] += 1
    return counts


def _bank_findings(bank: Bank) -> list[Problem]:
    out: list[Problem] = []
    singles = [i for i in bank.items if i.type is ItemType.SINGLE_CHOICE]
    if not singles:
        return out
    where = bank.root
    positions = key_positions(singles)
    for pos, n in sorted(positions.items()):
        share = n / len(singles)
        if share > KEY_POSITION_LIMIT:
            out.append(Problem(where, 0, "key position", f"{pos} holds {share:.0%} of single-choice keys "
                               f"({n}/{len(singles)}); move keys so no position holds over "
                               f"{KEY_POSITION_LIMIT:.0%}", "warning"))
    longest = sum(1 for i in singles if key_is_longest(i))
    cues = sum(1 for i in singles if key_is_length_cue(i))
    if longest / len(singles) > KEY_LONGEST_LIMIT:
        out.append(Problem(where, 0, "key length", f"the key is the longest option in {longest / len(singles):.0%} "
                           f"of single-choice items ({longest}/{len(singles)}; {cues} noticeably longer); keep it "
                           f"at or under {KEY_LONGEST_LIMIT:.0%}", "warning"))
    return out


def _unemphasised_negatives(stem: str) -> list[str]:
    """Negative words in the lead-in question that are neither in capitals nor bold."""
    questions = [s for s in re.split(r"(?<=[.?!])\s+|\n\n", stem) if s.strip().endswith("?")]
    found = []
    for question in questions[-1:]:
        for m in _NEGATIVE.finditer(question):
            word = m.group(1)
            bold = question[max(0, m.start() - 2):m.start()] == "**"
            if not word.isupper() and not bold:
                found.append(word)
    return found


def _normal(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


def _word_for(n: int) -> str:
    return {2: "TWO", 3: "THREE", 4: "FOUR"}.get(n, str(n))
