"""The AGS sender against the test platform over HTTP: payload, retries with backoff, permanent failures,
stale scores, the shared access-token cache, and several senders at once."""

from __future__ import annotations

import random
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from lti_tool.delivery.models import ScoreOutbox
from lti_tool.grades.outbox import backoff, drain
from lti_tool.web.db import session_scope
from tests.lti_tool.helpers import FORM, outbox, platform_id, submitted
from tests.lti_tool.launch_rows import launch_row

CANVAS_SUBMISSION = "https://canvas.instructure.com/lti/submission"


@pytest.fixture
def app_config() -> dict:
    """`tool` (conftest) is served over HTTP (the platform fetches its JWKS to check client assertions), sender off,
    on SQLite and PostgreSQL, whose row claiming differs; here with a short HTTP timeout."""
    return {"HTTP_TIMEOUT_SECONDS": 1}


def test_a_submitted_score_reaches_the_launchs_own_line_item_once(tool, platform):
    submitted(tool, platform, "amara")
    report = drain(tool.app)
    assert (report.sent, report.retried, report.failed) == (1, 0, 0)
    assert drain(tool.app).sent == 0
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert score["lineitem"] == platform.ensure_lineitem("course-1", "link-1")
    assert len(platform.lineitems) == 1
    assert score["userId"] == "amara"
    assert (score["scoreGiven"], score["scoreMaximum"]) == (6.0, 24.0)
    assert (score["activityProgress"], score["gradingProgress"]) == ("Completed", "PendingManual")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", score["timestamp"])
    assert score[CANVAS_SUBMISSION] == {"new_submission": True, "submitted_at": score["timestamp"]}
    row = outbox(tool.app)[0]
    assert (row.status, row.tries, row.sent_at is not None) == ("sent", 1, True)


@pytest.mark.parametrize("failure", ["500", "503", "429", "timeout"])
def test_timeouts_5xx_and_429_are_retried_with_backoff(tool, platform, failure):
    platform.fail_delay_seconds = 3
    platform.fail_scores(failure)
    submitted(tool, platform, "amara")
    now = datetime.now(UTC)
    first = drain(tool.app, now=now)
    assert (first.sent, first.retried) == (0, 1)
    row = outbox(tool.app)[0]
    assert row.status == "pending" and row.tries == 1
    assert timedelta(seconds=23) <= row.next_try_at - now <= timedelta(seconds=37)
    expected = "did not answer in time" if failure == "timeout" else f"HTTP {failure}"
    assert expected in row.last_error
    assert drain(tool.app, now=now + timedelta(seconds=5)).sent == 0
    assert drain(tool.app, now=now + timedelta(minutes=1)).sent == 1
    assert len(platform.scores) == 1


def test_backoff_doubles_up_to_an_hour_and_honours_a_longer_retry_after():
    rng = random.Random(1)
    delays = [backoff(tries, rng=rng).total_seconds() for tries in range(1, 12)]
    assert 24 <= delays[0] <= 36 and 48 <= delays[1] <= 72 and 96 <= delays[2] <= 144
    assert all(2880 <= d <= 4320 for d in delays[8:])
    assert backoff(1, timedelta(minutes=10), rng=rng) == timedelta(minutes=10)


def test_retries_continue_for_a_day_then_the_score_is_marked_failed(tool, platform):
    submitted(tool, platform, "amara")
    created = outbox(tool.app)[0].created_at
    platform.fail_scores(*["503"] * 3)
    assert drain(tool.app, now=created + timedelta(hours=24)).retried == 1
    late = drain(tool.app, now=created + timedelta(hours=48))
    assert late.failed == 1
    row = outbox(tool.app)[0]
    assert row.status == "failed" and "HTTP 503" in row.platform_reason
    assert platform.scores == []


def test_a_refused_score_is_a_permanent_failure_with_the_platforms_reason(tool, platform):
    submitted(tool, platform, "amara", lineitem=f"{platform.url}/ags/course-1/lineitems/999")
    report = drain(tool.app)
    assert report.failed == 1
    row = outbox(tool.app)[0]
    assert row.status == "failed" and row.tries == 1
    assert "HTTP 404" in row.platform_reason and "line item not found" in row.platform_reason
    assert drain(tool.app, now=datetime.now(UTC) + timedelta(days=1)).sent == 0


