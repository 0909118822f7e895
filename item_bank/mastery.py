"""Mastery per objective: how sure we are that a learner can do what one blueprint objective asks.

The model is a **decaying, difficulty-weighted Beta–Bernoulli estimate** (docs/mastery.md explains it for trainers
and developers). Each objective holds a Beta(alpha, beta) belief about the learner's chance of answering its items
right, starting from the flat prior Beta(1, 1). A scored response adds `w * fraction` to alpha and
`w' * (1 - fraction)` to beta, where a right answer weighs more on a hard item and a wrong answer more on an easy one
(each is the stronger sign of what the learner can or cannot do). Before a response is added, the evidence so far
fades towards the prior with a half-life of 30 days, measured from the last answer to this one, so folding the
responses one by one (`update`, on each submission) and all at once (`estimate`, a recompute) give the same numbers.

Pure functions on frozen records: no database, no web.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from item_bank.model import DIFFICULTIES, Item

PRIOR_ALPHA = 1.0
PRIOR_BETA = 1.0
HALF_LIFE = timedelta(days=30)
# How much one response counts, by the item's difficulty label: (weight when right, weight when wrong).
WEIGHTS: dict[str, tuple[float, float]] = {
    "easy": (0.75, 1.5),
    "moderate": (1.0, 1.0),
    "hard": (1.5, 0.75),
}
SECONDARY_SHARE = 0.5  # an item counts in full for its first objective and at this share for the others
MASTERED_MEAN, MASTERED_EVIDENCE = 0.8, 4
NEARLY_THERE_MEAN, NEARLY_THERE_EVIDENCE = 0.65, 2
DEVELOPING_MEAN = 0.45
CONFIDENT_SPREAD = 2.0  # standard deviations below the mean that the practice grade counts (confident_mastery)


class MasteryLevel(StrEnum):
    """The plain words a learner and a trainer see, ordered from low to high."""

    NOT_STARTED = "not-started"
    GETTING_STARTED = "getting-started"
    DEVELOPING = "developing"
    NEARLY_THERE = "nearly-there"
    MASTERED = "mastered"

    @property
    def short_label(self) -> str:
        """Two or three words for a table cell or a badge."""
        return _TITLES[self]

    @property
    def label(self) -> str:
        """The sentence that says what the level means, so it never rests on a colour or a number alone."""
        return _LABELS[self]

    @property
    def rank(self) -> int:
        """0 (not started) to 4 (mastered), for sorting: the values themselves sort alphabetically."""
        return list(MasteryLevel).index(self)


_TITLES = {
    MasteryLevel.NOT_STARTED: "Not started",
    MasteryLevel.GETTING_STARTED: "Getting started",
    MasteryLevel.DEVELOPING: "Developing",
    MasteryLevel.NEARLY_THERE: "Nearly there",
    MasteryLevel.MASTERED: "Mastered",
}
_LABELS = {
    MasteryLevel.NOT_STARTED: "Not started: no answers on this objective yet.",
    MasteryLevel.GETTING_STARTED: "Getting started: most answers so far have missed; practise this first.",
    MasteryLevel.DEVELOPING: "Developing: some answers right, some missed; keep practising.",
    MasteryLevel.NEARLY_THERE: "Nearly there: mostly right; a few more right answers will confirm it.",
    MasteryLevel.MASTERED: "Mastered: answered right reliably, over several questions.",
}


@dataclass(frozen=True)
class Evidence:
    """One scored response, as the mastery model needs it."""

    item_id: str
    objectives: tuple[str, ...]  # the item's objectives, its first (primary) one first
    difficulty: str  # the item's difficulty label (Item.difficulty)
    fraction: float  # score / max_score, 0..1
    answered_at: datetime  # timezone-aware UTC


@dataclass(frozen=True)
class Mastery:
    """The Beta(alpha, beta) belief about one learner on one objective."""

    objective: str
    alpha: float
    beta: float
    evidence: int  # number of responses counted
    updated_at: datetime | None  # answered_at of the last evidence

    @property
    def mean(self) -> float:
        """The estimated chance of a right answer on this objective, 0..1."""
        return self.alpha / (self.alpha + self.beta)

    @property
    def uncertainty(self) -> float:
        """The posterior standard deviation: about 0.29 with no evidence, shrinking as answers come in."""
        a, b = self.alpha, self.beta
        return math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))

    @property
    def level(self) -> MasteryLevel:
        """Plain-words level from the mean AND the number of answers: two right answers never make "mastered"."""
        if self.evidence == 0:
            return MasteryLevel.NOT_STARTED
        mean = self.mean
        if mean >= MASTERED_MEAN and self.evidence >= MASTERED_EVIDENCE:
            return MasteryLevel.MASTERED
        if mean >= NEARLY_THERE_MEAN and self.evidence >= NEARLY_THERE_EVIDENCE:
            return MasteryLevel.NEARLY_THERE
        if mean >= DEVELOPING_MEAN:
            return MasteryLevel.DEVELOPING
        return MasteryLevel.GETTING_STARTED


def prior(objective: str) -> Mastery:
    """What we believe before any answer: every chance equally likely (mean 0.5, the largest uncertainty)."""
    return Mastery(objective, PRIOR_ALPHA, PRIOR_BETA, 0, None)


def decay_factor(since: datetime | None, until: datetime) -> float:
    """The share of old evidence still counted after the time between two answers (1.0 for none or a negative gap)."""
    if since is None or until <= since:
        return 1.0
    return 0.5 ** ((until - since) / HALF_LIFE)


def share(objective: str, evidence: Evidence) -> float:
    """How much a response counts for `objective`: 1 for the item's first objective, a half for its others, else 0."""
    if not evidence.objectives or objective not in evidence.objectives:
        return 0.0
    return 1.0 if evidence.objectives[0] == objective else SECONDARY_SHARE


