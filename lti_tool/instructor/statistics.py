"""The statistics of one resource link: its submitted attempts scored, handed to `item_bank.item_analysis`.

Only this link's submitted attempts of the link's form count, with the item versions they were given and the scores
stored for them (choice items as scored at submission or regraded, essays as graded); an essay not graded yet and a
dropped item are left out of the item statistics, and an attempt still waiting for grading is left out of the score
distribution (the page says how many).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from item_bank.assemble import form_items
from item_bank.item_analysis import ItemStatistics, ScoreBin, ScoredResponse, item_statistics, score_distribution
from item_bank.markup import to_plain_text
from item_bank.model import Bank, Form, Item
from lti_tool.delivery.attempt_pins import version_of
from lti_tool.delivery.models import SUBMITTED, Attempt

EXCERPT_CHARS = 90
OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@dataclass(frozen=True)
class OptionRow:
    letter: str
    text: str
    correct: bool
    count: int


@dataclass(frozen=True)
class ItemRow:
    """One item's statistics with what an instructor needs to recognise it."""

    position: int
    item: Item
    excerpt: str
    stats: ItemStatistics | None
    options: tuple[OptionRow, ...]


@dataclass(frozen=True)
class LinkStatistics:
    items: list[ItemRow]
    distribution: list[ScoreBin]
    scored_attempts: int
    waiting_for_grading: int


def scored_responses(db: Session, form: Form, resource_link_id: int) -> tuple[list[ScoredResponse], list[float],
                                                                              int, dict[str, Item]]:
    """(responses of the submitted attempts as stored, their totals in percent, attempts waiting for grading, and
    the item versions those attempts were given, by item id, in the order they were first presented)."""
    query = (select(Attempt).where(Attempt.resource_link_id == resource_link_id, Attempt.status == SUBMITTED,
                                   Attempt.form_id == form.id)
             .options(selectinload(Attempt.pinned)).order_by(Attempt.id))
    responses: list[ScoredResponse] = []
    percentages: list[float] = []
    items: dict[str, Item] = {}
    waiting = 0
    for attempt in db.scalars(query):
        for row in attempt.pinned:
            if row.item_id not in items:
                items[row.item_id] = version_of(db.connection(), row.content_hash)[0]
            if row.pending or row.dropped or row.score is None:
                continue
            responses.append(ScoredResponse(str(attempt.id), row.item_id, row.score, row.max_score or 0.0,
                                            tuple(row.response or ())))
        if attempt.pending_manual:
            waiting += 1
        elif attempt.score_maximum:
            percentages.append(min(100.0, 100.0 * (attempt.score or 0.0) / attempt.score_maximum))
    return responses, percentages, waiting, items


def link_statistics(db: Session, bank: Bank, form: Form, resource_link_id: int, bins: int = 10) -> LinkStatistics:
    """Item statistics from the stored scores of the link's attempts, over the item versions they were given
    (before anyone submits: the form's items in today's bank, with no figures)."""
    responses, percentages, waiting, pinned = scored_responses(db, form, resource_link_id)
    items = list(pinned.values()) if pinned else form_items(form, bank)
    stats = {s.item_id: s for s in item_statistics(responses, {i.id: [c.id for c in i.choices] for i in items})}
    rows = []
    for position, item in enumerate(items, start=1):
        found = stats.get(item.id)
        counts = found.option_counts if found else {}
        options = tuple(OptionRow(OPTION_LETTERS[n], _excerpt(c.text), c.correct, counts.get(c.id, 0))
                        for n, c in enumerate(item.choices))
        rows.append(ItemRow(position, item, _excerpt(item.stem), found, options))
    return LinkStatistics(rows, score_distribution(percentages, bins), len(percentages), waiting)


def _excerpt(text: str) -> str:
    plain = " ".join(to_plain_text(text).split())
    return plain if len(plain) <= EXCERPT_CHARS else plain[:EXCERPT_CHARS - 1].rstrip() + "…"
