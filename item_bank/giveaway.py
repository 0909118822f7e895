"""Scenario give-aways: in a scenario set, one item's stem should not hand a learner another item's key.

The items of a scenario set are delivered together, so a stem that narrates what the key of a sibling item says
("She has told him that she can't keep this to herself") answers that item. The check is lexical: for each key
option of an item, take its content words (lower case, a light stemming, minus stop words and minus every word of
the shared scenario text, which all the items may repeat freely); when at least `GIVEAWAY_SHARE` of them, and at least
`GIVEAWAY_MIN_WORDS`, appear in the stem of another item of the same set, that is a warning on the item whose key is
given away. Pairs declared in `enemies.yaml` are skipped: they can never share a form. True/false keys ("True",
"False") carry no content words, so true/false items are only ever the stem that gives away, never the key.
"""

from __future__ import annotations

import re
from itertools import permutations

from item_bank.enemies import are_enemies
from item_bank.markup import to_plain_text
from item_bank.model import Bank, Item, ItemType
from item_bank.problems import Problem

GIVEAWAY_SHARE = 0.5  # share of a key's content words found in the other stem
GIVEAWAY_MIN_WORDS = 3  # and at least this many of them

STOP_WORDS = frozenset(
    "a about above after again against all also am an and any are as at be because been before being below between "
    "both but by could did do does doing down during each either few for from further had has have having he her "
    "here hers herself him himself his how i if in into is it it's its itself just let me more most my myself of off "
    "on once only or other our ours ourselves out over own same she should so some such than that the their theirs "
    "them themselves then there these they this those through to too under until up very was we were what when where "
    "which while who whom why will with would you your yours yourself yourselves like way one first next now today "
    "week day time can may might must shall "
    # verbs that nearly every option and stem uses
    "ask asks tell tells say says explain explains help helps offer offers want wants need needs know knows get gets "
    "make makes take takes give gives go goes".split()
)  # negations are content: "she can't keep this to herself" keeps a "not"
_WORD = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def content_words(text: str) -> set[str]:
    """Lower-case stems of the words in `text` that carry meaning (stop words and possessives removed)."""
    words = set()
    for raw in _WORD.findall(to_plain_text(text).lower()):
        word = re.sub(r"['’]s$", "", raw).replace("’", "'")
        if word == "cannot" or word.endswith("n't"):
            word = "not"  # can't, don't, won't, cannot: the negation is the content
        if word in STOP_WORDS or len(word) < 3:
            continue
        words.add(_stem(word))
    return words


def scenario_giveaways(bank: Bank) -> list[Problem]:
    """A warning for each key that another stem of its scenario set largely repeats."""
    sets: dict[str, list[Item]] = {}
    for item in bank.items:
        if item.scenario:
            sets.setdefault(item.scenario, []).append(item)
    out = []
    for scenario_id, items in sets.items():
        scenario = bank.scenarios.get(scenario_id)
        shared = content_words(scenario.text) if scenario else set()
        stems = {i.id: content_words(i.stem) for i in items}
        for keyed, other in permutations(items, 2):
            if keyed.type is ItemType.TRUE_FALSE or are_enemies(keyed.id, other.id, bank.enemies):
                continue
            for key in keyed.keys:
                words = content_words(key.text) - shared
                found = words & stems[other.id]
                if len(found) >= GIVEAWAY_MIN_WORDS and len(found) >= GIVEAWAY_SHARE * len(words):
                    out.append(Problem(
                        keyed.file, keyed.line, f"choices.{key.id}",
                        f"the stem of {other.id} ({other.file}:{other.line}), in the same scenario set, repeats "
                        f"{len(found)} of this key's {len(words)} content words ({', '.join(sorted(found))}); reword "
                        f"one of them, or declare the two enemies in enemies.yaml", "warning", keyed.id))
    return out


def _stem(word: str) -> str:
    """A light stemmer: enough to match knock/knocking, call/calls/called, rule/rules, plan/planning."""
    if word.endswith("es") and word[:-2].endswith(("s", "x", "z", "ch", "sh")):
        return word[:-2]
    for suffix in ("ingly", "edly", "ing", "ed", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiouls":
                word = word[:-1]  # planning -> plann -> plan
            return word
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word
