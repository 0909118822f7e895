"""The grade sender: a process role, not a side effect of building the app.

`create_app` starts nothing. A process that is to send grades starts a sender for its app:
- `cps-assess serve`, in every gunicorn worker, from the worker hooks (lti_tool/cli/server.py);
- `cps-assess grades worker`, in the foreground, for senders run apart from the web workers;
- a test that stands in for a served worker.

A sender drains the outbox (`lti_tool.grades.outbox.drain`) every GRADES_SENDER_INTERVAL_SECONDS, and at once when
a request of its own process queued a score (`lti_tool.delivery.models.scores_queued`). Any number of senders may
run at once, in workers, processes or machines: each due row is claimed by exactly one of them.
"""

from __future__ import annotations

import logging
import threading

from flask import Flask

from lti_tool.delivery.models import scores_queued
from lti_tool.grades.outbox import drain

log = logging.getLogger(__name__)

SENDER_THREAD_NAME = "cps-grade-sender"
EXTENSION = "grade_sender"


class GradeSender:
    """Drains the app's outbox every `interval` seconds, or at once when woken: in a thread of its own (`start`)
    or in the calling thread (`run`, for `cps-assess grades worker`)."""

    def __init__(self, app: Flask, interval: float) -> None:
        self.app = app
        self.interval = interval
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Run in a daemon thread; a score queued by this process wakes it."""
        scores_queued.connect(self._queued, sender=self.app, weak=False)
        self._thread = threading.Thread(target=self.run, name=SENDER_THREAD_NAME, daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def request_stop(self) -> None:
        """Stop after the drain in progress, if any (safe from a signal handler)."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float = 10) -> None:
        scores_queued.disconnect(self._queued, sender=self.app)
        self.request_stop()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                drain(self.app)
            except Exception:  # a database hiccup must not kill the sender; the rows wait in the outbox
                log.exception("grade sender: drain failed; trying again next tick")

    def _queued(self, _app: Flask, **_: object) -> None:
        self.wake()


def interval_of(app: Flask) -> float:
    """GRADES_SENDER_INTERVAL_SECONDS as a number (0 or less: no sender)."""
    return float(app.config.get("GRADES_SENDER_INTERVAL_SECONDS", 0) or 0)


def start_sender(app: Flask) -> GradeSender | None:
    """Start the app's sender thread in this process, unless GRADES_SENDER_INTERVAL_SECONDS is 0 or one runs already;
    returns the running sender (None when there is none)."""
    running = app.extensions.get(EXTENSION)
    if running is not None:
        return running
    interval = interval_of(app)
    if interval <= 0:
        return None
    sender = app.extensions[EXTENSION] = GradeSender(app, interval)
    sender.start()
    return sender


def stop_sender(app: Flask, timeout: float = 10) -> None:
    """Stop the app's sender thread in this process, if it runs one."""
    sender = app.extensions.pop(EXTENSION, None)
    if sender is not None:
        sender.stop(timeout)
