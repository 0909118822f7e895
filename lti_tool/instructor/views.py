"""The instructor's workspace for one resource link: attempts with passback status and a retry for failed scores,
essay grading against the rubric, regrades of an item revision, item statistics with the score distribution, the
course roster, CSV downloads.

Everything is selected by the launch's own resource link (a row of one platform and one course): attempts and
score rows are looked up together with that link id, so an id from another link, course or platform is simply
"not found" (404). Every route needs an instructor's launch (`require_launch(instructor=True)`), every POST its
CSRF token. The work is done in the other modules of lti_tool/instructor/; this module only routes.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request
from markupsafe import Markup
from sqlalchemy import select

from item_bank.markup import to_html
from item_bank.model import Form
from lti_tool.delivery.attempts import attempt_form
from lti_tool.delivery.models import Attempt, scores_queued
from lti_tool.instructor import csv_export as instructor_csv
from lti_tool.instructor import regrade as regrading
from lti_tool.instructor.attempt_rows import attempt_rows
from lti_tool.instructor.grading import GradingRefused, essays_to_grade, grade_attempt, rubric_points
from lti_tool.instructor.passback import requeue_failed, score_row_at_link
from lti_tool.instructor.regrade_models import Regrade
from lti_tool.instructor.roster import (
    RosterUnavailable,
    attempt_summaries,
    fetch_members,
    known_names,
    not_attempted,
    roster_entries,
)
from lti_tool.instructor.statistics import link_statistics
from lti_tool.lti.launch_context import launch_url, needs_fresh_launch, require_launch
from lti_tool.lti.learner_names import display_name
from lti_tool.lti.models import LaunchSession, User
from lti_tool.web.bank_access import current_bank, find_form
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

bp = Blueprint("instructor", __name__, url_prefix="/lti/instructor")

NOTICES = {
    "requeued": "The score is queued again and will be sent to the gradebook shortly.",
    "not-failed": "That score is no longer failed; nothing was changed.",
    "graded": "The grades are saved. The final score is queued for the gradebook.",
    "graded-no-send": "The grades are saved. The attempt's score did not change, or this link has no gradebook "
                      "column, so nothing new was sent.",
    "graded-partly": "The grades are saved. Some essays still wait for a grade; the score is sent once all are "
                     "graded.",
    "regraded": "The regrade is saved. Every changed final score is queued for the gradebook.",
}


@bp.get("/")
@require_launch(instructor=True)
def home():
    link, form, problem = _link_and_form()
    if problem:
        return problem
    return render_template("instructor/home.html", rows=attempt_rows(get_session(), link.id), link=link, form=form,
                           notice=NOTICES.get(request.args.get("notice", "")), section="attempts")


@bp.get("/attempts.csv")
@require_launch(instructor=True)
def attempts_csv():
    link, _, problem = _link_and_form()
    if problem:
        return problem
    return instructor_csv.download(instructor_csv.attempts_csv(attempt_rows(get_session(), link.id)), "attempts.csv")


@bp.post("/scores/<int:score_id>/retry")
@require_launch(instructor=True)
def retry_score(score_id: int):
    """Send a score the platform refused once more (after the instructor fixed the cause in the LMS)."""
    stale = needs_fresh_launch()
    if stale:
        return stale
    link, _, problem = _link_and_form()
    if problem:
        return problem
    db = get_session()
    row = score_row_at_link(db, score_id, link.id)
    if row is None:
        return _not_here("score")
    if not requeue_failed(db, row):
        return redirect(launch_url("instructor.home", notice="not-failed"), 303)
    scores_queued.send(current_app._get_current_object())
    return redirect(launch_url("instructor.home", notice="requeued"), 303)


@bp.get("/attempts/<int:attempt_id>/grade")
@require_launch(instructor=True)
def grade(attempt_id: int):
    attempt, form, problem = _attempt_here(attempt_id)
    if problem:
        return problem
    return _grading_page(attempt, form)


@bp.post("/attempts/<int:attempt_id>/grade")
@require_launch(instructor=True)
def save_grades(attempt_id: int):
    stale = needs_fresh_launch()
    if stale:
        return stale
    attempt, form, problem = _attempt_here(attempt_id)
    if problem:
        return problem
    db = get_session()
    bank = current_bank()
    try:
        points_by_item = {}
        for essay in essays_to_grade(db, bank, attempt):
            prefix = f"rubric-{essay.item.id}-"
            raw = {k[len(prefix):]: v for k, v in request.form.items() if k.startswith(prefix)}
            if raw:
                points_by_item[essay.item.id] = rubric_points(raw, essay.rubric)
        if not points_by_item:
            raise GradingRefused("Choose the rubric points for at least one essay.")
        queued = grade_attempt(db, bank, attempt, points_by_item, g.launch.user_id)
    except GradingRefused as exc:
        return _grading_page(attempt, form, problem=str(exc)), 400
    scores_queued.send(current_app._get_current_object())  # the quiz's score, and any practice link's new grade
    notice = "graded" if queued is not None else "graded-partly" if attempt.pending_manual else "graded-no-send"
    return redirect(launch_url("instructor.home", notice=notice), 303)


@bp.get("/regrade")
@require_launch(instructor=True)
def regrade_start():
    """The item revisions this link's submitted attempts used, to pick one to regrade."""
    link, form, problem = _link_and_form()
    if problem:
        return problem
    return _regrade_page(link)


