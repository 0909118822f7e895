"""Submission storm at scale: N learners (default 1,000) launch and answer, then all submit at once (concurrency
64) to `cps-assess serve --workers 2` on PostgreSQL + Redis, while the test platform fails every third score post
and one worker is killed with SIGKILL a third of the way through. Prints launches/s, submissions/s, resubmits
caused by the kill, the time until every score was delivered, and checks that every learner has one attempt and
the platform one score each.

    .venv/bin/python bench/storm_bench.py --learners 1000
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
import tempfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.launch_load import REDIS_URL, _drop_postgres_database, _postgres_database, machine  # noqa: E402
from tests.lti_platform import LtiPlatform  # noqa: E402
from tests.scale.storm import run_storm  # noqa: E402
from tests.scale.tool_process import ToolProcess, registered_tool_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    print(f"machine: {machine()}; load generator on the same machine")
    platform = LtiPlatform("canvas").start()
    pg_name, url = _postgres_database()
    engine = create_engine(url)
    with tempfile.TemporaryDirectory(prefix="cps-storm-") as work:
        port = ToolProcess.free_port()
        public = f"http://127.0.0.1:{port}"
        registered_tool_database(url, platform, public, Path(work))
        env = {"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "CPS_REDIS_PREFIX": f"cps-storm-{secrets.token_hex(4)}:",
               "CPS_PUBLIC_URL": public, "CPS_GRADES_FIRST_RETRY_SECONDS": "1",
               "CPS_GRADES_CLAIM_LEASE_SECONDS": "8", "CPS_REQUEST_LOG": os.environ.get("CPS_REQUEST_LOG", "0")}
        tool = ToolProcess(port, 2, env, Path(work)).start()
        try:
            def statuses() -> Counter:
                with engine.connect() as connection:
                    rows = connection.execute(text("SELECT status, count(*) FROM lti_score_outbox GROUP BY status"))
                    return Counter({status: count for status, count in rows})

            def drained() -> bool:
                found = statuses()
                return sum(found.values()) >= args.learners and set(found) <= {"sent", "failed", "superseded"}

            report = run_storm(platform, tool.url, args.learners, worker_pids=tool.worker_pids, drained=drained,
                               concurrency=args.concurrency, kill_after=1 / 3, drain_timeout=600)
            with engine.connect() as connection:
                attempts = connection.execute(text("SELECT count(*), count(DISTINCT user_id) FROM lti_attempts")).one()
            received = Counter(score["userId"] for score in platform.scores)
            print(f"learners: {args.learners}; launch + first answer: {args.learners / report.launch_seconds:.1f}/s")
            print(f"submissions: {report.submissions_per_second:.1f}/s ({report.submit_seconds:.1f} s for all, "
                  f"concurrency {args.concurrency}); resubmits after the SIGKILL of worker {report.killed_pid}: "
                  f"{report.resubmits}")
            print(f"every score delivered {report.drain_seconds:.1f} s after the last submit; score posts "
                  f"{platform.score_calls} (every third failed)")
            print(f"attempts stored: {attempts[0]} for {attempts[1]} learners; outbox: {dict(statuses())}; "
                  f"platform scores: {len(platform.scores)} for {len(received)} learners, "
                  f"max per learner {max(received.values(), default=0)}")
        finally:
            tool.stop()
            engine.dispose()
            platform.stop()
            _drop_postgres_database(pg_name)


if __name__ == "__main__":
    main()