def update(current: Mastery, evidence: Evidence) -> Mastery:
    """`current` after one more response: old evidence fades by the time since `updated_at`, then this one is added.

    A response on an item without `current.objective` leaves it as it is. Raises ValueError for a fraction outside
    0..1, an unknown difficulty label or a naive datetime.
    """
    _check(evidence)
    part = share(current.objective, evidence)
    if part == 0.0:
        return current
    keep = decay_factor(current.updated_at, evidence.answered_at)
    right_weight, wrong_weight = WEIGHTS[evidence.difficulty]
    alpha = PRIOR_ALPHA + (current.alpha - PRIOR_ALPHA) * keep + part * right_weight * evidence.fraction
    beta = PRIOR_BETA + (current.beta - PRIOR_BETA) * keep + part * wrong_weight * (1.0 - evidence.fraction)
    latest = evidence.answered_at if current.updated_at is None else max(current.updated_at, evidence.answered_at)
    return Mastery(current.objective, alpha, beta, current.evidence + 1, latest)


def estimate(evidence: Iterable[Evidence], objectives: Iterable[str]) -> dict[str, Mastery]:
    """Mastery of every objective in `objectives` (the prior when it has no evidence), folding `update` over the
    responses in answered_at order (ties by item id): a recompute gives what the updates on submission gave."""
    result = {objective: prior(objective) for objective in objectives}
    for one in sorted(evidence, key=lambda e: (e.answered_at, e.item_id)):
        for objective in dict.fromkeys(one.objectives):
            if objective in result:
                result[objective] = update(result[objective], one)
    return result


def evidence_from_item(item: Item, fraction: float, answered_at: datetime) -> Evidence:
    """The evidence one scored response to `item` gives (its objectives, its difficulty, the share of points)."""
    evidence = Evidence(item.id, item.objectives, item.difficulty, float(fraction), answered_at)
    _check(evidence)
    return evidence


def confident_mastery(mastery: Mapping[str, Mastery], objectives: Iterable[str]) -> float:
    """The grade of a graded practice link, 0..1: the average over `objectives` of the level we are fairly sure the
    learner has reached on each, `mean - CONFIDENT_SPREAD * uncertainty` (never below 0). It starts at 0 (an
    objective never answered has shown nothing), rises with right answers and with their number, and a wrong answer
    never raises it; 0.0 for no objectives."""
    bounds = [max(0.0, m.mean - CONFIDENT_SPREAD * m.uncertainty)
              for m in (mastery.get(o) or prior(o) for o in objectives)]
    return sum(bounds) / len(bounds) if bounds else 0.0


def _check(evidence: Evidence) -> None:
    if not 0.0 <= evidence.fraction <= 1.0 or math.isnan(evidence.fraction):
        raise ValueError(f"response to {evidence.item_id}: fraction {evidence.fraction} is outside 0..1; "
                         f"give score / max_score")
    if evidence.difficulty not in WEIGHTS:
        raise ValueError(f"response to {evidence.item_id}: difficulty {evidence.difficulty!r} is not one of "
                         f"{', '.join(DIFFICULTIES)}")
    if evidence.answered_at.tzinfo is None or evidence.answered_at.utcoffset() is None:
        raise ValueError(f"response to {evidence.item_id}: answered_at {evidence.answered_at.isoformat()} has no "
                         f"time zone; give a timezone-aware UTC datetime")
