"""Adaptive practice: what a learner can practise, and which question comes next.

A practice target is the whole blueprint or one domain; its pool is the reviewed, automatically scored items whose
first objective is one of the target's. `choose_next` picks the next question in two steps. First the objective
(`next_objectives`): an objective the last answer left weak comes back once, with another item; otherwise the one
whose estimate we trust least (`doubt`: few answers, or answers that disagree with how the learner does everywhere
else), and of the objectives we trust about equally little, the weakest. Then an item of that objective that
is tagged with it alone before one shared with another objective, the difficulty that suits a thin estimate and
moderate once it rests on several answers, then one never answered before one answered, else the one answered
longest ago. Items answered in the last `window` questions, and their enemies, are
never chosen. docs/mastery.md explains the choice and the benchmark (bench/practice_sim.py) that measures it against
random drawing.

Pure and seeded: the same pool, mastery, history and rng state give the same item.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from item_bank.enemies import groups_by_item
from item_bank.mastery import MASTERED_EVIDENCE, PRIOR_ALPHA, PRIOR_BETA, Mastery, prior
from item_bank.model import DIFFICULTIES, Bank, EnemyGroup, Item

PRACTICE_ALL = "all"
DEFAULT_WINDOW = 20
LEARNER_WEIGHT = 4.0  # in `doubt`, the learner's overall rate counts as this many answers on the objective
NEED_CONFIDENCE = 2.0  # standard deviations below the mean in `need`
RETRY_BELOW = 0.5  # the last question's objective comes back once when its estimate is below this
DOUBT_BAND = 0.9  # objectives with at least this share of the largest doubt count as "about equally doubtful"
_TIE = 1e-12
_T = TypeVar("_T")
_EASY_BELOW, _HARD_FROM = 0.45, 0.75  # the estimate at which the matched difficulty changes


@dataclass(frozen=True)
class PracticeTarget:
    """What one practice link practises: the whole blueprint or one domain."""

    id: str  # "all" or a domain id like "D3"
    title: str  # "Adaptive practice: whole blueprint" / "Adaptive practice: D3 <domain title>"
    objectives: tuple[str, ...]


def practice_targets(bank: Bank) -> list[PracticeTarget]:
    """The targets a course builder can pick: the whole blueprint first, then each domain in blueprint order."""
    domains = bank.blueprint.domains
    every = tuple(o.id for d in domains for o in d.objectives)
    targets = [PracticeTarget(PRACTICE_ALL, "Adaptive practice: whole blueprint", every)]
    targets += [PracticeTarget(d.id, f"Adaptive practice: {d.id} {d.title}", tuple(o.id for o in d.objectives))
                for d in domains]
    return targets


def find_target(bank: Bank, target_id: str) -> PracticeTarget:
    """The target with this id; KeyError naming the known ids when there is none."""
    targets = practice_targets(bank)
    for target in targets:
        if target.id == target_id:
            return target
    known = ", ".join(t.id for t in targets)
    raise KeyError(f"no practice target {target_id!r}; use one of: {known}")


def practice_pool(bank: Bank, target: PracticeTarget) -> tuple[Item, ...]:
    """Reviewed items the tool scores itself (no essays, no drafts) whose first objective is the target's, by id."""
    wanted = set(target.objectives)
    return tuple(sorted((i for i in bank.items
                         if i.status == "reviewed" and i.type.has_choices and i.primary_objective in wanted),
                        key=lambda i: i.id))


def eligible_items(pool: Sequence[Item], recent: Sequence[str], enemies: Sequence[EnemyGroup],
                   window: int) -> list[Item]:
    """The pool without the items answered in the last `window` questions and without any enemy of those items:
    the rule both the adaptive choice and a random draw follow."""
    last = list(recent[-window:]) if window > 0 else []
    blocked = set(last)
    groups_of = _enemy_index(tuple(enemies))
    for item_id in last:
        for group in groups_of.get(item_id, ()):
            blocked.update(group.items)
    return [item for item in pool if item.id not in blocked]


def need(mastery: Mastery) -> float:
    """How much an objective needs practice, lowest first: the lower confidence bound `mean - 2 * uncertainty`, low
    when the estimate is low or unsure. For lists such as "practise next"; `choose_next` orders by `doubt` instead
    (docs/mastery.md: asking questions in the order of this bound alone loses the estimates' accuracy)."""
    return mastery.mean - NEED_CONFIDENCE * mastery.uncertainty


def choose_next(pool: Sequence[Item], mastery: Mapping[str, Mastery], recent: Sequence[str],
                enemies: Sequence[EnemyGroup], window: int, rng: random.Random) -> Item | None:
    """The next practice question, or None when nothing is eligible.

    `recent` is the item ids the learner answered in this practice, oldest first. The objective is drawn with `rng`
    from `next_objectives`; then its item tagged with that objective alone before one shared with another objective
    (answered partly from the other), then the difficulty `_wanted_difficulty` names, then one never answered, or
    else answered longest ago; ties drawn with `rng`.
    """
    eligible = eligible_items(pool, recent, enemies, window)
    if not eligible:
        return None
    objective = _draw(rng, _next_objectives(pool, eligible, mastery, recent))
    wanted = _wanted_difficulty(mastery.get(objective) or prior(objective))
    last_seen = {item_id: n for n, item_id in enumerate(recent)}

    def preference(item: Item) -> tuple[int, int, int]:
        others = len(dict.fromkeys(item.objectives)) - 1
        return others, abs(DIFFICULTIES.index(item.difficulty) - wanted), last_seen.get(item.id, -1)

    candidates = [i for i in eligible if i.primary_objective == objective]
    best = min(preference(i) for i in candidates)
    return _draw(rng, sorted((i for i in candidates if preference(i) == best), key=lambda i: i.id))


