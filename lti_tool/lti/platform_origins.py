"""The origins that may frame the tool and receive its forms, for the security headers
(lti_tool.web.security_headers): each active platform's issuer, login and token URLs, the origins of its own pages
learned from its signed launches (lti_tool.lti.learned_origins: a Canvas school's course site), and on a page of a
launch the page origins that launch's token named.

The platforms' list is read from the database at most once a minute per worker, and again as soon as this worker
commits a change to a registration or a learned origin: a new registration or course site is frameable at once in
the worker that saw it and within a minute in the others. The pages of a launch do not wait for that: the launch
stores its own page origins (`LaunchSession.frame_origins`), which every worker reads with the launch, and the launch's
own response lists them (lti_tool.lti.launch_views).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime

from flask import Flask, current_app, g, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lti_tool.lti import learned_origins
from lti_tool.lti.models import Platform, PlatformOrigin
from lti_tool.web.db import session_scope, utcnow
from lti_tool.web.security_headers import FRAME_ORIGINS, origin_of

ORIGINS_MAX_AGE_SECONDS = 60
_CHANGED = "frame_origins_changed"  # Session.info flag: this transaction touched a platform or a learned origin


class PlatformOrigins:
    """The active platforms' origins, registered and learned, cached per worker for ORIGINS_MAX_AGE_SECONDS."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: tuple[tuple[str, ...], dict[int, dict[str, datetime]]] = ((), {})
        self._read_at = float("-inf")
        self._forgotten = 0  # how often forget() was called: a read that overlapped one is not trusted

    def get(self, app: Flask) -> tuple[str, ...]:
        """The origins that may frame the current response: every active platform's and, on a page of a launch,
        the page origins its signed token named."""
        origins = self._fresh(app)[0]
        launch = g.get("launch") if has_app_context() else None
        own = tuple(getattr(launch, "frame_origins", None) or ())
        return (*origins, *own) if own else origins

    def learned(self, app: Flask, platform_id: int) -> Mapping[str, datetime]:
        """origin -> last seen, of the origins learned for one platform, as this worker knows them."""
        return self._fresh(app)[1].get(platform_id, {})

    def forget(self) -> None:
        self._forgotten += 1
        self._read_at = float("-inf")

    def _fresh(self, app: Flask) -> tuple[tuple[str, ...], dict[int, dict[str, datetime]]]:
        if time.monotonic() - self._read_at >= ORIGINS_MAX_AGE_SECONDS:
            with self._lock:
                if time.monotonic() - self._read_at >= ORIGINS_MAX_AGE_SECONDS:
                    started, forgotten = time.monotonic(), self._forgotten
                    self._state = self._read(app)
                    self._read_at = started if forgotten == self._forgotten else float("-inf")
        return self._state

    @staticmethod
    def _read(app: Flask) -> tuple[tuple[str, ...], dict[int, dict[str, datetime]]]:
        origins: set[str] = set()
        with session_scope(app) as db:
            rows = db.execute(select(Platform.issuer, Platform.auth_login_url, Platform.auth_token_url)
                              .where(Platform.status == Platform.ACTIVE))
            for row in rows:
                origins.update(o for o in map(origin_of, row) if o)
            learned = learned_origins.of_active_platforms(db)
        for pages in learned.values():
            origins.update(pages)
        return tuple(sorted(origins)), learned


def learn_page_origins(session: Session, platform_id: int, origins: tuple[str, ...]) -> None:
    """Add a validated launch's page origins to its platform's, in the launch's transaction (not committed); this
    worker re-reads its list once that commits, the others within a minute."""
    source: PlatformOrigins = current_app.extensions[FRAME_ORIGINS]
    known = source.learned(current_app, platform_id) if origins else {}
    if learned_origins.store(session, platform_id, origins, known, utcnow()):
        session.info[_CHANGED] = True


def init_app(app: Flask) -> None:
    """The app's frame origins are the platforms'; this worker re-reads them as soon as it commits a change to a
    platform or a learned origin."""
    origins = app.extensions[FRAME_ORIGINS] = PlatformOrigins()
    sessions = app.extensions["lti_db"]

    @event.listens_for(sessions, "after_flush")
    def _note_changes(session: Session, _context) -> None:
        if any(isinstance(row, (Platform, PlatformOrigin)) for row in (*session.new, *session.dirty, *session.deleted)):
            session.info[_CHANGED] = True

    @event.listens_for(sessions, "after_commit")
    def _reread_after_commit(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            origins.forget()
