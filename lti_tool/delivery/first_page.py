"""A link's first page as the launch's own response, the same way for quizzes and practice: no redirect and no
second request when the page can be shown, so a browser that blocks the tool's cookies in the LMS frame still gets
it."""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, g, redirect

from lti_tool.lti.launch_context import launch_url
from lti_tool.lti.models import LaunchSession

Landing = Callable[..., Response | tuple]


def answer_launch(launch: LaunchSession, land: Landing, fallback_endpoint: str) -> Response | tuple:
    """`land(render_first=True)` for this launch: its page (status 200) or its redirect as it is; a problem page is
    left to `fallback_endpoint`, which shows it, so the launch itself is still answered as accepted."""
    g.launch = launch
    answer = land(render_first=True)
    if isinstance(answer, Response) or answer[1] == 200:
        return answer
    return redirect(launch_url(fallback_endpoint), 303)
