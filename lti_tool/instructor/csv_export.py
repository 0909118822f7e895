"""The instructor's CSV downloads (attempts, item statistics, roster), safe to open in a spreadsheet.

A cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) gets a leading apostrophe, so a
learner who names themselves "=HYPERLINK(...)" cannot plant a formula in the instructor's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from flask import Response

from lti_tool.instructor.roster import RosterEntry
from lti_tool.instructor.statistics import LinkStatistics

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
ATTEMPT_COLUMNS = ("learner", "email", "platform_user_id", "attempt", "status", "started_at", "submitted_at",
                   "score", "score_maximum", "passback", "passback_detail", "recorded_score", "recorded_maximum",
                   "grading_policy")
ITEM_COLUMNS = ("position", "item_id", "type", "stem", "responses", "percent_correct", "mean_score_percent",
                "discrimination", "omitted", "option_counts")
ROSTER_COLUMNS = ("name", "email", "platform_user_id", "roles", "status", "attempts_started", "attempts_submitted",
                  "recorded_score", "score_maximum", "grading_policy", "has_attempted")


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()


def download(body: str, filename: str) -> Response:
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def attempts_csv(rows) -> str:
    return csv_text(ATTEMPT_COLUMNS, ((
        r.learner, r.email, r.platform_user_id, r.number, r.status, iso(r.started_at), iso(r.submitted_at),
        number(r.score), number(r.score_maximum), r.passback, r.passback_detail, number(r.recorded_score),
        number(r.recorded_maximum), r.grading_policy) for r in rows))


def statistics_csv(stats: LinkStatistics) -> str:
    def row(r):
        s = r.stats
        counts = "; ".join(f"{o.letter}{'*' if o.correct else ''}={o.count}" for o in r.options)
        if s is None:
            return (r.position, r.item.id, r.item.type.value, r.excerpt, 0, "", "", "", "", counts)
        return (r.position, r.item.id, r.item.type.value, r.excerpt, s.responses, number(s.percent_correct, 1),
                number(s.mean_score, 1), number(s.discrimination, 3), s.omitted if r.options else "", counts)

    return csv_text(ITEM_COLUMNS, (row(r) for r in stats.items))


def roster_csv(entries: Iterable[RosterEntry]) -> str:
    return csv_text(ROSTER_COLUMNS, ((
        e.name, e.email, e.user_id, " ".join(e.roles), e.status,
        e.attempts.started if e.attempts else 0, e.attempts.submitted if e.attempts else 0,
        number(e.attempts.recorded_score) if e.attempts else "",
        number(e.attempts.score_maximum) if e.attempts else "", e.attempts.policy_name if e.attempts else "",
        "yes" if e.has_attempted else "no") for e in entries))


def iso(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def number(value: float | None, places: int | None = None) -> str:
    if value is None:
        return ""
    return f"{value:.{places}f}" if places is not None else f"{value:g}"


def safe_cell(value: object) -> object:
    """The value, with a leading apostrophe when a spreadsheet would read it as a formula (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value
