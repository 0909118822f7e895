"""Enemy items: items that must not stand on one form, because one answers another or both ask the same thing.

The groups come from the bank's `enemies.yaml` (read by `item_bank.load`); each group allows at most one of its items
on any form. `assemble.draw` keeps drawn forms free of enemies and the loader refuses fixed forms that hold two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from item_bank.model import EnemyGroup


def groups_by_item(groups: Iterable[EnemyGroup]) -> dict[str, tuple[EnemyGroup, ...]]:
    """Every item id that is in a group -> the groups that hold it, in file order."""
    index: dict[str, list[EnemyGroup]] = {}
    for group in groups:
        for item_id in dict.fromkeys(group.items):
            index.setdefault(item_id, []).append(group)
    return {item_id: tuple(gs) for item_id, gs in index.items()}


def enemy_pairs(item_ids: Sequence[str], groups: Iterable[EnemyGroup]) -> list[tuple[EnemyGroup, int, int]]:
    """Pairs of positions in `item_ids` whose items share a group: (group, earlier position, later position).

    Each later item is paired once per group, with the first earlier item of that group.
    """
    index = groups_by_item(groups)
    first: dict[str, int] = {}
    pairs = []
    for n, item_id in enumerate(item_ids):
        for group in index.get(item_id, ()):
            if group.id in first and item_ids[first[group.id]] != item_id:
                pairs.append((group, first[group.id], n))
            first.setdefault(group.id, n)
    return pairs


def are_enemies(a: str, b: str, groups: Iterable[EnemyGroup]) -> bool:
    return a != b and any(a in g.items and b in g.items for g in groups)


def describe(group: EnemyGroup) -> str:
    """`id (item, item, ...)` for messages."""
    return f"{group.id} ({', '.join(group.items)})"
