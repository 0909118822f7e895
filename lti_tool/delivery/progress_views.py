"""The learner's "My progress" page (blueprint `progress`, endpoint `progress.page`, at /progress): their mastery per
domain and objective in the course, what to practise next, and the questions they missed with the rationales.

Reached with the learner's launch token from any link of the course (the result page and the practice pages link to
it with `launch_url('progress.page')`); the page reads only the launching learner's own rows in the launch's own
course, so no address shows anyone else's. Learners only: instructors see the course's heat map instead.
"""

from __future__ import annotations

from flask import Blueprint, g, render_template

from item_bank.mastery import MasteryLevel
from lti_tool.delivery import practice
from lti_tool.delivery.mastery_store import learner_mastery, missed_items
from lti_tool.delivery.progress import learner_progress
from lti_tool.lti.launch_context import launch_url, require_launch
from lti_tool.lti.models import LaunchSession
from lti_tool.web.bank_access import current_bank
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

bp = Blueprint("progress", __name__)
MISSED_SHOWN = 20


@bp.get("/progress")
@require_launch(instructor=False)
def page():
    launch: LaunchSession = g.launch
    if launch.context_id is None:
        return refusal(400, "No course here", "Your progress is kept per course, and this launch came from none.",
                       "Open the assessment or the practice from its link in your course.")
    db = get_session()
    bank = current_bank()
    link = _practice_link(launch)
    mastery = learner_mastery(db, launch.context_id, launch.user_id, bank.blueprint.objectives)
    progress = learner_progress(bank.blueprint, mastery, link.target.objectives if link else None)
    return render_template("progress/page.html", progress=progress, levels=list(MasteryLevel),
                           missed=missed_items(db, launch.context_id, launch.user_id, MISSED_SHOWN),
                           objective_texts={o.id: o.text for o in bank.blueprint.objectives.values()},
                           practice=link, practice_url=launch_url("practice.start") if link else None,
                           back_url=_back_url(launch, link))


def _practice_link(launch: LaunchSession) -> practice.PracticeLink | None:
    """The launch's practice link, when the learner came from one whose target the bank still has."""
    if not practice.is_practice(launch.custom):
        return None
    try:
        return practice.practice_link(current_bank(), launch.custom)
    except practice.PracticeRefused:
        return None


def _back_url(launch: LaunchSession, link: practice.PracticeLink | None) -> str | None:
    """Where "Back" goes: the practice, or the assessment the learner launched; none for a launch without a link."""
    if launch.resource_link_id is None:
        return None
    return launch_url("practice.start") if link else launch_url("delivery.start")
