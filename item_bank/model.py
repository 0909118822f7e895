"""The item bank's types: what an item, a scenario, a form and the blueprint are.

Instances are only built by `item_bank.load` after validation, so code that receives them can trust them.
They are frozen so that a loaded bank can be shared between threads and requests without copying; items and
choices, of which a bank holds tens of thousands, also use slots to keep a large bank small in memory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class ItemType(StrEnum):
    SINGLE_CHOICE = "single_choice"
    MULTIPLE_RESPONSE = "multiple_response"
    TRUE_FALSE = "true_false"
    EXTENDED_TEXT = "extended_text"

    @property
    def has_choices(self) -> bool:
        return self is not ItemType.EXTENDED_TEXT


class ScoringRule(StrEnum):
    """How a multiple-response item turns chosen options into points."""

    ALL_OR_NOTHING = "all_or_nothing"
    PARTIAL = "partial"


class FeedbackPolicy(StrEnum):
    NEVER = "never"
    AFTER_SUBMIT = "after_submit"
    AFTER_DUE = "after_due"


class GradingPolicy(StrEnum):
    """Which of a learner's attempts make the score the gradebook keeps (`item_bank.grading_policy`)."""

    HIGHEST = "highest"
    LATEST = "latest"
    FIRST = "first"
    AVERAGE = "average"


COGNITIVE_LEVELS = ("recall", "comprehension", "application")
DIFFICULTIES = ("easy", "moderate", "hard")
STATUSES = ("draft", "reviewed")


@dataclass(frozen=True, slots=True)
class Choice:
    id: str
    text: str
    correct: bool
    rationale: str


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    type: ItemType
    status: str
    revision: int
    domain: str
    objectives: tuple[str, ...]
    cognitive_level: str
    difficulty: str
    points: float
    stem: str
    feedback: str
    sources: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    scenario: str | None = None
    scoring_rule: ScoringRule | None = None
    jurisdiction: str | None = None
    law_as_of: date | None = None
    rubric: str | None = None
    grader_notes: str | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    reviewer: str | None = None
    notes: str | None = None
    file: str = ""
    line: int = 0

    @property
    def keys(self) -> tuple[Choice, ...]:
        return tuple(c for c in self.choices if c.correct)

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.choices if c.correct)

    def choice(self, choice_id: str) -> Choice:
        for c in self.choices:
            if c.id == choice_id:
                return c
        raise KeyError(choice_id)

    @property
    def primary_objective(self) -> str:
        return self.objectives[0]


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    text: str
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Objective:
    id: str
    text: str


@dataclass(frozen=True)
class Domain:
    id: str
    title: str
    weight: int
    objectives: tuple[Objective, ...]


@dataclass(frozen=True)
class RubricDimension:
    id: str
    title: str
    full_credit: str


@dataclass(frozen=True)
class Rubric:
    id: str
    title: str
    levels: int
    dimensions: tuple[RubricDimension, ...]

    @property
    def max_points(self) -> int:
        return self.levels * len(self.dimensions)


@dataclass(frozen=True)
class Blueprint:
    domains: tuple[Domain, ...]
    sources: dict[str, str]
    rubrics: dict[str, Rubric]

    def domain(self, domain_id: str) -> Domain:
        for d in self.domains:
            if d.id == domain_id:
                return d
        raise KeyError(domain_id)

    @property
    def objectives(self) -> dict[str, Objective]:
        return {o.id: o for d in self.domains for o in d.objectives}

    @property
    def total_weight(self) -> int:
        return sum(d.weight for d in self.domains)


@dataclass(frozen=True)
class DrawRule:
    """Draw `count` reviewed items matching every filter that is set."""

    count: int
    domain: str | None = None
    objectives: tuple[str, ...] = ()
    types: tuple[ItemType, ...] = ()
    scenario: str | None = None
    cognitive_levels: tuple[str, ...] = ()
    line: int = 0

    def matches(self, item: Item) -> bool:
        return (
            (self.domain is None or item.domain == self.domain)
            and (not self.objectives or item.primary_objective in self.objectives)
            and (not self.types or item.type in self.types)
            and (self.scenario is None or item.scenario == self.scenario)
            and (not self.cognitive_levels or item.cognitive_level in self.cognitive_levels)
        )


@dataclass(frozen=True)
class FormRules:
    seed: int
    draw: tuple[DrawRule, ...]
    status: str = "reviewed"


@dataclass(frozen=True)
class DeliverySettings:
    time_limit_minutes: int | None = None
    attempts_allowed: int = 1
    shuffle_items: bool = False
    shuffle_choices: bool = False
    feedback: FeedbackPolicy = FeedbackPolicy.AFTER_SUBMIT
    passing_score: float = 70.0
    multiple_response_scoring: ScoringRule = ScoringRule.PARTIAL
    grading_policy: GradingPolicy = GradingPolicy.HIGHEST


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    description: str = ""
    items: tuple[str, ...] = ()
    rules: FormRules | None = None
    settings: DeliverySettings = field(default_factory=DeliverySettings)
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class EnemyGroup:
    """Items that must not share a form (one answers another, or both ask the same thing): at most one per form."""

    id: str
    reason: str
    items: tuple[str, ...]
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class Bank:
    blueprint: Blueprint
    items: tuple[Item, ...]
    scenarios: dict[str, Scenario]
    forms: tuple[Form, ...]
    root: str = ""
    enemies: tuple[EnemyGroup, ...] = ()

    def item(self, item_id: str) -> Item:
        return self._index[item_id]

    def form(self, form_id: str) -> Form:
        for f in self.forms:
            if f.id == form_id:
                return f
        raise KeyError(form_id)

    @property
    def _index(self) -> dict[str, Item]:
        index = self.__dict__.get("_item_index")
        if index is None:
            index = {i.id: i for i in self.items}
            object.__setattr__(self, "_item_index", index)
        return index
