"""The statistics of one resource link: its submitted attempts scored, handed to `item_bank.item_analysis`.

Only this link's submitted attempts of the link's form count. Choice items are scored by `item_bank.scoring` (as
at submission), essays by the instructor's grade; an essay not graded yet is left out of the item statistics,
and an attempt still waiting for grading is left out of the score distribution (the page says how many).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from item_bank.assemble import form_items
from item_bank.item_analysis import ItemStatistics, ScoreBin, ScoredResponse, item_statistics, score_distribution
from item_bank.markup import to_plain_text
from item_bank.model import Bank, Form, Item
from lti_tool import attempts as attempt_logic
from lti_tool.attempt_models import SUBMITTED, Attempt
from lti_tool.instructor_grading import graded_scores, grades_of

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


def scored_responses(db: Session, bank: Bank, form: Form, resource_link_id: int) -> tuple[list[ScoredResponse],
                                                                                          list[float], int]:
    """(responses of the submitted attempts, their total scores in percent, attempts waiting for grading)."""
    query = (select(Attempt).where(Attempt.resource_link_id == resource_link_id, Attempt.status == SUBMITTED,
                                   Attempt.form_id == form.id)
             .options(selectinload(Attempt.responses)).order_by(Attempt.id))
    responses: list[ScoredResponse] = []
    percentages: list[float] = []
    waiting = 0
    for attempt in db.scalars(query):
        answers = attempt_logic.answers_of(attempt)
        scores = graded_scores(bank, form, attempt, grades_of(db, attempt.id))
        for score in scores:
            if score.pending:
                continue
            saved = answers.get(score.item_id)
            chosen = tuple(saved.choice_ids or ()) if saved is not None else ()
            responses.append(ScoredResponse(str(attempt.id), score.item_id, float(score.score),
                                            float(score.max_score), chosen))
        if any(s.pending for s in scores):
            waiting += 1
        elif attempt.score_maximum:
            percentages.append(min(100.0, 100.0 * float(sum(s.score for s in scores)) / attempt.score_maximum))
    return responses, percentages, waiting


def link_statistics(db: Session, bank: Bank, form: Form, resource_link_id: int, bins: int = 10) -> LinkStatistics:
    responses, percentages, waiting = scored_responses(db, bank, form, resource_link_id)
    items = form_items(form, bank)
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
