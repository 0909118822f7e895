"""The learner's pages: start or resume an attempt, answer one item per page, review, submit, see the result.

Plain HTML forms that post per item (no JavaScript needed); each POST saves the answer on the server and
redirects (post/redirect/get), so reload and back buttons are safe. Every route runs under `require_launch`
(launch token + CSRF on POST) and loads attempts only through `_own_attempt`, which refuses any attempt that
is not the launching user's at the launching resource link.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, g, redirect, render_template, request

from item_bank.assemble import PresentedItem
from item_bank.model import Form, ItemType
from lti_tool.delivery import attempts as attempt_logic
from lti_tool.delivery import practice_views
from lti_tool.delivery.essay_grades import grades_of
from lti_tool.delivery.first_page import answer_launch
from lti_tool.delivery.item_views import question_view
from lti_tool.delivery.mastery_store import record_attempt
from lti_tool.delivery.models import Attempt, scores_queued
from lti_tool.delivery.practice import PRACTICE_PREFIX, is_practice
from lti_tool.delivery.results import WITH_ANSWERS, due_at, feedback_views, graded_essays, recorded_score_view
from lti_tool.lti.launch_context import launch_fields, launch_url, require_launch
from lti_tool.lti.models import LaunchSession
from lti_tool.web.bank_access import current_bank, find_form
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

bp = Blueprint("delivery", __name__, url_prefix="/lti/delivery")


@bp.app_context_processor
def _template_helpers() -> dict:
    return {"launch_fields": launch_fields, "launch_url": launch_url}


@bp.record_once
def _register_landing(state) -> None:
    state.app.extensions.setdefault("launch_landings", {})["delivery.start"] = land_from_launch


def land_from_launch(launch: LaunchSession) -> Response | tuple:
    """The learner's first page as the launch's own response (no redirect, no second request): question 1 of the
    attempt it starts or resumes, or the redirect to the last result. A problem page is left to /start, so the
    launch itself is still answered as accepted."""
    if is_practice(launch.custom):
        return practice_views.land_from_launch(launch)
    return answer_launch(launch, _land, "delivery.start")


@bp.get("/start")
@require_launch()
def start():
    """Where a learner's launch lands: resume the attempt in progress, start the first, or show the last result
    (a practice link: its current question)."""
    if is_practice(g.launch.custom):
        return redirect(launch_url("practice.start"), 303)
    return _land()


def _land(render_first: bool = False):
    """An attempt in progress resumes on its pinned form even if the bank has changed or dropped that form since;
    only a new attempt needs the link's form in today's bank."""
    launch: LaunchSession = g.launch
    if launch.resource_link_id is None:
        return _launch_form(launch)[1]
    db = get_session()
    latest = attempt_logic.current_attempt(db, launch.resource_link_id, launch.user_id)
    if latest is not None and latest.submitted:
        return redirect(launch_url("delivery.result", attempt_id=latest.id), 303)
    if latest is not None and attempt_logic.is_overdue(latest):
        _submit(latest)
        return redirect(launch_url("delivery.result", attempt_id=latest.id), 303)
    if latest is not None and attempt_logic.attempt_form(latest) is not None:
        return _resume(latest, render_first)
    form, problem = _launch_form(launch)
    if problem:
        return problem
    return _begin(form, [] if latest is None else None, render_first=render_first)


@bp.post("/attempts/new")
@require_launch()
def new_attempt():
    """Start the next attempt after a submitted one, when the attempt limit allows."""
    form, problem = _launch_form(g.launch)
    if problem:
        return problem
    return _begin(form)


def _open_question(attempt_id: int, number: int):
    """The learner's own attempt, its form and presented items, or the refusal page when either is not there."""
    attempt, form, problem = _open_attempt(attempt_id)
    if problem:
        return attempt, form, [], problem
    presented = attempt_logic.presented_items(get_session(), attempt)
    if not 1 <= number <= len(presented):
        return attempt, form, presented, refusal(
            404, "No such question", f"This assessment has {len(presented)} questions.",
            "Use the question list to move between questions.")
    return attempt, form, presented, None


@bp.get("/attempts/<int:attempt_id>/items/<int:number>")
@require_launch()
def item(attempt_id: int, number: int):
    attempt, form, presented, problem = _open_question(attempt_id, number)
    if problem:
        return problem
    return _question_page(attempt, form, presented, number, notice=request.args.get("notice"))


