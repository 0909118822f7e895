"""A submission storm loses nothing: 300 learners submit within seconds to two gunicorn workers over PostgreSQL and
Redis, while the platform's score endpoint fails every third call and one worker is killed with SIGKILL mid-way.
Every attempt is stored once and every score reaches the platform exactly once."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import create_engine, text

from tests.lti_tool.helpers import wait_for
from tests.scale.storm import run_storm
from tests.scale.tool_process import outbox_statuses

LEARNERS = 300


def test_300_learners_submit_while_scores_fail_and_a_worker_dies(tool_processes, platform, postgres_url):
    tool = tool_processes(workers=2, port=tool_processes.public_port, CPS_GRADES_FIRST_RETRY_SECONDS="1",
                          CPS_GRADES_CLAIM_LEASE_SECONDS="8", CPS_REQUEST_LOG="0")
    engine = create_engine(postgres_url)
    try:
        def drained() -> bool:
            statuses = outbox_statuses(postgres_url)
            return sum(statuses.values()) >= LEARNERS and set(statuses) <= {"sent", "failed", "superseded"}

        report = run_storm(platform, tool.url, LEARNERS, worker_pids=tool.worker_pids, drained=drained)
        print(report)
        assert report.killed_pid is not None
        assert report.killed_pid not in tool.worker_pids()
        assert report.submit_seconds < 30, report
        # Every score sent: a row in its final state is never posted again, so the counts below are final.
        assert wait_for(lambda: outbox_statuses(postgres_url) == Counter({"sent": LEARNERS}), 60, interval=0.5), \
            outbox_statuses(postgres_url)

        with engine.connect() as connection:
            attempts = connection.execute(text(
                "SELECT u.sub, count(*), min(a.status) FROM lti_attempts a JOIN lti_users u ON u.id = a.user_id "
                "GROUP BY u.sub")).all()
            outbox_per_attempt = connection.execute(text(
                "SELECT attempt_id, count(*) FROM lti_score_outbox GROUP BY attempt_id")).all()
        assert len(attempts) == LEARNERS
        assert {(count, status) for _, count, status in attempts} == {(1, "submitted")}
        assert len(outbox_per_attempt) == LEARNERS and {n for _, n in outbox_per_attempt} == {1}

        received = Counter(score["userId"] for score in platform.scores)
        assert len(received) == LEARNERS and set(received.values()) == {1}
        assert platform.score_calls > LEARNERS  # a third of the calls failed and were retried
    finally:
        engine.dispose()
