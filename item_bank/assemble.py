"""From a form to the ordered items a learner sees.

Two steps, both pure and seeded so that they repeat exactly: `form_items` picks the form's items (the explicit list,
or a seeded draw by its rules: the same bank and seed always give the same exam), and `delivery_order` shuffles
items and choices for one attempt (the same attempt seed gives the same order after a reload).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from item_bank.enemies import describe, groups_by_item
from item_bank.model import Bank, DrawRule, EnemyGroup, Form, FormRules, Item, ItemType, Scenario

_SEARCH_STEPS = 200_000  # the exact search behind a tight draw stops here (a bank of thousands needs far fewer)


class FormUnsatisfiable(ValueError):
    """A draw rule asks for more items than the bank can give, or than can share a form without enemies."""

    def __init__(self, rule: DrawRule, available: int, drawable: int | None = None,
                 blocking: Iterable[EnemyGroup] = ()) -> None:
        self.rule = rule
        self.available = available
        self.drawable = available if drawable is None else drawable
        self.blocking = tuple(blocking)
        if self.blocking and self.drawable < rule.count:
            message = (f"asks for {rule.count} items but only {self.drawable} of the {available} that match and are "
                       f"not drawn already can share a form; these enemy groups block the rest: "
                       + "; ".join(describe(g) for g in self.blocking))
            self.fix = ("lower its count, add items, or take an item out of a group in enemies.yaml if it does not "
                        "in fact answer the others")
        else:
            message = f"asks for {rule.count} items but the bank has {available} that match and are not drawn already"
            self.fix = "lower its count or add items"
        super().__init__(message)


@dataclass(frozen=True)
class PresentedItem:
    """One item as an attempt shows it: the item, its choices in this attempt's order, and its case if any."""

    item: Item
    choice_order: tuple[str, ...]
    scenario: Scenario | None = None


def draw(rules: FormRules, items: tuple[Item, ...] | list[Item], enemies: Iterable[EnemyGroup] = ()) -> list[Item]:
    """Draw items rule by rule without repeats and without two items of one enemy group; raise `FormUnsatisfiable`
    for the first rule that comes up short.

    Each rule takes a seeded sample of its candidates. When a sampled item's enemy is already on the form, another
    candidate is drawn in its place; if none is left, an exact search looks for any enemy-free set of the rule's
    size before the rule is declared unsatisfiable. A sample that meets no enemy is kept as it is, so a bank
    without enemies draws exactly as it always has.
    """
    rng = random.Random(f"cps-form:{rules.seed}")
    pool = sorted(
        (i for i in items if rules.status == "any" or i.status == rules.status),
        key=lambda i: i.id,
    )
    groups_of = groups_by_item(enemies)
    taken: set[str] = set()
    on_form: set[str] = set()  # ids of the enemy groups that already have an item on the form
    chosen: list[Item] = []
    for rule in rules.draw:
        candidates = [i for i in pool if i.id not in taken and rule.matches(i)]
        if len(candidates) < rule.count:
            raise FormUnsatisfiable(rule, len(candidates))
        picked = rng.sample(candidates, rule.count)
        if groups_of:
            picked = _without_enemies(rng, rule, candidates, picked, on_form, groups_of)
        picked = sorted(picked, key=lambda i: i.id)
        taken.update(i.id for i in picked)
        on_form.update(g.id for i in picked for g in groups_of.get(i.id, ()))
        chosen.extend(picked)
    return chosen


def _without_enemies(rng: random.Random, rule: DrawRule, candidates: list[Item], sampled: list[Item],
                     on_form: set[str], groups_of: dict[str, tuple[EnemyGroup, ...]]) -> list[Item]:
    """The sample in its drawn order, with each item whose enemy is already on the form replaced by another draw."""
    taken_groups = set(on_form)

    def free(item: Item) -> bool:
        return not any(g.id in taken_groups for g in groups_of.get(item.id, ()))

    sampled_ids = {i.id for i in sampled}
    unsampled = [i for i in candidates if i.id not in sampled_ids]
    kept: list[Item] = []
    for item in sampled:
        if not free(item):
            eligible = [i for i in unsampled if free(i)]
            if not eligible:
                return _exact_draw(rng, rule, candidates, on_form, groups_of)
            item = eligible[rng.randrange(len(eligible))]
            unsampled.remove(item)
        kept.append(item)
        taken_groups.update(g.id for g in groups_of.get(item.id, ()))
    return kept


def _exact_draw(rng: random.Random, rule: DrawRule, candidates: list[Item], on_form: set[str],
                groups_of: dict[str, tuple[EnemyGroup, ...]]) -> list[Item]:
    """A tight pool: search for `rule.count` candidates without enemies, or raise naming the groups in the way.

    Candidates whose group is already on the form are out. Of the rest, the "loose" ones share no group with another
    candidate and can always be taken; the search runs over the others ("tied"), in a seeded order.
    """
    def groups(item: Item) -> tuple[EnemyGroup, ...]:
        return groups_of.get(item.id, ())

    free = [i for i in candidates if not any(g.id in on_form for g in groups(i))]
    members = Counter(g.id for i in free for g in groups(i))
    clashing = {gid for gid, n in members.items() if n > 1}
    tied = [i for i in free if any(g.id in clashing for g in groups(i))]
    loose = [i for i in free if not any(g.id in clashing for g in groups(i))]
    need = max(rule.count - len(loose), 0)
    order = rng.sample(tied, len(tied))
    found = _largest_enemy_free(order, need, clashing, groups_of)
    if len(found) < need:
        most = _largest_enemy_free(order, len(order), clashing, groups_of)
        blocking: dict[str, EnemyGroup] = {}
        for item in candidates:
            for g in groups(item):
                if g.id in on_form or g.id in clashing:
                    blocking.setdefault(g.id, g)
        raise FormUnsatisfiable(rule, len(candidates), len(loose) + len(most), blocking.values())
    return found + rng.sample(loose, rule.count - len(found))


def _largest_enemy_free(order: list[Item], target: int, clashing: set[str],
                        groups_of: dict[str, tuple[EnemyGroup, ...]]) -> list[Item]:
    """The first set of `target` items of `order` without two of one group (depth first, in order), or the largest
    such set when there is none. Each group is a clique, so the groups left bound how many more items can join."""
    best: list[Item] = []
    steps = 0

    def group_ids(item: Item) -> list[str]:
        return [g.id for g in groups_of.get(item.id, ()) if g.id in clashing]

    def walk(start: int, chosen: list[Item], used: frozenset[str]) -> bool:
        nonlocal best, steps
        if len(chosen) > len(best):
            best = list(chosen)
        if len(best) >= target:
            return True
        steps += 1
        if steps > _SEARCH_STEPS:
            return True
        rest = [n for n in range(start, len(order)) if not used.intersection(group_ids(order[n]))]
        if len(chosen) + len({group_ids(order[n])[0] for n in rest}) <= len(best):
            return False
        for n in rest:
            chosen.append(order[n])
            if walk(n + 1, chosen, used.union(group_ids(order[n]))):
                return True
            chosen.pop()
        return False

    walk(0, [], frozenset())
    return best


def form_items(form: Form, bank: Bank) -> list[Item]:
    """The form's items in their base order."""
    if form.rules is not None:
        return draw(form.rules, bank.items, bank.enemies)
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
