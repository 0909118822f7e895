"""Database engine and sessions: one engine per app, one session per request, Alembic for the schema.

Views call `get_session()`; background work (the AGS sender) uses `session_scope(app)`. `utcnow` and `UtcDateTime`
are the one clock and the one datetime column type of every table.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, TypeDecorator, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
SESSION_INFO = "session_info"  # app.extensions entry: what every session of the app carries in `Session.info`


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: the default of every timestamp column and the tool's one clock."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Declarative base of every table of the tool (lti_tool.lti.models, lti_tool.delivery.models, ...)."""


def make_engine(url: str) -> Engine:
    """An engine with the per-dialect settings the tool relies on (SQLite: FK checks, busy timeout, WAL with
    synchronous=NORMAL: a commit is safe against a crash of the process; a power cut may lose the last few).
    hide_parameters: a database error never carries bound values (names, e-mail addresses, answers) into the log."""
    if url.startswith("sqlite"):
        _create_private_file(url)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    try:
        return create_engine(url, pool_pre_ping=True, hide_parameters=True)
    except ModuleNotFoundError as exc:
        extra = " pip install 'cps-assess[postgres]'" if url.startswith("postgresql") else ""
        raise ValueError(f"DATABASE_URL needs the {exc.name} driver, which is not installed;{extra}") from None


def _create_private_file(url: str) -> None:
    """Create a SQLite database file readable only by the tool's user (it holds the private keys)."""
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    if not database or database == ":memory:":
        return
    path = Path(database)
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def init_app(app: Flask) -> None:
    """The app's engine and sessions. Each session's `info` starts as `app.extensions["session_info"]` (the key
    cipher put there by lti_tool.lti.key_encryption), so requests, senders and commands see the same."""
    engine = make_engine(app.config["DATABASE_URL"])
    info = dict(app.extensions.get(SESSION_INFO) or {})
    app.extensions["lti_db"] = sessionmaker(bind=engine, expire_on_commit=False, info=info)
    app.teardown_appcontext(_close_session)


def engine_of(app: Flask) -> Engine:
    return app.extensions["lti_db"].kw["bind"]


def get_session() -> Session:
    """The current request's session (created on first use, closed at teardown)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["lti_db"]()
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session outside any request: committed when the block ends, rolled back on error."""
    session: Session = app.extensions["lti_db"]()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(app: Flask) -> None:
    """Apply every Alembic revision (the tool's and the delivery tables') to the app's database."""
    from alembic import command

    cfg = alembic_config(app.config["DATABASE_URL"])
    cfg.attributes["bank_path"] = app.config.get("BANK_PATH")  # 0004 pins existing attempts to this bank
    with engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")


class UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite stores naive values; this restores the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use datetime.now(UTC)")
        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
