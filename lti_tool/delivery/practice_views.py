"""The learner's practice pages (blueprint `practice`, under /practice): one question at a time, immediate feedback
with every option's rationale, then the next question or their progress.

A practice link's launch answers with its current question itself (`delivery.views` hands the launch over here);
the page then replaces its address with the question's own (`/practice/questions/<id>`), so a reload is a GET of
the same pinned question. Answering posts to that address and redirects back to it (post/redirect/get), where the
answered question shows its feedback. Every route runs under `require_launch` (launch token; CSRF on POST) and
reaches a question only through `practice.own_question`, the launching learner's own at the launching link.
"""

from __future__ import annotations

from fractions import Fraction
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, g, redirect, render_template, request

from item_bank.assemble import PresentedItem
from item_bank.mastery import Mastery
from item_bank.model import Bank
from item_bank.scoring import ItemScore
from lti_tool.delivery import attempt_pins as pins
from lti_tool.delivery import practice
from lti_tool.delivery.first_page import answer_launch
from lti_tool.delivery.item_views import feedback_view, question_view
from lti_tool.delivery.mastery_store import learner_mastery
from lti_tool.delivery.models import Attempt, AttemptItem, scores_queued
from lti_tool.lti.launch_context import LAUNCH_PARAM, launch_url, require_launch
from lti_tool.lti.models import LaunchSession
from lti_tool.web.bank_access import current_bank
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

bp = Blueprint("practice", __name__, url_prefix="/practice")
PROGRESS_PATH = "/progress"


def land_from_launch(launch: LaunchSession) -> Response | tuple:
    """The practice link's first page as the launch's own response: the learner's current question. A problem page
    is left to /practice/start, so the launch itself is still answered as accepted."""
    return answer_launch(launch, _land, "practice.start")


@bp.get("/start")
@require_launch()
def start():
    """The learner's current question: the one they have open, or the next one chosen for them."""
    return _land()


@bp.post("/next")
@require_launch()
def next_question():
    """After the feedback: the next question (a second press of the button finds the same open question)."""
    return _land()


@bp.get("/questions/<int:row_id>")
@require_launch()
def question(row_id: int):
    """The question while it is open; once answered, its feedback."""
    link, problem = _link()
    if problem:
        return problem
    found = practice.own_question(get_session(), g.launch, row_id)
    if found is None:
        return _not_yours()
    return _page(link, *found)


@bp.post("/questions/<int:row_id>")
@require_launch()
def answer(row_id: int):
    """Check the answer: scored once (a second post of the same question changes nothing), then its feedback."""
    link, problem = _link()
    if problem:
        return problem
    db = get_session()
    found = practice.own_question(db, g.launch, row_id)
    if found is None:
        return _not_yours()
    row, attempt = found
    if row.score is None:
        try:
            outcome = practice.answer(db, current_bank(), g.launch, link, row, request.form.getlist("answer"))
        except practice.PracticeRefused as exc:
            return _page(link, row, attempt, problem=str(exc)), 400
        if outcome.queued is not None or outcome.followed:
            scores_queued.send(current_app._get_current_object())
    return redirect(launch_url("practice.question", row_id=row.id), 303)


def _land(render_first: bool = False):
    link, problem = _link()
    if problem:
        return problem
    db = get_session()
    try:
        row = practice.current_question(db, current_bank(), g.launch, link)
    except practice.PracticeRefused as exc:
        return refusal(409, "No question right now", str(exc), "Reload the page to go on.")
    if row is None:
        return render_template("practice/nothing_left.html", link=link, progress_url=progress_url())
    address = launch_url("practice.question", row_id=row.id)
    if not render_first:
        return redirect(address, 303)
    attempt = db.get(Attempt, row.attempt_id)
    return _page(link, row, attempt, page_url=address), 200, {"Cache-Control": "no-store"}


def _page(link: practice.PracticeLink, row: AttemptItem, attempt: Attempt, *, problem: str | None = None,
          page_url: str | None = None) -> str:
    """The question (open) or its feedback (answered), with what it practises in the blueprint's words."""
    db = get_session()
    bank = current_bank()
    item, scenario = pins.version_of(db.connection(), row.content_hash)
    presented = PresentedItem(item, tuple(row.choice_order), scenario)
    number = practice.question_number(db, row, attempt)
    objectives = _objective_texts(bank, item.objectives)
    common = dict(link=link, number=number, objectives=objectives, progress_url=progress_url(), page_url=page_url)
    if row.score is None:
        return render_template("practice/question.html", question=question_view(presented, number), row=row,
                               problem=problem, **common)
    score = ItemScore(item.id, _fraction(row.score), _fraction(row.max_score))
    mastery = learner_mastery(db, g.launch.context_id, g.launch.user_id, item.objectives)
    return render_template("practice/feedback.html", feedback=feedback_view(presented, number, score,
                                                                              list(row.response or []), None),
                           outcome=_outcome(row), mastery=_mastery_lines(objectives, mastery), **common)


def _link() -> tuple[practice.PracticeLink | None, object]:
    launch: LaunchSession = g.launch
    if launch.resource_link_id is None or launch.context_id is None:
        return None, refusal(400, "No practice here", "Practice needs a link in a course, and this launch has none.",
                             "Open the practice from its link in your course.")
    try:
        return practice.practice_link(current_bank(), launch.custom), None
    except practice.PracticeRefused as exc:
        return None, refusal(404, "Practice not available", str(exc),
                             "Ask your instructor to pick the practice again for this link.")


def progress_url() -> str:
    """The learner's "My progress" page, carrying the launch."""
    return f"{request.script_root}{PROGRESS_PATH}?{urlencode({LAUNCH_PARAM: g.launch.id})}"


def _objective_texts(bank: Bank, objective_ids: tuple[str, ...]) -> list[tuple[str, str]]:
    """(id, text) of each objective, in the item's order; the id alone when today's blueprint lacks it."""
    known = bank.blueprint.objectives
    return [(o, known[o].text if o in known else "") for o in objective_ids]


def _mastery_lines(objectives: list[tuple[str, str]], mastery: dict[str, Mastery]) -> list[tuple[str, str, Mastery]]:
    return [(o, text, mastery[o]) for o, text in objectives if o in mastery]


def _outcome(row: AttemptItem) -> str:
    """Right, partly right or not right, in words (never by colour alone)."""
    if row.score >= row.max_score:
        return "right"
    return "partly right" if row.score > 0 else "not right"


def _fraction(value: float) -> Fraction:
    return Fraction(value).limit_denominator(1000)


def _not_yours():
    return refusal(404, "Question not found", "There is no practice question of yours at this address.",
                   "Open the practice again from your course.")