def _question_page(attempt: Attempt, form: Form, presented: list[PresentedItem], number: int, *,
                   notice: str | None = None, page_url: str | None = None) -> str:
    """Question `number` with the learner's saved answer. `page_url` is set when the page answers another request
    (the launch's form post): the page then replaces its address with the question's own, so a reload is a plain
    GET of this question and never posts the launch again."""
    answers = attempt_logic.answers_of(attempt)
    saved = answers.get(presented[number - 1].item.id)
    return render_template(
        "delivery/item.html", form=form, attempt=attempt, total=len(presented),
        question=question_view(presented[number - 1], number),
        chosen=set(saved.choice_ids or []) if saved else set(), essay=(saved.text or "") if saved else "",
        answered=[p.item.id in answers for p in presented], time_left=_time_left(attempt), notice=notice,
        page_url=page_url,
    )


@bp.post("/attempts/<int:attempt_id>/items/<int:number>")
@require_launch()
def save(attempt_id: int, number: int):
    """Save the answer to question `number`, then go where the pressed button says (next, previous, review...)."""
    attempt, form, presented, problem = _open_question(attempt_id, number)
    if problem:
        return problem
    item_ = presented[number - 1].item
    try:
        attempt_logic.save_answer(get_session(), attempt, item_, request.form.getlist("answer"),
                                  request.form.get("essay") if item_.type is ItemType.EXTENDED_TEXT else None)
    except attempt_logic.AttemptRefused as exc:
        if attempt_logic.is_overdue(attempt):
            _submit(attempt)
            return redirect(launch_url("delivery.result", attempt_id=attempt.id, notice="time"), 303)
        return refusal(409, "Answer not saved", str(exc), "Go back to the question and choose one of the options.")
    return redirect(_destination(attempt, request.form.get("go", "next"), number, len(presented)), 303)


@bp.get("/attempts/<int:attempt_id>/review")
@require_launch()
def review(attempt_id: int):
    attempt, form, problem = _open_attempt(attempt_id)
    if problem:
        return problem
    presented = attempt_logic.presented_items(get_session(), attempt)
    answers = attempt_logic.answers_of(attempt)
    return render_template("delivery/review.html", form=form, attempt=attempt, total=len(presented),
                           answered=[p.item.id in answers for p in presented], time_left=_time_left(attempt))


@bp.post("/attempts/<int:attempt_id>/submit")
@require_launch()
def submit(attempt_id: int):
    attempt, form, problem = _open_attempt(attempt_id)
    if problem:
        return problem
    _submit(attempt)
    return redirect(launch_url("delivery.result", attempt_id=attempt.id), 303)


@bp.get("/attempts/<int:attempt_id>/result")
@require_launch()
def result(attempt_id: int):
    """The learner's score, their graded essays, and the feedback when the form's policy allows it now.

    Everything comes from the attempt's pinned items and stored scores (graded essays and regrades included), never
    from today's bank."""
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return _not_yours()
    form = attempt_logic.attempt_form(attempt)
    if form is None:
        return _form_missing()
    if not attempt.submitted:
        return redirect(launch_url("delivery.item", attempt_id=attempt.id, number=1), 303)
    db = get_session()
    grades = grades_of(db, attempt.id)
    presented = attempt_logic.presented_items(db, attempt)
    scores = attempt_logic.stored_scores(attempt)
    feedback = []
    if attempt_logic.feedback_visible(attempt, due_at(g.launch)):
        feedback = feedback_views(attempt, presented, scores)
    settings = attempt_logic.effective_settings(form, g.launch.custom or {})
    used = len(attempt_logic.attempts_of(db, attempt.resource_link_id, attempt.user_id))
    return render_template("delivery/result.html", form=form, attempt=attempt, feedback=feedback,
                           graded_essays=graded_essays(current_bank(), presented, scores, grades),
                           policy=attempt.feedback, attempts_left=attempt_logic.attempts_left(settings, used),
                           passing=form.settings.passing_score, notice=request.args.get("notice"),
                           recorded=recorded_score_view(db, attempt))


def _begin(form: Form, existing: list[Attempt] | None = None, render_first: bool = False):
    """Start or resume, then go to question 1 (with `render_first`, show it in this response); `existing` is the
    learner's attempts when the caller has just read them."""
    launch: LaunchSession = g.launch
    db = get_session()
    settings = attempt_logic.effective_settings(form, launch.custom or {})
    try:
        attempt = attempt_logic.start_attempt(db, bank=current_bank(), resource_link_id=launch.resource_link_id,
                                              user_id=launch.user_id, form=form, settings=settings,
                                              target=attempt_logic.passback_target(launch), existing=existing)
    except attempt_logic.AttemptRefused as exc:
        latest = attempt_logic.current_attempt(db, launch.resource_link_id, launch.user_id)
        if latest is not None:
            return redirect(launch_url("delivery.result", attempt_id=latest.id, notice="no-attempts"), 303)
        return refusal(403, "No attempts left", str(exc), "Ask your instructor if you need another attempt.")
    return _resume(attempt, render_first)


