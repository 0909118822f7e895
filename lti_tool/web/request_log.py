"""Structured request logs: one JSON line per request on the `cps_assess.requests` logger (stderr by default).

Each line has the method, the path without its query string, the status, the duration in milliseconds and the
worker's pid, and nothing else: no query string (it carries the `ls` launch-session token and registration
links), no form fields (id_tokens, answers), no headers, no names or e-mail addresses. CPS_REQUEST_LOG=0 turns
it off.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from flask import Flask, g, request

LOGGER_NAME = "cps_assess.requests"
log = logging.getLogger(LOGGER_NAME)


def request_line(method: str, path: str, status: int, duration_ms: float, pid: int) -> str:
    """The JSON line for one request (the only fields a request log may hold)."""
    return json.dumps({"method": method, "path": path, "status": status, "duration_ms": round(duration_ms, 2),
                       "pid": pid}, separators=(",", ":"))


def _started() -> None:
    g.request_started = time.perf_counter()


def _finished(response):
    started = g.get("request_started")
    if started is not None:
        elapsed = (time.perf_counter() - started) * 1000
        log.info(request_line(request.method, request.path, response.status_code, elapsed, os.getpid()))
    return response


def _ensure_handler() -> None:
    """Lines go to stderr, unformatted, unless the operator configured the logger (dictConfig, gunicorn)."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def init_app(app: Flask) -> None:
    if not app.config.get("REQUEST_LOG", True):
        return
    _ensure_handler()
    app.before_request(_started)
    app.after_request(_finished)
