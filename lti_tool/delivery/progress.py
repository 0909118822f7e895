"""What the learner's "My progress" page shows: their mastery per domain and per objective in the blueprint's own
words, and the one to three objectives to practise next.

Built from the stored mastery of one learner in one course (`mastery_store.learner_mastery`); pure otherwise. What
to practise next: the objectives they have answered but not mastered, the most in need first (by the adaptive
practice's own measure, `item_bank.practice.need`: low and uncertain estimates first); when fewer than the wanted
number, the first objectives they have not started, in blueprint order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from item_bank.mastery import Mastery, MasteryLevel, prior
from item_bank.model import Blueprint
from item_bank.practice import need

PRACTISE_NEXT = 3


@dataclass(frozen=True)
class ObjectiveProgress:
    id: str
    text: str
    mastery: Mastery

    @property
    def percent(self) -> int:
        return round(100 * self.mastery.mean)

    @property
    def level(self) -> MasteryLevel:
        return self.mastery.level

    @property
    def started(self) -> bool:
        return self.mastery.evidence > 0


@dataclass(frozen=True)
class DomainProgress:
    id: str
    title: str
    objectives: tuple[ObjectiveProgress, ...]

    @property
    def started(self) -> tuple[ObjectiveProgress, ...]:
        return tuple(o for o in self.objectives if o.started)

    @property
    def percent(self) -> int | None:
        """The average estimate over the objectives answered so far; None before any answer in the domain."""
        started = self.started
        return round(sum(o.percent for o in started) / len(started)) if started else None

    @property
    def summary(self) -> str:
        """The domain in words: how many objectives sit at each level, highest first ("2 mastered, 5 not started")."""
        counts = {level: 0 for level in reversed(MasteryLevel)}
        for objective in self.objectives:
            counts[objective.level] += 1
        return ", ".join(f"{count} {level.short_label.lower()}" for level, count in counts.items() if count)


@dataclass(frozen=True)
class LearnerProgress:
    domains: tuple[DomainProgress, ...]
    practise_next: tuple[ObjectiveProgress, ...]

    @property
    def answered(self) -> bool:
        return any(d.started for d in self.domains)


def learner_progress(blueprint: Blueprint, mastery: Mapping[str, Mastery],
                     focus: Iterable[str] | None = None) -> LearnerProgress:
    """Every domain and objective of the blueprint with the learner's mastery (the prior where none is stored); what
    to practise next is chosen among `focus` (a practice link's objectives) when given, else the whole blueprint."""
    domains = tuple(
        DomainProgress(d.id, d.title, tuple(ObjectiveProgress(o.id, o.text, mastery.get(o.id) or prior(o.id))
                                            for o in d.objectives))
        for d in blueprint.domains)
    every = [o for d in domains for o in d.objectives]
    wanted = set(focus) if focus is not None else None
    candidates = [o for o in every if wanted is None or o.id in wanted]
    return LearnerProgress(domains, tuple(practise_next(candidates)))


def practise_next(objectives: Sequence[ObjectiveProgress], count: int = PRACTISE_NEXT) -> list[ObjectiveProgress]:
    """Answered and not mastered, the most in need first; then not started, in the order given."""
    answered = [o for o in objectives if o.started and o.level is not MasteryLevel.MASTERED]
    answered.sort(key=lambda o: need(o.mastery))
    fresh = [o for o in objectives if not o.started]
    return (answered + fresh)[:count]
