"""A key-value store shared by every worker: login state, single-use nonces, platform key sets, access tokens.

Redis when REDIS_URL is set (several workers or machines), else a table of the tool's database. Values are
JSON. `take` is atomic (read and delete in one step), which is what makes a nonce single-use across workers.
`put_many` and `take_and_delete` do in one round trip what a login and a launch need together.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import String, Text, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from lti_tool.web.db import Base, UtcDateTime

PURGE_ONE_IN = 200


class StoreEntry(Base):
    """The shared key-value store when no Redis is configured: nonces, login state, key sets, access tokens."""

    __tablename__ = "lti_store"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class SharedStore(Protocol):
    def put(self, key: str, value: Any, ttl: int) -> None: ...
    def get(self, key: str) -> Any | None: ...
    def add(self, key: str, value: Any, ttl: int) -> bool: ...
    def take(self, key: str) -> Any | None: ...
    def delete(self, key: str) -> None: ...
    def put_many(self, entries: dict[str, Any], ttl: int) -> None: ...
    def take_and_delete(self, key: str, other: str) -> Any | None: ...


class DatabaseStore:
    """The store as rows of `lti_store`; each call is its own short transaction."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @staticmethod
    def _expiry(ttl: int) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=ttl)

    def put(self, key: str, value: Any, ttl: int) -> None:
        try:
            with self._sessions.begin() as session:
                session.execute(delete(StoreEntry).where(StoreEntry.key == key))
                session.add(StoreEntry(key=key, value=json.dumps(value), expires_at=self._expiry(ttl)))
                if random.randrange(PURGE_ONE_IN) == 0:
                    session.execute(delete(StoreEntry).where(StoreEntry.expires_at <= datetime.now(UTC)))
        except IntegrityError:
            # A concurrent put of the same key committed between our delete and insert: overwrite its row.
            with self._sessions.begin() as session:
                session.execute(update(StoreEntry).where(StoreEntry.key == key)
                                .values(value=json.dumps(value), expires_at=self._expiry(ttl)))

    def get(self, key: str) -> Any | None:
        with self._sessions() as session:
            entry = session.execute(select(StoreEntry).where(StoreEntry.key == key)).scalar_one_or_none()
            if entry is None or entry.expires_at <= datetime.now(UTC):
                return None
            return json.loads(entry.value)

    def add(self, key: str, value: Any, ttl: int) -> bool:
        with self._sessions.begin() as session:
            session.execute(delete(StoreEntry).where(StoreEntry.key == key,
                                                     StoreEntry.expires_at <= datetime.now(UTC)))
        try:
            with self._sessions.begin() as session:
                session.add(StoreEntry(key=key, value=json.dumps(value), expires_at=self._expiry(ttl)))
        except IntegrityError:
            return False
        return True

    def take(self, key: str) -> Any | None:
        with self._sessions.begin() as session:
            row = session.execute(
                delete(StoreEntry).where(StoreEntry.key == key).returning(StoreEntry.value, StoreEntry.expires_at)
            ).first()
        return self._live_value(row)

    def delete(self, key: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(StoreEntry).where(StoreEntry.key == key))

    def put_many(self, entries: dict[str, Any], ttl: int) -> None:
        """Several fresh keys (random names, like a login's state and nonce) in one transaction."""
        try:
            with self._sessions.begin() as session:
                session.execute(delete(StoreEntry).where(StoreEntry.key.in_(list(entries))))
                session.add_all([StoreEntry(key=key, value=json.dumps(value), expires_at=self._expiry(ttl))
                                 for key, value in entries.items()])
                if random.randrange(PURGE_ONE_IN) == 0:
                    session.execute(delete(StoreEntry).where(StoreEntry.expires_at <= datetime.now(UTC)))
        except IntegrityError:
            for key, value in entries.items():
                self.put(key, value, ttl)

    def take_and_delete(self, key: str, other: str) -> Any | None:
        """`take(key)` and `delete(other)` in one transaction."""
        with self._sessions.begin() as session:
            row = session.execute(
                delete(StoreEntry).where(StoreEntry.key == key).returning(StoreEntry.value, StoreEntry.expires_at)
            ).first()
            session.execute(delete(StoreEntry).where(StoreEntry.key == other))
        return self._live_value(row)

    @staticmethod
    def _live_value(row) -> Any | None:
        if row is None:
            return None
        value, expires_at = row
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
        return json.loads(value) if expires_at > datetime.now(UTC) else None


class RedisStore:
    """The store in Redis (keys prefixed so one Redis can serve several tools)."""

    def __init__(self, url: str, prefix: str = "cps-assess:") -> None:
        try:
            import redis
        except ModuleNotFoundError:
            raise ValueError("REDIS_URL is set but the Redis client is not installed: pip install "
                             "'cps-assess[redis]'") from None

        self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._prefix = prefix

    def put(self, key: str, value: Any, ttl: int) -> None:
        self._redis.set(self._prefix + key, json.dumps(value), ex=max(1, ttl))

    def get(self, key: str) -> Any | None:
        raw = self._redis.get(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def add(self, key: str, value: Any, ttl: int) -> bool:
        return bool(self._redis.set(self._prefix + key, json.dumps(value), ex=max(1, ttl), nx=True))

    def take(self, key: str) -> Any | None:
        raw = self._redis.getdel(self._prefix + key)
        return None if raw is None else json.loads(raw)

    def delete(self, key: str) -> None:
        self._redis.delete(self._prefix + key)

    def put_many(self, entries: dict[str, Any], ttl: int) -> None:
        pipe = self._redis.pipeline(transaction=False)
        for key, value in entries.items():
            pipe.set(self._prefix + key, json.dumps(value), ex=max(1, ttl))
        pipe.execute()

    def take_and_delete(self, key: str, other: str) -> Any | None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.getdel(self._prefix + key)
        pipe.delete(self._prefix + other)
        raw, _ = pipe.execute()
        return None if raw is None else json.loads(raw)

    def ping(self) -> None:
        """Raise when Redis does not answer (for /healthz)."""
        self._redis.ping()


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        prefix = app.config.get("REDIS_PREFIX") or "cps-assess:"
        app.extensions["lti_store"] = RedisStore(app.config["REDIS_URL"], prefix)
    else:
        app.extensions["lti_store"] = DatabaseStore(app.extensions["lti_db"])


def store(app: Flask | None = None) -> SharedStore:
    """The app's shared store (the current app's when none is given)."""
    return (app or current_app).extensions["lti_store"]
