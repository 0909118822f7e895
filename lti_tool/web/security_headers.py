"""Security headers on every response: a Content-Security-Policy that allows only the tool's own scripts and styles
(inline blocks carry a per-response nonce) and lets only the registered platforms frame the tool, nosniff, a
Referrer-Policy that keeps launch tokens (`ls` in URLs) out of Referer headers, and HSTS when the public URL is https.

`frame-ancestors` and `form-action` list the origins of the registered platforms (their issuer, login and token
URLs) plus CPS_FRAME_ANCESTORS; the list is read from the database at most once a minute per worker (at once in
the worker that changed a registration), so a new registration is frameable everywhere within a minute.
"""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lti_tool.db import session_scope
from lti_tool.models import Platform

ORIGINS_MAX_AGE_SECONDS = 60
HSTS = "max-age=31536000; includeSubDomains"
_ORIGINS = "platform_origins"


def csp_nonce() -> str:
    """The nonce of this response's inline <script> and <style> blocks."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL, or None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


class PlatformOrigins:
    """The registered platforms' origins, cached per worker for ORIGINS_MAX_AGE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._origins: tuple[str, ...] = ()
        self._read_at = float("-inf")

    def get(self, app: Flask) -> tuple[str, ...]:
        if time.monotonic() - self._read_at < ORIGINS_MAX_AGE_SECONDS:
            return self._origins
        with self._lock:
            if time.monotonic() - self._read_at >= ORIGINS_MAX_AGE_SECONDS:
                self._origins = self._read(app)
                self._read_at = time.monotonic()
        return self._origins

    def forget(self) -> None:
        self._read_at = float("-inf")

    @staticmethod
    def _read(app: Flask) -> tuple[str, ...]:
        origins: set[str] = set()
        with session_scope(app) as db:
            rows = db.execute(select(Platform.issuer, Platform.auth_login_url, Platform.auth_token_url)
                              .where(Platform.status == Platform.ACTIVE))
            for row in rows:
                origins.update(o for o in map(origin_of, row) if o)
        return tuple(sorted(origins))


def policy(app: Flask, nonce: str) -> str:
    """The Content-Security-Policy of one response."""
    extra = tuple(app.config.get("FRAME_ANCESTORS") or ())
    platforms = app.extensions[_ORIGINS].get(app)
    sources = " ".join(dict.fromkeys((*platforms, *extra)))
    return "; ".join((
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        f"form-action 'self' {sources}".rstrip(),
        f"frame-ancestors 'self' {sources}".rstrip(),
    ))


def _add_headers(response: Response) -> Response:
    app = current_app._get_current_object()
    response.headers["Content-Security-Policy"] = policy(app, csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if (app.config.get("PUBLIC_URL") or "").startswith("https://"):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    """Headers on every response; this worker re-reads the origins as soon as it commits a platform change."""
    origins = app.extensions[_ORIGINS] = PlatformOrigins()
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_headers)

    @event.listens_for(app.extensions["lti_db"], "after_flush")
    def _platform_changed(session: Session, _context) -> None:
        if any(isinstance(row, Platform) for row in (*session.new, *session.dirty, *session.deleted)):
            origins.forget()
