"""The origins of the registered platforms (their issuer, login and token URLs), which the security headers
(lti_tool.web.security_headers) let frame the tool and receive its forms. Read from the database at most once a
minute per worker, and at once in the worker that changed a registration, so a new registration is frameable
everywhere within a minute.
"""

from __future__ import annotations

import threading
import time

from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lti_tool.lti.models import Platform
from lti_tool.web.db import session_scope
from lti_tool.web.security_headers import FRAME_ORIGINS, origin_of

ORIGINS_MAX_AGE_SECONDS = 60


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


def init_app(app: Flask) -> None:
    """The app's frame origins are the platforms'; this worker re-reads them as soon as it commits a platform
    change."""
    origins = app.extensions[FRAME_ORIGINS] = PlatformOrigins()

    @event.listens_for(app.extensions["lti_db"], "after_flush")
    def _platform_changed(session: Session, _context) -> None:
        if any(isinstance(row, Platform) for row in (*session.new, *session.dirty, *session.deleted)):
            origins.forget()
