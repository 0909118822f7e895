"""The deep-linking pages (blueprint `deep_linking`): the instructor's content-selection launch lists the forms,
each with its delivery settings; the chosen one goes back to the LMS as a signed response (lti_tool.lti.deep_linking)
posted by a form (auto-submitted when scripts run)."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from item_bank.practice import DEFAULT_WINDOW
from lti_tool.lti.deep_linking import (
    FEEDBACK_LABELS,
    GRADING_POLICY_LABELS,
    parse_settings,
    response_jwt,
    summarize,
)
from lti_tool.lti.launch_context import require_launch
from lti_tool.lti.models import LaunchSession
from lti_tool.lti.practice_links import parse_practice, practice_choices, practice_response_jwt
from lti_tool.web.bank_access import current_bank
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal
from lti_tool.web.urls import tool_url

bp = Blueprint("deep_linking", __name__, url_prefix="/lti/deep-link")


@bp.get("/pick")
@require_launch(instructor=True)
def pick():
    """The list of forms, each with its own small settings form (no JavaScript needed)."""
    problem = _check_deep_link(g.launch)
    if problem:
        return problem
    return render_template("deep_linking/pick.html", summaries=summarize(current_bank()),
                           feedback_labels=FEEDBACK_LABELS, policy_labels=GRADING_POLICY_LABELS, problems=[],
                           chosen=None)


@bp.post("/pick")
@require_launch(instructor=True)
def choose():
    """Build, sign and post back the deep-linking response for the chosen form and settings."""
    launch: LaunchSession = g.launch
    problem = _check_deep_link(launch)
    if problem:
        return problem
    summaries = {s.form.id: s for s in summarize(current_bank())}
    summary = summaries.get(request.form.get("form_id", ""))
    settings, problems = parse_settings(request.form.to_dict())
    if summary is None:
        problems.insert(0, "Choose one of the assessments listed.")
    if problems:
        return render_template("deep_linking/pick.html", summaries=list(summaries.values()),
                               feedback_labels=FEEDBACK_LABELS, policy_labels=GRADING_POLICY_LABELS,
                               problems=problems, chosen=request.form.get("form_id")), 400
    token = response_jwt(get_session(), launch, summary, settings, tool_url("launch.launch"))
    return render_template("deep_linking/return.html", return_url=launch.deep_linking_settings["deep_link_return_url"],
                           jwt=token, title=summary.form.title)


@bp.context_processor
def _practice_section() -> dict:
    """The picker's "Adaptive practice" section: the practice targets with questions (deep_linking/_practice.html)."""
    return {"practice_choices": practice_choices(current_bank()), "practice_window": DEFAULT_WINDOW}


@bp.post("/pick-practice")
@require_launch(instructor=True)
def choose_practice():
    """Build, sign and post back the deep-linking response for the chosen practice target."""
    launch: LaunchSession = g.launch
    problem = _check_deep_link(launch)
    if problem:
        return problem
    settings, problems = parse_practice(current_bank(), request.form.to_dict())
    if problems:
        return refusal(400, "Please check your practice choices", " ".join(problems),
                       "Go back to the list, choose again and add the practice.")
    token = practice_response_jwt(get_session(), launch, settings, tool_url("launch.launch"))
    return render_template("deep_linking/return.html", return_url=launch.deep_linking_settings["deep_link_return_url"],
                           jwt=token, title=settings.target.title)


def _check_deep_link(launch: LaunchSession):
    settings = launch.deep_linking_settings or {}
    if not launch.is_deep_link or not settings.get("deep_link_return_url"):
        return refusal(400, "Not a content-selection launch",
                       "This page picks an assessment for a course, and needs the LMS's content-selection launch.",
                       "Add the tool from the LMS's 'add external tool' or assignment-selection dialog.")
    accepted = settings.get("accept_types") or []
    if "ltiResourceLink" not in accepted:
        return refusal(400, "The LMS does not accept assessment links here",
                       "This content-selection launch does not accept LTI resource links.",
                       "Add the tool as an assignment or activity instead of as a link or file.")
    return None
