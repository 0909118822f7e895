"""Classical item analysis of scored responses: how hard each item was, how well it told strong from weak
learners, which options were chosen, and how total scores spread.

Pure functions over `ScoredResponse` values (no database, no web): the tool gathers the responses of the
submitted attempts at one resource link, scores them with `item_bank.scoring`, and passes them here.

- percent correct: the share of responses that earned the item's full points;
- discrimination: the point-biserial correlation between the item score and the respondent's score on the
  *other* items (the "rest score"), so an item is not correlated with itself; with partial credit it is the
  Pearson correlation of the same two quantities; undefined (None) with fewer than two respondents or when
  either side does not vary;
- option counts: how many responses chose each option (a multiple-response answer counts for every option in it).
Essays still waiting for a grader have no score yet: leave them out of the input.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class ScoredResponse:
    """One respondent's (attempt's) scored answer to one item; `chosen` is empty for essays and omissions."""

    respondent: str
    item_id: str
    score: float
    max_score: float
    chosen: tuple[str, ...] = ()

    @property
    def full_credit(self) -> bool:
        return self.max_score > 0 and self.score >= self.max_score


@dataclass(frozen=True)
class ItemStatistics:
    item_id: str
    responses: int
    percent_correct: float | None
    mean_score: float | None
    max_score: float
    discrimination: float | None
    option_counts: dict[str, int]
    omitted: int


@dataclass(frozen=True)
class ScoreBin:
    """Total scores (in percent of the maximum) from `lower` up to, not including, `upper` (the last bin
    includes 100)."""

    lower: float
    upper: float
    count: int

    @property
    def label(self) -> str:
        return f"{self.lower:g}–{self.upper:g}%"


def of_item(responses: Iterable[ScoredResponse], item_id: str) -> list[ScoredResponse]:
    return [r for r in responses if r.item_id == item_id]


def totals(responses: Iterable[ScoredResponse]) -> dict[str, float]:
    """Each respondent's total score over the given responses."""
    out: dict[str, float] = {}
    for r in responses:
        out[r.respondent] = out.get(r.respondent, 0.0) + r.score
    return out


def percent_correct(responses: Sequence[ScoredResponse]) -> float | None:
    """Percent of these responses (to one item) with full credit; None when there are none."""
    if not responses:
        return None
    return 100.0 * sum(1 for r in responses if r.full_credit) / len(responses)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r of two equally long samples; None with fewer than two pairs or no variance on a side."""
    if len(xs) != len(ys):
        raise ValueError(f"pearson needs samples of one length, got {len(xs)} and {len(ys)}")
    n = len(xs)
    if n < 2:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def point_biserial(responses: Sequence[ScoredResponse], item_id: str) -> float | None:
    """Correlation of the item's score with the rest score (total minus this item) over its respondents."""
    all_totals = totals(responses)
    mine = of_item(responses, item_id)
    item_scores = [r.score for r in mine]
    rest_scores = [all_totals[r.respondent] - r.score for r in mine]
    return pearson(item_scores, rest_scores)


def option_counts(responses: Sequence[ScoredResponse], choice_ids: Sequence[str] = ()) -> dict[str, int]:
    """How many of these responses (to one item) chose each option; every id in `choice_ids` is listed, in
    that order, even when nobody chose it."""
    counts = {cid: 0 for cid in choice_ids}
    for r in responses:
        for cid in r.chosen:
            counts[cid] = counts.get(cid, 0) + 1
    return counts


def item_statistics(responses: Sequence[ScoredResponse],
                    choice_ids: Mapping[str, Sequence[str]] | None = None) -> list[ItemStatistics]:
    """Statistics for every item in `responses`, in the order items first appear."""
    order = list(dict.fromkeys(r.item_id for r in responses))
    choice_ids = choice_ids or {}
    out = []
    for item_id in order:
        mine = of_item(responses, item_id)
        max_score = max(r.max_score for r in mine)
        mean = sum(r.score / r.max_score for r in mine if r.max_score > 0) / len(mine) if max_score > 0 else None
        out.append(ItemStatistics(
            item_id=item_id, responses=len(mine), percent_correct=percent_correct(mine),
            mean_score=None if mean is None else 100.0 * mean, max_score=max_score,
            discrimination=point_biserial(responses, item_id),
            option_counts=option_counts(mine, choice_ids.get(item_id, ())),
            omitted=sum(1 for r in mine if not r.chosen and choice_ids.get(item_id)),
        ))
    return out


def score_distribution(percentages: Iterable[float], bins: int = 10) -> list[ScoreBin]:
    """How many total scores (percent of the maximum, 0..100) fall in each of `bins` equal bands."""
    if bins < 1:
        raise ValueError(f"score_distribution needs at least one bin, got {bins}")
    width = 100.0 / bins
    counts = [0] * bins
    for pct in percentages:
        if not 0.0 <= pct <= 100.0:
            raise ValueError(f"a total score must be 0..100 percent, got {pct}")
        counts[min(int(pct // width), bins - 1)] += 1
    return [ScoreBin(round(i * width, 6), round((i + 1) * width, 6), c) for i, c in enumerate(counts)]