def _resume(attempt: Attempt, render_first: bool):
    """Go to question 1 of the attempt (with `render_first`, show it in this response)."""
    _refresh_lineitem(attempt)
    first = launch_url("delivery.item", attempt_id=attempt.id, number=1)
    if not render_first:
        return redirect(first, 303)
    form = attempt_logic.attempt_form(attempt)
    page = _question_page(attempt, form, attempt_logic.presented_items(get_session(), attempt), 1,
                          page_url=first)
    return page, 200, {"Cache-Control": "no-store"}


def _refresh_lineitem(attempt: Attempt) -> None:
    """An attempt started in a launch without grade passback gets the line item of a later launch that has one."""
    target = attempt_logic.passback_target(g.launch)
    if attempt.lineitem_url is None and target.lineitem_url and not attempt.submitted:
        attempt.lineitem_url, attempt.ags_scopes = target.lineitem_url, list(target.scopes)
        get_session().commit()


def _submit(attempt: Attempt) -> None:
    _refresh_lineitem(attempt)
    if attempt_logic.submit_attempt(get_session(), attempt, g.launch.user.sub):
        record_attempt(get_session(), attempt, current_bank())  # may queue the learner's practice links' grades
        scores_queued.send(current_app._get_current_object())


def _own_attempt(attempt_id: int) -> Attempt | None:
    """The attempt, only when it is the launching user's at the launching resource link (and not a practice session:
    those have their own pages, which never submit them or show an open question's key)."""
    attempt = get_session().get(Attempt, attempt_id, options=WITH_ANSWERS)  # one statement with its answers
    launch: LaunchSession = g.launch
    if attempt is None or attempt.user_id != launch.user_id or attempt.resource_link_id != launch.resource_link_id:
        return None
    return None if attempt.form_id.startswith(PRACTICE_PREFIX) else attempt


def _open_attempt(attempt_id: int) -> tuple[Attempt | None, Form | None, object]:
    """An own attempt that is still in progress; an overdue one is submitted and the learner sent to the result."""
    attempt = _own_attempt(attempt_id)
    if attempt is None:
        return None, None, _not_yours()
    form = attempt_logic.attempt_form(attempt)
    if form is None:
        return None, None, _form_missing()
    if attempt.submitted:
        return None, None, redirect(launch_url("delivery.result", attempt_id=attempt.id), 303)
    if attempt_logic.is_overdue(attempt):
        _submit(attempt)
        return None, None, redirect(launch_url("delivery.result", attempt_id=attempt.id, notice="time"), 303)
    return attempt, form, None


def _launch_form(launch: LaunchSession) -> tuple[Form | None, object]:
    if launch.resource_link_id is None:
        return None, refusal(400, "No assessment here", "This launch did not come from an assessment link.",
                             "Open the assessment from its link in your course.")
    form = find_form(attempt_logic.launch_form_id(launch))
    if form is None:
        return None, _form_missing()
    return form, None


def _destination(attempt: Attempt, go: str, number: int, total: int) -> str:
    if go == "review":
        return launch_url("delivery.review", attempt_id=attempt.id)
    if go == "previous":
        target = max(number - 1, 1)
    elif go == "next":
        if number >= total:
            return launch_url("delivery.review", attempt_id=attempt.id)
        target = number + 1
    elif go.isdigit() and 1 <= int(go) <= total:
        target = int(go)
    else:
        target = number
    return launch_url("delivery.item", attempt_id=attempt.id, number=target, notice="saved")


def _time_left(attempt: Attempt) -> int | None:
    """Whole minutes left (rounded up), or None without a time limit."""
    if attempt.deadline_at is None:
        return None
    seconds = (attempt.deadline_at - datetime.now(UTC)).total_seconds()
    return max(int(-(-seconds // 60)), 0)


def _not_yours():
    return refusal(404, "Attempt not found", "There is no attempt of yours at this address.",
                   "Open the assessment again from your course.")


def _form_missing():
    return refusal(404, "Assessment not available",
                   "This link does not name an assessment the tool has (it may have been removed from the bank).",
                   "Ask your instructor to pick the assessment again for this link.")
