"""A score the platform accepted but the tool never recorded as sent (the sender was killed between the two) is
re-sent with the same timestamp; a Canvas-strict platform refuses it as not newer. That refusal of the identical
payload means the grade arrived: the row becomes sent, the platform holds the score once, nothing is marked failed."""

from __future__ import annotations

from datetime import UTC, datetime

from lti_tool.delivery.models import ScoreOutbox
from lti_tool.grades.outbox import ALREADY_THERE, CLAIM_LEASE, claim, drain, post_score
from lti_tool.web.db import session_scope
from tests.lti_tool.helpers import outbox, submitted


def test_a_score_accepted_before_the_sender_died_is_recorded_as_sent_not_failed(tool, platform):
    submitted(tool, platform, "amara")
    [row] = outbox(tool.app)
    died_at = datetime.now(UTC)
    with session_scope(tool.app) as db:
        assert claim(db, row.id, died_at)
        post_score(tool.app, db, db.get(ScoreOutbox, row.id))  # the platform accepts; the worker dies right here
    assert len(platform.scores) == 1
    assert outbox(tool.app)[0].status == "sending"

    assert drain(tool.app, now=died_at + CLAIM_LEASE / 2).sent == 0  # the dead worker's lease still holds
    report = drain(tool.app, now=died_at + CLAIM_LEASE * 2)
    assert (report.sent, report.failed, report.retried) == (1, 0, 0)
    [after] = outbox(tool.app)
    assert (after.status, after.tries, after.last_error) == ("sent", 2, ALREADY_THERE)
    assert after.platform_reason is None
    assert len(platform.scores) == 1
    assert platform.score_refusals == [(400, "Score timestamp is older than the last one recorded")]


def test_a_first_send_refused_as_not_newer_is_a_failure_with_the_platforms_reason(tool, platform):
    item = platform.ensure_lineitem("course-1", "link-1")
    platform.last_score_time[(item, "amara")] = datetime(2100, 1, 1, tzinfo=UTC)  # a newer grade set in the LMS
    submitted(tool, platform, "amara")
    report = drain(tool.app)
    assert (report.sent, report.failed) == (0, 1)
    [row] = outbox(tool.app)
    assert row.status == "failed" and "older than the last one recorded" in row.platform_reason
    assert platform.scores == []