@bp.post("/regrade")
@require_launch(instructor=True)
def regrade_submit():
    """Preview a regrade (old and new totals), or commit it when the preview was confirmed."""
    link, form, problem = _link_and_form()
    if problem:
        return problem
    choice = request.form.get("revision", "")
    item_id, _, revision = choice.rpartition("@")
    reason = request.form.get("reason", "").strip()
    db = get_session()
    try:
        policy = regrading.Policy(request.form.get("policy", ""))
        if not item_id or not revision.isdigit():
            raise regrading.RegradeRefused("Choose the item revision to regrade.")
        plan = regrading.plan_regrade(db, current_bank(), item_id, int(revision), policy, [link.id])
        if request.form.get("confirm") == "yes" and needs_fresh_launch():
            return needs_fresh_launch()
        if request.form.get("confirm") != "yes":
            if not reason:
                raise regrading.RegradeRefused("Say why you regrade (for example: the key of revision 1 was wrong).")
            return _regrade_page(link, plan=plan, choice=choice, reason=reason)
        launch: LaunchSession = g.launch
        teacher = db.get(User, launch.user_id)
        _, queued = regrading.apply_regrade(db, current_bank(), plan, reason=reason, resource_link_id=link.id,
                                            actor=f"instructor {teacher.name or teacher.sub} ({teacher.sub})")
    except ValueError:
        return _regrade_page(link, problem="Choose how to regrade.", choice=choice, reason=reason), 400
    except regrading.RegradeRefused as exc:
        return _regrade_page(link, problem=str(exc), choice=choice, reason=reason), 400
    if queued:
        scores_queued.send(current_app._get_current_object())
    return redirect(launch_url("instructor.home", notice="regraded"), 303)


def _regrade_page(link, *, plan=None, problem: str | None = None, choice: str = "", reason: str = ""):
    db = get_session()
    used = regrading.revisions_used(db, [link.id])
    bank = current_bank()
    current = {i.id: i.revision for i in bank.items}
    history = db.scalars(select(Regrade).where(Regrade.resource_link_id == link.id)
                         .order_by(Regrade.created_at.desc())).all()
    return render_template("instructor/regrade.html", used=used, current=current, plan=plan, problem=problem,
                           choice=choice, reason=reason, policies=regrading.POLICY_LABELS, history=history,
                           section="regrade")