def test_a_stale_score_is_never_sent_over_a_newer_one(tool, platform):
    first = submitted(tool, platform, "amara", right=False)
    with session_scope(tool.app) as db:
        old = db.scalar(select(ScoreOutbox).where(ScoreOutbox.attempt_id == first))
        newer = ScoreOutbox(attempt_id=first, platform_id=old.platform_id, lineitem_url=old.lineitem_url,
                            platform_user_id=old.platform_user_id, score_given=20.0, score_maximum=24.0,
                            activity_progress="Completed", grading_progress="FullyGraded", new_submission=False,
                            scored_at=old.scored_at + timedelta(milliseconds=1), next_try_at=old.next_try_at)
        db.add(newer)
    report = drain(tool.app)
    assert (report.sent, report.superseded) == (1, 1)
    assert [(s["scoreGiven"], s["gradingProgress"]) for s in platform.scores] == [(20.0, "FullyGraded")]
    assert platform.scores[0][CANVAS_SUBMISSION]["new_submission"] is False
    assert [r.status for r in outbox(tool.app)] == ["superseded", "sent"]


def test_an_older_score_retried_after_a_newer_one_was_sent_is_dropped(tool, platform):
    platform.fail_scores("503")
    first = submitted(tool, platform, "amara", right=False)
    now = datetime.now(UTC)
    assert drain(tool.app, now=now).retried == 1
    with session_scope(tool.app) as db:
        old = db.scalar(select(ScoreOutbox).where(ScoreOutbox.attempt_id == first))
        db.add(ScoreOutbox(attempt_id=first, platform_id=old.platform_id, lineitem_url=old.lineitem_url,
                           platform_user_id=old.platform_user_id, score_given=18.0, score_maximum=24.0,
                           activity_progress="Completed", grading_progress="FullyGraded", new_submission=False,
                           scored_at=now, next_try_at=now))
    assert drain(tool.app, now=now).sent == 1
    assert drain(tool.app, now=now + timedelta(hours=1)).superseded == 1
    assert [s["scoreGiven"] for s in platform.scores] == [18.0]


def test_the_access_token_is_cached_across_sends_and_renewed_when_refused(tool, platform):
    submitted(tool, platform, "amara")
    drain(tool.app)
    submitted(tool, platform, "dev")
    drain(tool.app)
    assert len(platform.scores) == 2 and platform.tokens_issued == 1
    platform.access_tokens.clear()
    submitted(tool, platform, "keiko")
    now = datetime.now(UTC)
    assert drain(tool.app, now=now).retried == 1
    assert "HTTP 401" in outbox(tool.app)[-1].last_error
    assert drain(tool.app, now=now + timedelta(minutes=1)).sent == 1
    assert platform.tokens_issued == 2 and len(platform.scores) == 3


def test_several_senders_at_once_send_each_score_exactly_once(tool, platform):
    for sub in ("amara", "dev", "keiko", "rosa", "sam", "tomas"):
        submitted(tool, platform, sub)
    reports, crashes = [], []

    def sender() -> None:
        try:
            reports.append(drain(tool.app))
        except Exception as exc:  # reported below: a sender must never crash
            crashes.append(exc)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert crashes == []
    assert [r.platform_reason for r in outbox(tool.app)] == [None] * 6
    assert sum(r.sent for r in reports) == 6
    assert sorted(s["userId"] for s in platform.scores) == ["amara", "dev", "keiko", "rosa", "sam", "tomas"]


def test_a_launch_without_the_ags_claim_queues_no_score(tool, platform):
    ls, csrf = launch_row(tool.app, sub="amara", custom={"form_id": FORM}, lineitem=None,
                          platform_id=platform_id(tool.app))
    client = tool.app.test_client()
    started = client.get("/lti/delivery/start", query_string={"ls": ls})
    attempt_id = int(re.search(r"/attempts/(\d+)/", started.location).group(1))
    client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    assert outbox(tool.app) == []
    assert drain(tool.app).sent == 0 and platform.scores == []
