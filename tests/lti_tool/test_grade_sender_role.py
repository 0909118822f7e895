"""The grade sender is a process role, not a side effect of building the app (issue 13, point 3): `create_app`
starts no thread; `serve` starts a sender in each gunicorn worker from the worker hooks; `cps-assess grades worker`
runs one in the foreground. (The storm and two-process tests in tests/scale run `serve` and see the scores arrive.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

from lti_tool import create_app
from lti_tool.cli.server import start_worker_sender, stop_worker_sender
from lti_tool.delivery.models import scores_queued
from lti_tool.grades import sender as grade_sender
from lti_tool.grades.sender import EXTENSION, SENDER_THREAD_NAME
from lti_tool.web import db
from tests.conftest import REPO, STARTER_BANK
from tests.lti_tool.helpers import live_grade_senders, wait_for

CLI = Path(sys.executable).parent / "cps-assess"


def test_building_an_app_starts_no_thread(tmp_path):
    before = {t.ident for t in threading.enumerate()}
    app = create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
                      "SECRET_KEY": "test", "BANK_PATH": str(STARTER_BANK), "GRADES_SENDER_INTERVAL_SECONDS": 0.1})
    db.upgrade(app)
    assert app.test_client().get("/healthz").status_code == 200
    started = [t.name for t in threading.enumerate() if t.ident not in before]
    assert started == [] and EXTENSION not in app.extensions
    db.engine_of(app).dispose()


def test_a_served_worker_starts_its_sender_from_the_gunicorn_hook(app, monkeypatch):
    """post_worker_init starts the worker's sender for the app it loaded; a score queued in that worker wakes it at
    once (its interval here is far longer than the test); worker_exit stops it."""
    drained = threading.Event()
    monkeypatch.setattr(grade_sender, "drain", lambda _app: drained.set())
    app.config["GRADES_SENDER_INTERVAL_SECONDS"] = 3600
    worker = SimpleNamespace(wsgi=app)
    start_worker_sender(worker)
    try:
        assert [t.name for t in live_grade_senders()] == [SENDER_THREAD_NAME]
        scores_queued.send(app)
        assert drained.wait(10), "a queued score did not wake the worker's sender"
    finally:
        stop_worker_sender(None, worker)
    assert not live_grade_senders() and EXTENSION not in app.extensions


def test_no_sender_when_the_interval_is_zero(app):
    start_worker_sender(SimpleNamespace(wsgi=app))  # the app fixture's GRADES_SENDER_INTERVAL_SECONDS is 0
    assert not live_grade_senders()


def test_grades_worker_runs_in_the_foreground_until_sigterm(tmp_path):
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CPS_") and k not in ("DATABASE_URL",
                                                                                           "REDIS_URL")},
           "DATABASE_URL": f"sqlite:///{tmp_path / 'tool.sqlite3'}", "CPS_INSTANCE_PATH": str(tmp_path / "instance"),
           "CPS_BANK": str(STARTER_BANK)}
    log = tmp_path / "worker.log"
    with log.open("w") as out:
        worker = subprocess.Popen([str(CLI), "grades", "worker", "--interval", "0.2"], stdout=out,
                                  stderr=subprocess.STDOUT, env=env, cwd=REPO)
    try:
        assert wait_for(lambda: "grade sender: draining the outbox every 0.2 s" in log.read_text(), 60), \
            log.read_text()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
    assert log.read_text().rstrip().endswith("grade sender stopped")