@bp.get("/statistics")
@require_launch(instructor=True)
def statistics():
    link, form, problem = _link_and_form(need_form=True)
    if problem:
        return problem
    stats = link_statistics(get_session(), current_bank(), form, link.id)
    return render_template("instructor/statistics.html", stats=stats, link=link, form=form, section="statistics",
                           tallest=max((b.count for b in stats.distribution), default=0))


@bp.get("/statistics.csv")
@require_launch(instructor=True)
def statistics_csv():
    link, form, problem = _link_and_form(need_form=True)
    if problem:
        return problem
    stats = link_statistics(get_session(), current_bank(), form, link.id)
    return instructor_csv.download(instructor_csv.statistics_csv(stats), "item-statistics.csv")


@bp.get("/roster")
@require_launch(instructor=True)
def roster():
    link, form, problem = _link_and_form()
    if problem:
        return problem
    entries, unavailable = _roster_entries(link.id)
    return render_template("instructor/roster.html", entries=entries, missing=not_attempted(entries),
                           unavailable=unavailable, link=link, form=form, section="roster")


@bp.get("/roster.csv")
@require_launch(instructor=True)
def roster_csv():
    link, _, problem = _link_and_form()
    if problem:
        return problem
    entries, unavailable = _roster_entries(link.id)
    if unavailable:
        return refusal(502, "The roster is not available", unavailable, "Try again from the roster page.")
    return instructor_csv.download(instructor_csv.roster_csv(entries), "roster.csv")


def _roster_entries(resource_link_id: int):
    launch: LaunchSession = g.launch
    db = get_session()
    try:
        members = fetch_members(launch, db)
    except RosterUnavailable as exc:
        return [], str(exc)
    return roster_entries(members, attempt_summaries(db, launch.platform_id, resource_link_id),
                          known_names(db, launch.platform_id, members)), None


def _grading_page(attempt: Attempt, form: Form, problem: str | None = None):
    db = get_session()
    essays = essays_to_grade(db, current_bank(), attempt)
    learner = db.get(User, attempt.user_id)
    return render_template("instructor/grade.html", attempt=attempt, form=form, essays=essays,
                           learner=display_name(learner.name, learner.sub), problem=problem, section="attempts",
                           stems={e.item.id: Markup(to_html(e.item.stem)) for e in essays})


def _link_and_form(need_form: bool = False):
    launch: LaunchSession = g.launch
    if launch.resource_link_id is None:
        return None, None, refusal(400, "No assessment here", "This launch did not come from an assessment link.",
                                   "Open the instructor view from the assessment's link in your course.")
    link = launch.resource_link
    form = find_form((launch.custom or {}).get("form_id") or launch.form_id or link.form_id)
    if need_form and form is None:
        return None, None, refusal(404, "No assessment chosen",
                                   "No assessment is chosen for this link yet, or it was removed from the bank.",
                                   "Pick the assessment again for this link in your course.")
    return link, form, None


def _attempt_here(attempt_id: int):
    """A submitted attempt at the launch's own resource link, with its form; anything else is a 404/409 page."""
    launch: LaunchSession = g.launch
    if launch.resource_link_id is None:
        return None, None, _not_here("attempt")
    attempt = get_session().scalar(select(Attempt).where(Attempt.id == attempt_id,
                                                         Attempt.resource_link_id == launch.resource_link_id))
    if attempt is None:
        return None, None, _not_here("attempt")
    form = attempt_form(attempt)
    if form is None:
        return None, None, refusal(404, "Assessment not available", "This attempt was never pinned to an "
                                   "assessment.", "Ask the tool's admin to check the attempt.")
    if not attempt.submitted:
        return None, None, refusal(409, "Not submitted yet", "Essays are graded after the learner submits.",
                                   "Come back once the attempt is submitted.")
    return attempt, form, None


def _not_here(what: str):
    return refusal(404, f"No such {what} here", f"There is no {what} at this address for this assessment link.",
                   "Open the instructor view again from the assessment's link in your course.")

