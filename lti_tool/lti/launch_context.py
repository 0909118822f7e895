"""The contract between the launch and the tool's pages: a LaunchSession carried in the `ls` parameter.

After a successful launch, /lti/launch stores a LaunchSession and answers with the page for its message
(`landing_for`): the page itself when its blueprint registered a landing (the learner's first question), else a
redirect to it. Pages protect themselves with `@require_launch(...)`, which loads it into `flask.g.launch`;
every form posts the `ls` and `csrf_token` fields that `launch_fields()` renders, and `require_launch` checks
them on every POST. The launch travels in the URL, not a cookie, so pages work inside iframes whose cookies
are blocked.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Response, current_app, g, redirect, request, url_for
from markupsafe import Markup, escape

from lti_tool.lti import launch_lifetime as lifetime
from lti_tool.lti.models import LaunchSession
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal

F = TypeVar("F", bound=Callable[..., Any])

LAUNCH_PARAM = "ls"
CSRF_FIELD = "csrf_token"


def new_token() -> str:
    """A random URL-safe token of 32 bytes (43 characters)."""
    return secrets.token_urlsafe(32)


def target_endpoint(launch: LaunchSession) -> str:
    """The endpoint a launch lands on: deep-linking picker, submission review, instructor home or the learner's
    delivery."""
    targets = current_app.config["LAUNCH_TARGETS"]
    if launch.is_deep_link:
        return targets["deep_link"]
    if launch.is_submission_review:
        return targets.get("submission_review", "")
    return targets["instructor"] if launch.is_instructor else targets["learner"]


def landing_for(launch: LaunchSession) -> Response | tuple | None:
    """The response to a fresh launch, or None when its page is not installed in this app. A page that registered
    a landing in `app.extensions["launch_landings"]` (the learner's start) answers in the launch's own request,
    saving the browser a round trip; any other page is reached by a redirect."""
    endpoint = target_endpoint(launch)
    if endpoint not in current_app.view_functions:
        return None
    landing = current_app.extensions.get("launch_landings", {}).get(endpoint)
    if landing is not None:
        return landing(launch)
    return redirect(url_for(endpoint, **{LAUNCH_PARAM: launch.id}), code=303)


def load_launch(token: str | None) -> tuple[LaunchSession | None, bool]:
    """(the unexpired LaunchSession for a token, renewed for its idle timeout; whether the token was real but its
    session has ended)."""
    if not token or len(token) > 128:
        return None, False
    db = get_session()
    launch = db.get(LaunchSession, token)
    now = datetime.now(UTC)
    if launch is None:
        return None, False
    if launch.expires_at <= now:
        return None, True
    lifetime.renew(db, current_app.config, launch, now)
    return launch, False


def csrf_ok(launch: LaunchSession, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(launch.csrf_token.encode(), sent.encode())


def require_launch(*, instructor: bool | None = None) -> Callable[[F], F]:
    """Protect a view: a valid `ls` is required (401 otherwise); with instructor=True only instructors,
    with instructor=False only non-instructors (403 otherwise); on POST the CSRF token must match (403)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            token = request.values.get(LAUNCH_PARAM)
            launch, ended = load_launch(token)
            if launch is None and ended:
                return refusal(
                    401, "Your session has ended",
                    "This page was left unused for a while, so it stopped working. Every answer you saved is kept.",
                    "Go back to your course and open the activity again; you continue where you left off.")
            if launch is None:
                return refusal(
                    401, "This page needs a fresh launch",
                    "The link you followed has expired or is not valid.",
                    "Go back to your course and open the assessment again from there.")
            if instructor is True and not launch.is_instructor:
                return refusal(403, "Instructors only", "This page is for the course's instructors.",
                               "Open the assessment from your course as an instructor.")
            if instructor is False and launch.is_instructor:
                return refusal(403, "Learners only", "This page is for learners taking the assessment.",
                               "Instructors see the attempts from the instructor page.")
            if request.method not in ("GET", "HEAD", "OPTIONS") and not csrf_ok(launch, request.form.get(CSRF_FIELD)):
                return refusal(403, "This form has expired",
                               "The form you sent does not belong to your current launch.",
                               "Reload the page and send it again.")
            g.launch = launch
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def launch_fields() -> Markup:
    """The hidden `ls` and `csrf_token` inputs every form of a launched page must include."""
    launch: LaunchSession = g.launch
    return Markup(
        f'<input type="hidden" name="{LAUNCH_PARAM}" value="{escape(launch.id)}">'
        f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(launch.csrf_token)}">'
    )


def launch_url(endpoint: str, **values: Any) -> str:
    """url_for that carries the current launch (`ls`) along."""
    return url_for(endpoint, **{LAUNCH_PARAM: g.launch.id}, **values)


def needs_fresh_launch():
    """None when the instructor's launch may still change grades, else the page that asks for a fresh launch."""
    if lifetime.may_change_grades(current_app.config, g.launch, datetime.now(UTC)):
        return None
    return refusal(403, "Open the tool again to change grades",
                   "Grades can be changed only within a short time after opening the tool from the course. Nothing "
                   "was changed.", "Go back to your course, open the assessment again and repeat the change.")
