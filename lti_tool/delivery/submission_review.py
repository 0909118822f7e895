"""LTI Submission Review: the platform asks the tool to show one learner's submitted attempt as it was scored.

An `LtiSubmissionReviewRequest` launch names the learner in its `for_user` claim. A learner sees only their own
attempt (their answers and score; the keys and rationales only when the form's feedback policy allows it now); an
instructor sees the named learner's attempt with keys and rationales. Everything is read from the attempt's pinned
items and stored scores, never from today's bank. Anything else is refused with a 4xx page.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from sqlalchemy import select

from lti_tool.delivery import attempts as attempt_logic
from lti_tool.delivery.models import SUBMITTED, Attempt
from lti_tool.delivery.results import WITH_ANSWERS, due_at, feedback_views
from lti_tool.lti.launch_context import require_launch
from lti_tool.lti.learner_names import display_name
from lti_tool.lti.models import LaunchSession, User
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

bp = Blueprint("submission_review", __name__, url_prefix="/lti/review")


@bp.get("/")
@require_launch()
def show():
    """The reviewed learner's submitted attempts at this link; the latest, or `?attempt=N`, in full."""
    launch: LaunchSession = g.launch
    if not launch.is_submission_review or not launch.for_user_sub or launch.resource_link_id is None:
        return refusal(400, "Not a submission review", "This page opens from a Submission Review launch only.",
                       "Open the review from the gradebook of your course.")
    if not launch.is_instructor and launch.for_user_sub != launch.user.sub:
        return refusal(403, "Not your submission", "You can review only your own submitted attempts.",
                       "Open the review of your own submission from the gradebook.")
    db = get_session()
    learner = db.scalar(select(User).where(User.platform_id == launch.platform_id, User.sub == launch.for_user_sub))
    attempts = [] if learner is None else list(db.scalars(
        select(Attempt).where(Attempt.resource_link_id == launch.resource_link_id, Attempt.user_id == learner.id,
                              Attempt.status == SUBMITTED).options(*WITH_ANSWERS).order_by(Attempt.number)).unique())
    if not attempts:
        return refusal(404, "No submitted attempt", "There is no submitted attempt of this learner at this link.",
                       "Check that the learner submitted the assessment in this course.")
    wanted = request.args.get("attempt", "")
    attempt = next((a for a in attempts if str(a.number) == wanted), attempts[-1])
    form = attempt_logic.attempt_form(attempt)
    if form is None:
        return refusal(404, "Attempt not available", "This attempt was never pinned to an assessment.",
                       "Ask the tool's admin to check the attempt.")
    show_keys = launch.is_instructor or attempt_logic.feedback_visible(attempt, due_at(launch))
    views = feedback_views(attempt, attempt_logic.presented_items(db, attempt), attempt_logic.stored_scores(attempt))
    own = launch.for_user_sub == launch.user.sub
    return render_template("delivery/submission_review.html", form=form, attempt=attempt, attempts=attempts,
                           feedback=views, show_keys=show_keys, own=own,
                           learner=display_name(learner.name, learner.sub),
                           chosen_label="Your choice" if own else "Learner's choice",
                           answer_label="Your answer" if own else "Learner's answer")