def next_objectives(pool: Sequence[Item], mastery: Mapping[str, Mastery], recent: Sequence[str],
                    enemies: Sequence[EnemyGroup], window: int) -> list[str]:
    """The objectives the next question may come from, sorted (`choose_next` draws one of them); empty when no item
    is eligible.

    1. A weak objective comes back once: when the last question's objective is now below one half (more missed than
       right) and the question before was on another objective, that objective again, if it has an eligible item.
    2. Otherwise the most doubtful objectives (`doubt` within `DOUBT_BAND` of the largest), and of them the weakest
       (lowest mean). Doubt first, because asking where the estimate is least trustworthy is what makes the estimates
       accurate; the weakest of the about-equally doubtful, because that is what the learner needs to practise.
    """
    eligible = eligible_items(pool, recent, enemies, window)
    return _next_objectives(pool, eligible, mastery, recent) if eligible else []


def _next_objectives(pool: Sequence[Item], eligible: Sequence[Item], mastery: Mapping[str, Mastery],
                     recent: Sequence[str]) -> list[str]:
    open_objectives = {item.primary_objective for item in eligible}
    objective_of = {item.id: item.primary_objective for item in pool if item.id in recent[-2:]}
    last = objective_of.get(recent[-1]) if recent else None
    before = objective_of.get(recent[-2]) if len(recent) > 1 else None
    if last in open_objectives and last != before and (mastery.get(last) or prior(last)).mean < RETRY_BELOW:
        return [last]
    estimates = {o: mastery.get(o) or prior(o) for o in open_objectives}
    rate = overall_rate(mastery.values())
    doubts = {o: doubt(m, rate) for o, m in estimates.items()}
    most = max(doubts.values())
    doubtful = {o: estimates[o].mean for o, d in doubts.items() if d >= DOUBT_BAND * most}
    weakest = min(doubtful.values())
    return sorted(o for o, mean in doubtful.items() if mean <= weakest + _TIE)


def overall_rate(mastery: Iterable[Mastery]) -> float:
    """The learner's share of right answers over all objectives with evidence (the weighted, decayed counts that the
    estimates hold above the prior); 0.5 before any answer."""
    right = wrong = 0.0
    for m in mastery:
        if m.evidence:
            right += m.alpha - PRIOR_ALPHA
            wrong += m.beta - PRIOR_BETA
    return (PRIOR_ALPHA + right) / (PRIOR_ALPHA + PRIOR_BETA + right + wrong)


def doubt(mastery: Mastery, rate: float) -> float:
    """How far the objective's estimate is likely to be from the truth, 0..1.

    The root mean square distance between `mastery.mean` and a check estimate that starts from the learner's overall
    `rate` (as if `LEARNER_WEIGHT` answers) instead of the flat prior, and adds this objective's own answers: large
    when the objective has few answers (the check is wide), or when its answers disagree with the learner's other
    answers (the two means differ). It only orders the questions; the estimate shown is `mastery` itself.
    """
    a = LEARNER_WEIGHT * rate + mastery.alpha - PRIOR_ALPHA
    b = LEARNER_WEIGHT * (1.0 - rate) + mastery.beta - PRIOR_BETA
    check_mean = a / (a + b)
    check_variance = a * b / ((a + b) ** 2 * (a + b + 1.0))
    return math.sqrt((check_mean - mastery.mean) ** 2 + check_variance)


@lru_cache(maxsize=16)
def _enemy_index(enemies: tuple[EnemyGroup, ...]) -> dict[str, tuple[EnemyGroup, ...]]:
    """`groups_by_item`, kept for the few enemy lists a process holds (a bank has one): asked once per question."""
    return groups_by_item(enemies)


def _wanted_difficulty(mastery: Mastery) -> int:
    """The index in DIFFICULTIES of the difficulty to ask next on an objective: the one that suits the estimate
    (easy below 45%, hard from 75%) while it rests on fewer than `MASTERED_EVIDENCE` answers, moderate after.

    While the flat prior still holds a thin estimate near one half, a matched item's heavier weight on the likely
    answer (a miss on an easy item, a right answer on a hard one) moves it away from one half faster. Once there are
    several answers the estimate is mostly evidence, and a moderate item's answer (weight 1 either way) is a draw of
    exactly the chance the estimate is about, whereas an easy or hard item's answer is a draw of a higher or lower
    chance that the weights only roughly undo, so in the long run they leave the estimate off the truth.
    """
    if mastery.evidence < MASTERED_EVIDENCE:
        if mastery.mean < _EASY_BELOW:
            return DIFFICULTIES.index("easy")
        if mastery.mean >= _HARD_FROM:
            return DIFFICULTIES.index("hard")
    return DIFFICULTIES.index("moderate")


def _draw(rng: random.Random, options: list[_T]) -> _T:
    return options[0] if len(options) == 1 else options[rng.randrange(len(options))]
