"""Registrations and deployments cached in each worker process for the login and the launch.

Every commit that adds, changes or deletes a platform or deployment row (the `platform` commands, dynamic
registration, a deployment recorded at launch) writes a new random version into the shared store. Each login and
launch reads that version once (one Redis GET) and drops the process's cache when it differs, so an approval or a
removal takes effect on the next launch in every worker. A row read while the version moves on is not cached.
Entries also expire after MAX_AGE_SECONDS, in case something changed the rows without going through the ORM.

The same cache keeps the course and resource-link rows launches share (id and the values last written), so a launch
into a known course with unchanged claims reads neither row; they go with the registrations (a platform removal
deletes them by cascade) and after MAX_AGE_SECONDS.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from lti_tool.lti.models import Deployment, Platform
from lti_tool.web.shared_store import SharedStore, store

VERSION_KEY = "registrations-version"
VERSION_TTL_SECONDS = 366 * 24 * 3600
MAX_AGE_SECONDS = 60
MAX_ENTRIES = 1000
_CHANGED = "registrations_changed"


@dataclass(frozen=True)
class PlatformEntry:
    """What the login and launch need of a registration row, detached from any session."""

    id: int
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    auth_audience: str | None
    key_set_url: str
    status: str

    @property
    def is_active(self) -> bool:
        return self.status == Platform.ACTIVE

    @classmethod
    def of(cls, row: Platform) -> PlatformEntry:
        return cls(row.id, row.issuer, row.client_id, row.auth_login_url, row.auth_token_url, row.auth_audience,
                   row.key_set_url, row.status)


class RegistrationCache:
    """Platforms by (issuer, client id) and deployment row ids by (platform id, deployment id), for one process."""

    def __init__(self, shared: SharedStore) -> None:
        self._shared = shared
        self._lock = threading.Lock()
        self._version: Any = object()
        self._filled_at = 0.0
        self._platforms: dict[tuple[str, str | None], PlatformEntry | None] = {}
        self._deployments: dict[tuple[int, str], int] = {}
        self._shared_rows: dict[tuple, tuple[int, tuple]] = {}

    def sync(self) -> Any:
        """Read the shared version (once per request); a new one, or an old cache, empties this process's cache.
        Returns the version to pass to `put_*`."""
        version = self._shared.get(VERSION_KEY)
        with self._lock:
            if version != self._version or time.monotonic() - self._filled_at > MAX_AGE_SECONDS:
                self._platforms.clear()
                self._deployments.clear()
                self._shared_rows.clear()
                self._version, self._filled_at = version, time.monotonic()
        return version

    def platform(self, issuer: str, client_id: str | None) -> tuple[bool, PlatformEntry | None]:
        """(found in the cache, entry); an entry of None means "no such registration"."""
        key = (issuer, client_id)
        return key in self._platforms, self._platforms.get(key)

    def deployment_row_id(self, platform_id: int, deployment_id: str) -> int | None:
        return self._deployments.get((platform_id, deployment_id))

    def put_platform(self, version: Any, issuer: str, client_id: str | None, entry: PlatformEntry | None) -> None:
        with self._lock:
            if version == self._version and len(self._platforms) < MAX_ENTRIES:
                self._platforms[(issuer, client_id)] = entry

    def put_deployment(self, version: Any, platform_id: int, deployment_id: str, row_id: int) -> None:
        with self._lock:
            if version == self._version and len(self._deployments) < MAX_ENTRIES:
                self._deployments[(platform_id, deployment_id)] = row_id


    def shared_row(self, key: tuple) -> tuple[int, tuple] | None:
        """(row id, values last written) of a course or resource link by (table, platform id, natural key)."""
        return self._shared_rows.get(key)

    def put_shared_row(self, version: Any, key: tuple, row_id: int, values: tuple) -> None:
        with self._lock:
            if version == self._version and len(self._shared_rows) < MAX_ENTRIES:
                self._shared_rows[key] = (row_id, values)


def bump_version(shared: SharedStore) -> None:
    """Tell every worker that registrations changed: their caches are dropped on their next login or launch."""
    shared.put(VERSION_KEY, secrets.token_hex(8), VERSION_TTL_SECONDS)


def init_app(app: Flask) -> None:
    """A cache for this app, and a version bump after every commit that touched a platform or deployment row."""
    shared = store(app)
    app.extensions["lti_registrations"] = RegistrationCache(shared)
    sessions = app.extensions["lti_db"]

    @event.listens_for(sessions, "after_flush")
    def _note_registration_changes(session: Session, _context) -> None:
        touched = (*session.new, *session.dirty, *session.deleted)
        if any(isinstance(row, (Platform, Deployment)) for row in touched):
            session.info[_CHANGED] = True

    @event.listens_for(sessions, "after_commit")
    def _announce_registration_changes(session: Session) -> None:
        if session.info.pop(_CHANGED, False):
            bump_version(shared)


def registration_cache(app: Flask) -> RegistrationCache:
    return app.extensions["lti_registrations"]
