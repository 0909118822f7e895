"""From a form to the ordered items a learner sees.

Two steps, both pure and seeded so that they repeat exactly: `form_items` picks the form's items (the explicit list,
or a seeded draw by its rules: the same bank and seed always give the same exam), and `delivery_order` shuffles
items and choices for one attempt (the same attempt seed gives the same order after a reload).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from item_bank.model import Bank, DrawRule, Form, FormRules, Item, ItemType


class FormUnsatisfiable(ValueError):
    """A draw rule asks for more items than the bank can give."""

    def __init__(self, rule: DrawRule, available: int) -> None:
        self.rule = rule
        self.available = available
        super().__init__(
            f"asks for {rule.count} items but the bank has {available} that match and are not drawn already"
        )


@dataclass(frozen=True)
class PresentedItem:
    item: Item
    choice_order: tuple[str, ...]


def draw(rules: FormRules, items: tuple[Item, ...] | list[Item]) -> list[Item]:
    """Draw items rule by rule without repeats; raise `FormUnsatisfiable` for the first rule that comes up short."""
    rng = random.Random(f"cps-form:{rules.seed}")
    pool = sorted(
        (i for i in items if rules.status == "any" or i.status == rules.status),
        key=lambda i: i.id,
    )
    taken: set[str] = set()
    chosen: list[Item] = []
    for rule in rules.draw:
        candidates = [i for i in pool if i.id not in taken and rule.matches(i)]
        if len(candidates) < rule.count:
            raise FormUnsatisfiable(rule, len(candidates))
        picked = sorted(rng.sample(candidates, rule.count), key=lambda i: i.id)
        taken.update(i.id for i in picked)
        chosen.extend(picked)
    return chosen


def form_items(form: Form, bank: Bank) -> list[Item]:
    """The form's items in their base order."""
    if form.rules is not None:
        return draw(form.rules, bank.items)
    return [bank.item(item_id) for item_id in form.items]


def form_points(form: Form, bank: Bank) -> float:
    return sum(i.points for i in form_items(form, bank))


def delivery_order(form: Form, items: list[Item], attempt_seed: str) -> list[PresentedItem]:
    """Items and choices as one attempt shows them; items that share a scenario stay together and in order."""
    ordered = list(items)
    if form.settings.shuffle_items:
        groups: dict[str, list[Item]] = {}
        for item in ordered:
            groups.setdefault(item.scenario or f"item:{item.id}", []).append(item)
        blocks = list(groups.values())
        random.Random(f"cps-attempt:{attempt_seed}:items").shuffle(blocks)
        ordered = [item for block in blocks for item in block]
    presented = []
    for item in ordered:
        order = [c.id for c in item.choices]
        if form.settings.shuffle_choices and item.type is not ItemType.TRUE_FALSE:
            random.Random(f"cps-attempt:{attempt_seed}:{item.id}").shuffle(order)
        presented.append(PresentedItem(item, tuple(order)))
    return presented
