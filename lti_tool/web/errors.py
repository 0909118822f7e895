"""Error pages: every failure is a short explanation with what to check, never a traceback. `refusal` is the page
every view answers a request it cannot serve with."""

from __future__ import annotations

import logging

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

HINTS = {
    400: "The request was incomplete. Go back to your course and open the assessment again.",
    404: "Check the address, or open the assessment again from your course.",
    405: "Open the page from your course instead of sending this request directly.",
    413: "The request was too large. Open the assessment again from your course.",
}


def refusal(status: int, title: str, explanation: str, what_to_check: str = ""):
    """A clear error page: what went wrong and what to check; never a traceback, never a token."""
    return render_template("error.html", title=title, explanation=explanation, what_to_check=what_to_check), status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        status = exc.code or 500
        return render_template("error.html", title=f"{status} {exc.name}", explanation=exc.name,
                               what_to_check=HINTS.get(status, "")), status

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.error("unexpected error: %s", type(exc).__name__, exc_info=exc)
        return render_template("error.html", title="Something went wrong", explanation="The tool hit an error.",
                               what_to_check="Try again in a minute; if it persists, tell the course's "
                                             "administrator the time it happened."), 500
