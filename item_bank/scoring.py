"""The only scoring code: a response to an item becomes points.

The LTI tool scores attempts with `score_response`, and every exporter writes response processing (QTI) or
answer fractions (Moodle, GIFT, Canvas) from `choice_weights`, so what an LMS computes and what the tool computes
are the same definition.

Rules:
- single choice, true/false: all the item's points for the key, else 0;
- multiple response, all-or-nothing: all the points when the chosen set equals the keys exactly, else 0;
- multiple response, partial: (right chosen - wrong chosen) / number of keys, floored at 0, times the points;
- extended text: no score until a person grades it (`pending`).
An empty response scores 0. A choice id the item does not have is an error, never a silent zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from item_bank.model import Item, ItemType, ScoringRule

DEFAULT_RULE = ScoringRule.PARTIAL


class ResponseError(ValueError):
    """A response that does not fit the item (an unknown choice, two answers to a single-choice item...)."""


@dataclass(frozen=True)
class ItemScore:
    item_id: str
    score: Fraction
    max_score: Fraction
    pending: bool = False

    @property
    def points(self) -> float:
        return float(self.score)

    @property
    def correct(self) -> bool:
        return not self.pending and self.score == self.max_score


def effective_rule(item: Item, form_rule: ScoringRule | None = None) -> ScoringRule:
    """An item's own rule wins; else the form's; else the bank default (partial)."""
    return item.scoring_rule or form_rule or DEFAULT_RULE


def score_response(item: Item, chosen: Iterable[str] | str | None, form_rule: ScoringRule | None = None,
                   ) -> ItemScore:
    """Score a choice response: `chosen` is the chosen choice ids (or one id, or None for no answer)."""
    max_score = Fraction(item.points).limit_denominator(1000)
    if item.type is ItemType.EXTENDED_TEXT:
        return ItemScore(item.id, Fraction(0), max_score, pending=True)
    ids = _as_set(chosen)
    known = {c.id for c in item.choices}
    unknown = sorted(ids - known)
    if unknown:
        raise ResponseError(f"item {item.id}: unknown choice id(s) {', '.join(unknown)}")
    if item.type in (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE) and len(ids) > 1:
        raise ResponseError(f"item {item.id}: a {item.type.value} item takes one answer, got {len(ids)}")
    fraction = _fraction(item, ids, effective_rule(item, form_rule))
    return ItemScore(item.id, fraction * max_score, max_score)


def score_essay(item: Item, rubric_points: dict[str, int], levels: int) -> ItemScore:
    """A graded essay: the rubric's dimension points, scaled to the item's points."""
    if item.type is not ItemType.EXTENDED_TEXT:
        raise ResponseError(f"item {item.id}: only essays are graded with a rubric")
    for dim, value in rubric_points.items():
        if not isinstance(value, int) or not 0 <= value <= levels:
            raise ResponseError(f"item {item.id}: rubric dimension {dim} must be 0..{levels}, got {value!r}")
    max_score = Fraction(item.points).limit_denominator(1000)
    possible = levels * len(rubric_points) if rubric_points else 1
    return ItemScore(item.id, Fraction(sum(rubric_points.values()), possible) * max_score, max_score)


def choice_weights(item: Item, form_rule: ScoringRule | None = None) -> dict[str, Fraction]:
    """Each choice's share of the item's points, as exporters write it (Moodle fractions, QTI mapping).

    For partial scoring the share is +1/keys for a key and -1/keys for a distractor, summed and floored at 0:
    exactly `score_response`. For all-or-nothing and single-answer items a key is worth 1 / keys and a
    distractor -1 (the exporters that can express all-or-nothing exactly do so; see `all_or_nothing`).
    """
    keys = item.key_ids
    if not keys:
        return {}
    rule = effective_rule(item, form_rule)
    if item.type is ItemType.MULTIPLE_RESPONSE and rule is ScoringRule.PARTIAL:
        share = Fraction(1, len(keys))
        return {c.id: (share if c.correct else -share) for c in item.choices}
    return {c.id: (Fraction(1, len(keys)) if c.correct else Fraction(-1)) for c in item.choices}


def all_or_nothing(item: Item, form_rule: ScoringRule | None = None) -> bool:
    """True when only the exact key set earns points."""
    return item.type is not ItemType.MULTIPLE_RESPONSE or effective_rule(item, form_rule) is ScoringRule.ALL_OR_NOTHING


def _fraction(item: Item, ids: frozenset[str], rule: ScoringRule) -> Fraction:
    keys = item.key_ids
    if not ids:
        return Fraction(0)
    if item.type is ItemType.MULTIPLE_RESPONSE and rule is ScoringRule.PARTIAL:
        right = len(ids & keys)
        wrong = len(ids - keys)
        return max(Fraction(0), Fraction(right - wrong, len(keys)))
    return Fraction(1) if ids == keys else Fraction(0)


def _as_set(chosen: Iterable[str] | str | None) -> frozenset[str]:
    if chosen is None:
        return frozenset()
    if isinstance(chosen, str):
        return frozenset({chosen}) if chosen else frozenset()
    return frozenset(chosen)


def total(scores: Iterable[ItemScore]) -> tuple[Fraction, Fraction, bool]:
    """Sum of scores, sum of maxima, and whether any part still waits for manual grading."""
    got, possible, pending = Fraction(0), Fraction(0), False
    for s in scores:
        got += s.score
        possible += s.max_score
        pending = pending or s.pending
    return got, possible, pending
