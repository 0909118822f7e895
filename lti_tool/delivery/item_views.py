"""What a page may show about an item: the question while answering, and the feedback after submission.

Templates only ever receive these views, never an `Item`: a question view has no `correct` flag, no rationale
and no feedback, so a key cannot leak into the learner's HTML before submission, whatever a template does.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from item_bank.assemble import PresentedItem
from item_bank.markup import to_html, to_inline_html
from item_bank.model import ItemType
from item_bank.scoring import ItemScore
from lti_tool.delivery.graded_feedback import graded_essay_feedback

INPUT_KIND = {
    ItemType.SINGLE_CHOICE: "radio",
    ItemType.TRUE_FALSE: "radio",
    ItemType.MULTIPLE_RESPONSE: "checkbox",
    ItemType.EXTENDED_TEXT: "essay",
}


@dataclass(frozen=True)
class OptionView:
    id: str
    label: Markup


@dataclass(frozen=True)
class ScenarioView:
    title: str
    text: Markup


@dataclass(frozen=True)
class QuestionView:
    """One item as the learner answers it: stem and options in this attempt's order, nothing more."""

    number: int
    item_id: str
    kind: str
    stem: Markup
    options: tuple[OptionView, ...]
    points: float
    scenario: ScenarioView | None


@dataclass(frozen=True)
class OptionFeedback:
    id: str
    label: Markup
    chosen: bool
    correct: bool
    rationale: Markup


@dataclass(frozen=True)
class FeedbackView:
    """One item after submission: the learner's answer, the keys, every option's rationale and the score."""

    number: int
    stem: Markup
    kind: str
    options: tuple[OptionFeedback, ...]
    essay: str | None
    feedback: Markup
    score: float
    max_score: float
    pending: bool
    scenario: ScenarioView | None


def question_view(presented: PresentedItem, number: int) -> QuestionView:
    item = presented.item
    choices = {c.id: c for c in item.choices}
    options = tuple(OptionView(cid, Markup(to_inline_html(choices[cid].text))) for cid in presented.choice_order)
    return QuestionView(number, item.id, INPUT_KIND[item.type], Markup(to_html(item.stem)), options, item.points,
                        _scenario(presented))


def feedback_view(presented: PresentedItem, number: int, score: ItemScore,
                  chosen: list[str], essay: str | None) -> FeedbackView:
    item = presented.item
    choices = {c.id: c for c in item.choices}
    options = tuple(
        OptionFeedback(cid, Markup(to_inline_html(choices[cid].text)), cid in chosen, choices[cid].correct,
                       Markup(to_inline_html(choices[cid].rationale)))
        for cid in presented.choice_order
    )
    feedback = item.feedback
    if item.type is ItemType.EXTENDED_TEXT and not score.pending:
        feedback = graded_essay_feedback(feedback)
    return FeedbackView(number, Markup(to_html(item.stem)), INPUT_KIND[item.type], options, essay,
                        Markup(to_html(feedback)), score.points, float(score.max_score), score.pending,
                        _scenario(presented))


def _scenario(presented: PresentedItem) -> ScenarioView | None:
    """The case as the attempt pinned it."""
    scenario = presented.scenario
    if scenario is None:
        return None
    return ScenarioView(scenario.title, Markup(to_html(scenario.text)))
