"""The instructor's course mastery pages (blueprint `instructor_mastery`): the heat map at /instructor/mastery and its
CSV at /instructor/mastery.csv, for the course (LTI context) of the instructor's launch.

Routes only; the table is built by `mastery_heatmap`. Sorting is a plain link (`?sort=D3.2&dir=desc`), so it works
without JavaScript, and the CSV follows the same sort. Instructors only (`require_launch(instructor=True)`).
"""

from __future__ import annotations

from flask import Blueprint, g, render_template, request

from item_bank.mastery import MasteryLevel
from lti_tool.instructor import csv_export, mastery_heatmap
from lti_tool.instructor.mastery_heatmap import ASCENDING, SORT_BY_NAME, HeatMap, heat_map
from lti_tool.lti.launch_context import require_launch
from lti_tool.lti.models import LaunchSession
from lti_tool.web.bank_access import current_bank
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

bp = Blueprint("instructor_mastery", __name__, url_prefix="/instructor")


@bp.get("/mastery")
@require_launch(instructor=True)
def heatmap():
    heat, problem = _course_heat_map()
    if problem:
        return problem
    return render_template("instructor/mastery.html", heat=heat, section="mastery", levels=list(MasteryLevel),
                           course=g.launch.context.title or g.launch.context.label or "this course")


@bp.get("/mastery.csv")
@require_launch(instructor=True)
def heatmap_csv():
    heat, problem = _course_heat_map()
    if problem:
        return problem
    return csv_export.download(mastery_heatmap.heatmap_csv(heat), "course-mastery.csv")


def _course_heat_map() -> tuple[HeatMap | None, object]:
    launch: LaunchSession = g.launch
    if launch.context_id is None:
        return None, refusal(400, "No course here", "This launch did not come from a course, so there is no class "
                             "to show.", "Open the tool from a link in your course.")
    sort = request.args.get("sort", SORT_BY_NAME)
    direction = request.args.get("dir", ASCENDING)
    return heat_map(get_session(), launch.context_id, current_bank().blueprint, sort, direction), None
