"""The course's mastery heat map: learners × objectives of one course (LTI context), the class's weakest objectives
first, sorted by learner name or by any objective; the same rows make its CSV.

Read from the stored mastery (`delivery.mastery_store.course_mastery`), never recomputed here. A column is an
objective that at least one learner of the course has answered, ordered by the class mean (over the learners who
answered it) from lowest to highest, so the objectives the class most needs are on the left; objectives nobody has
answered yet are listed apart rather than as empty columns. A learner with no answer on an objective has an empty
cell ("not started"), which sorts last in either direction. Names follow what the LMS shares (`lti.learner_names`):
the name from a launch, else "Learner <id> (name not shared by the LMS)".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.mastery import Mastery
from item_bank.model import Blueprint, Objective
from lti_tool.delivery.mastery_store import course_mastery
from lti_tool.instructor.csv_export import csv_text
from lti_tool.lti.learner_names import display_name
from lti_tool.lti.models import User

SORT_BY_NAME = "name"
ASCENDING, DESCENDING = "asc", "desc"


@dataclass(frozen=True)
class ObjectiveColumn:
    """One objective of the table, with the class's mean over the learners who answered it."""

    id: str
    text: str
    class_mean: float
    learners: int

    @property
    def class_percent(self) -> int:
        return round(100 * self.class_mean)


@dataclass(frozen=True)
class LearnerRow:
    """One learner: a cell per column, None where they have not answered that objective yet."""

    user_id: int
    name: str
    platform_user_id: str
    cells: tuple[Mastery | None, ...]


@dataclass(frozen=True)
class HeatMap:
    columns: tuple[ObjectiveColumn, ...]
    rows: tuple[LearnerRow, ...]
    unanswered: tuple[Objective, ...]
    sort: str
    direction: str

    def aria_sort(self, key: str) -> str | None:
        """The `aria-sort` value of a column header: set on the column the rows are sorted by only."""
        if key != self.sort:
            return None
        return "ascending" if self.direction == ASCENDING else "descending"

    def next_direction(self, key: str) -> str:
        """The direction a header's link sorts by: the other way when the table is already sorted by it."""
        return DESCENDING if key == self.sort and self.direction == ASCENDING else ASCENDING


def heat_map(db: Session, context_id: int, blueprint: Blueprint, sort: str = SORT_BY_NAME,
             direction: str = ASCENDING) -> HeatMap:
    """The table for one course. An unknown `sort` (an objective no one answered, a stale bookmark) sorts by name;
    an unknown `direction` is ascending."""
    objectives = blueprint.objectives
    by_user = course_mastery(db, context_id, objectives)
    columns = class_columns(by_user, objectives)
    users = {u.id: u for u in db.scalars(select(User).where(User.id.in_(list(by_user))))} if by_user else {}
    rows = [LearnerRow(user_id, display_name(users[user_id].name, users[user_id].sub), users[user_id].sub,
                       tuple(_answered(mastery.get(c.id)) for c in columns))
            for user_id, mastery in by_user.items() if user_id in users]
    keys = [c.id for c in columns]
    sort = sort if sort in keys else SORT_BY_NAME
    direction = direction if direction in (ASCENDING, DESCENDING) else ASCENDING
    shown = {c.id for c in columns}
    return HeatMap(tuple(columns), tuple(sorted_rows(rows, keys, sort, direction)),
                   tuple(o for o in objectives.values() if o.id not in shown), sort, direction)


def class_columns(by_user: Mapping[int, Mapping[str, Mastery]],
                  objectives: Mapping[str, Objective]) -> list[ObjectiveColumn]:
    """The objectives someone answered, lowest class mean first (ties in blueprint order)."""
    columns = []
    for objective in objectives.values():
        answered = [m for m in (one.get(objective.id) for one in by_user.values()) if _answered(m)]
        if answered:
            mean = sum(m.mean for m in answered) / len(answered)
            columns.append(ObjectiveColumn(objective.id, objective.text, mean, len(answered)))
    order = {objective_id: index for index, objective_id in enumerate(objectives)}
    return sorted(columns, key=lambda c: (c.class_mean, order[c.id]))


def sorted_rows(rows: Sequence[LearnerRow], keys: Sequence[str], sort: str, direction: str) -> list[LearnerRow]:
    """By name (then platform id), or by one objective's mean with the learners who have not answered it last."""
    by_name = sorted(rows, key=lambda r: (r.name.casefold(), r.platform_user_id))
    descending = direction == DESCENDING
    if sort == SORT_BY_NAME:
        return list(reversed(by_name)) if descending else by_name
    at = keys.index(sort)
    answered = [r for r in by_name if r.cells[at] is not None]
    waiting = [r for r in by_name if r.cells[at] is None]
    return sorted(answered, key=lambda r: r.cells[at].mean, reverse=descending) + waiting


def heatmap_csv(heat: HeatMap) -> str:
    """The table's rows as CSV, in the table's order: per objective the estimate in percent, the level in words and
    the number of answers (empty where the learner has not answered it). Cells are formula-safe (csv_export)."""
    header = ["learner", "platform_user_id"]
    for column in heat.columns:
        header += [f"{column.id} percent", f"{column.id} level", f"{column.id} answers"]
    return csv_text(header, ([row.name, row.platform_user_id, *_csv_cells(row)] for row in heat.rows))


def _csv_cells(row: LearnerRow) -> list[object]:
    cells: list[object] = []
    for mastery in row.cells:
        cells += ["", "", ""] if mastery is None else [round(100 * mastery.mean), mastery.level.short_label.lower(),
                                                       mastery.evidence]
    return cells


def _answered(mastery: Mastery | None) -> Mastery | None:
    return mastery if mastery is not None and mastery.evidence > 0 else None
