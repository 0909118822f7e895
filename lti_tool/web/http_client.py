"""Outbound HTTP: every call the tool makes (platform keys, tokens, AGS, registration) has a timeout."""

from __future__ import annotations

import requests
from flask import Flask, current_app

USER_AGENT = "cps-assess-lti-tool"


class TimeoutSession(requests.Session):
    """A requests session that applies a default (connect, read) timeout to every request."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        return super().request(method, url, **kwargs)


def http_session(app: Flask | None = None) -> TimeoutSession:
    return TimeoutSession(float((app or current_app).config["HTTP_TIMEOUT_SECONDS"]))
