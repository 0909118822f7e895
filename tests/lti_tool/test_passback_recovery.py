"""The platform is down when the learner submits; the tool restarts; the platform comes back: the score arrives
exactly once, from the outbox in the database (a new app in-process, or `cps-assess grades send` as a new process).

The test waits on conditions, never for a fixed time: on a loaded machine the first app's sender may have tried
several times before it stopped, and each failed try doubles the delay before the row is due again."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
from werkzeug.serving import make_server

from lti_tool.grades.outbox import drain, due_ids
from lti_tool.web.db import session_scope, utcnow
from tests.conftest import REPO, STARTER_BANK
from tests.lti_platform import Browser
from tests.lti_tool.helpers import (
    FORM,
    LiveTool,
    follow,
    make_app,
    outbox,
    quiz_items,
    register_by_hand,
    take_the_quiz,
    wait_for,
)

SENDER = {"GRADES_SENDER_INTERVAL_SECONDS": 0.2, "GRADES_FIRST_RETRY_SECONDS": 1}
# Generous: a row tried 5 times before the first app stopped is due again within 1.2 * 2**4 = 19.2 s.
DEADLINE_SECONDS = 60


class Served:
    """A tool process stand-in: one app served on a port, stoppable, restartable on the same port."""

    def __init__(self, app, port: int = 0) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", port, app, threaded=True)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.port = self.server.server_port
        self.tool = LiveTool(app=app, url=f"http://127.0.0.1:{self.port}")

    def stop(self) -> None:
        if self.server is None:
            return
        sender = self.app.extensions.get("grade_sender")
        if sender is not None:
            sender.stop()
        self.server.shutdown()
        self.server.server_close()
        self.server = None
        self.app.extensions["lti_db"].kw["bind"].dispose()


def score_due(app) -> bool:
    """Whether a sender could claim the score now: the retry time the failed tries set has come."""
    with session_scope(app) as db:
        return bool(due_ids(db, utcnow()))


@pytest.mark.parametrize("restart", ["new app", "cli process"])
def test_score_survives_platform_outage_and_tool_restart(tmp_path, database_url, platform, starter_bank, restart,
                                                         request):
    first = Served(make_app(tmp_path, database_url, **SENDER))
    request.addfinalizer(first.stop)
    register_by_hand(first.tool, platform)
    learner = Browser()
    page = follow(learner, platform.launch(learner, "client-1", sub="learner-1", custom={"form_id": FORM}))
    result = take_the_quiz(first.tool, learner, page, quiz_items(starter_bank), before_submit=platform.stop)
    assert result.status_code == 200 and "your result" in result.text

    assert wait_for(lambda: any(r.last_error for r in outbox(first.app))), "the sender never tried"
    [row] = outbox(first.app)
    assert row.tries >= 1 and "could not be reached" in row.last_error and platform.scores == []
    first.stop()

    platform.start()
    if restart == "new app":
        second = Served(make_app(tmp_path, database_url, **SENDER), port=first.port)
        request.addfinalizer(second.stop)
        assert wait_for(lambda: len(platform.scores) >= 1, seconds=DEADLINE_SECONDS), \
            "the score did not arrive after restart"
    else:
        second = Served(make_app(tmp_path, database_url, GRADES_SENDER_INTERVAL_SECONDS=0), port=first.port)
        request.addfinalizer(second.stop)
        assert wait_for(lambda: score_due(second.app), seconds=DEADLINE_SECONDS), "the score never became due"
        env = {**os.environ, "DATABASE_URL": database_url, "CPS_BANK": str(STARTER_BANK),
               "CPS_INSTANCE_PATH": str(tmp_path / "instance"), "CPS_GRADES_SENDER_SECONDS": "0"}
        done = subprocess.run([sys.executable, "-m", "item_bank.cli", "grades", "send"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert "sent 1," in done.stdout
    assert wait_for(lambda: [r.status for r in outbox(second.app)] == ["sent"], seconds=DEADLINE_SECONDS), \
        [(r.status, r.tries, r.last_error) for r in outbox(second.app)]
    assert drain(second.app).sent == 0
    assert len(platform.scores) == 1
    assert platform.scores[0]["userId"] == "learner-1"
