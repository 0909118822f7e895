"""The instructor's page for one resource link: its attempts with score and passback status, and a CSV download.

Everything is selected by the launch's own resource link id (a row of one platform and one course), so an
instructor never sees attempts from another link, course or platform.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, Response, g, render_template
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from lti_tool.attempt_models import Attempt
from lti_tool.bank_access import find_form
from lti_tool.db import get_session
from lti_tool.launch_context import refusal, require_launch
from lti_tool.models import LaunchSession, User

bp = Blueprint("instructor", __name__, url_prefix="/lti/instructor")

CSV_COLUMNS = ("learner", "email", "platform_user_id", "attempt", "status", "started_at", "submitted_at", "score",
               "score_maximum", "passback", "passback_detail")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class AttemptRow:
    learner: str
    email: str
    platform_user_id: str
    number: int
    status: str
    started_at: datetime
    submitted_at: datetime | None
    score: float | None
    score_maximum: float | None
    passback: str
    passback_detail: str


def passback_status(attempt: Attempt) -> tuple[str, str]:
    """The latest score row's status and its reason, or why there is no passback."""
    if not attempt.submitted:
        return "not submitted", ""
    if not attempt.scores:
        return "no passback", "the launch had no grade service (AGS) line item"
    latest = attempt.scores[-1]
    detail = latest.platform_reason or latest.last_error or ""
    if latest.status == "pending" and latest.tries:
        return f"retrying (try {latest.tries})", detail
    return latest.status, detail


def attempt_rows(db: Session, resource_link_id: int) -> list[AttemptRow]:
    query = (
        select(Attempt, User).join(User, User.id == Attempt.user_id)
        .where(Attempt.resource_link_id == resource_link_id)
        .options(selectinload(Attempt.scores))
        .order_by(User.name, User.sub, Attempt.number)
    )
    rows = []
    for attempt, user in db.execute(query):
        passback, detail = passback_status(attempt)
        rows.append(AttemptRow(user.name or user.sub, user.email, user.sub, attempt.number, attempt.status,
                               attempt.started_at, attempt.submitted_at, attempt.score, attempt.score_maximum,
                               passback, detail))
    return rows


def to_csv(rows: list[AttemptRow]) -> str:
    """CSV for a spreadsheet; cells that a spreadsheet would run as a formula are quoted with a leading '."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_cell(v) for v in (
            r.learner, r.email, r.platform_user_id, r.number, r.status, _iso(r.started_at), _iso(r.submitted_at),
            "" if r.score is None else f"{r.score:g}", "" if r.score_maximum is None else f"{r.score_maximum:g}",
            r.passback, r.passback_detail)])
    return out.getvalue()


@bp.get("/")
@require_launch(instructor=True)
def home():
    launch: LaunchSession = g.launch
    if launch.resource_link_id is None:
        return _no_link()
    link = launch.resource_link
    form = find_form((launch.custom or {}).get("form_id") or launch.form_id or link.form_id)
    return render_template("instructor/home.html", rows=attempt_rows(get_session(), launch.resource_link_id),
                           link=link, form=form)


@bp.get("/attempts.csv")
@require_launch(instructor=True)
def attempts_csv():
    launch: LaunchSession = g.launch
    if launch.resource_link_id is None:
        return _no_link()
    body = to_csv(attempt_rows(get_session(), launch.resource_link_id))
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="attempts.csv"',
                             "Cache-Control": "no-store"})


def _no_link():
    return refusal(400, "No assessment here", "This launch did not come from an assessment link.",
                   "Open the instructor view from the assessment's link in your course.")


def _iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value
