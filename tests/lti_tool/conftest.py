"""Fixtures for the LTI tool: the app on a fresh database (SQLite, and PostgreSQL when reachable or under
CI=true), the tool served over real HTTP, and the test platform (tests/lti_platform.py) registered with it."""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from lti_tool import create_app, db
from lti_tool.grades import SENDER_THREAD_NAME
from tests.conftest import STARTER_BANK, skip_or_fail
from tests.lti_platform import Browser, LtiPlatform

POSTGRES_ADMIN_URL = os.environ.get("CPS_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")


def _postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "not available here"
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({type(exc).__name__})"


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database `cps_test_<random>` created from the `test` database for this session, dropped at the end."""
    problem = _postgres_reachable()
    if problem:
        skip_or_fail(problem)
    import psycopg

    name = f"cps_test_{secrets.token_hex(4)}"
    with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(_libpq(POSTGRES_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_postgres_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path: Path) -> str:
    """Each test using it runs on SQLite and on PostgreSQL (skipped outside CI when PostgreSQL is missing)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tool.sqlite3'}"
    url = request.getfixturevalue("postgres_database")
    _fresh_postgres_schema(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tool.sqlite3'}"


def live_grade_senders() -> list[threading.Thread]:
    """Background grade-sender threads still running in this process."""
    return [t for t in threading.enumerate() if t.name == SENDER_THREAD_NAME and t.is_alive()]


_APPS_OF_THIS_TEST: list[Flask] = []


@pytest.fixture(autouse=True)
def _stop_apps_at_teardown() -> Iterator[None]:
    """Every app a test made stops its background sender and closes its connections when the test ends, so no
    thread outlives its database (a PostgreSQL test database is dropped at the end of the session)."""
    yield
    while _APPS_OF_THIS_TEST:
        stop_app(_APPS_OF_THIS_TEST.pop())
    leaked = live_grade_senders()
    assert not leaked, (f"{len(leaked)} background grade sender(s) outlived the test: a sender left running drains "
                        "the next test's outbox on the shared PostgreSQL database")


def make_app(tmp_path: Path, url: str, **overrides) -> Flask:
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url, "SECRET_KEY": "test-secret",
              "BANK_PATH": str(STARTER_BANK), "HTTP_TIMEOUT_SECONDS": 5,
              # No background grade sender unless a test asks for one: a sender left running by an earlier
              # test would drain the next test's outbox on the shared PostgreSQL database.
              "GRADES_SENDER_INTERVAL_SECONDS": 0,
              # The test platforms listen on 127.0.0.1: dynamic registration may call that address (and no other
              # non-public one), as CPS_REGISTRATION_ALLOWED_NETWORKS allows in development.
              "REGISTRATION_ALLOWED_NETWORKS": ("127.0.0.1/32",), **overrides}
    app = create_app(config)
    _APPS_OF_THIS_TEST.append(app)
    db.upgrade(app)
    return app


@pytest.fixture
def app(tmp_path: Path, sqlite_url: str) -> Flask:
    return make_app(tmp_path, sqlite_url)


@dataclass
class LiveTool:
    app: Flask
    url: str


@pytest.fixture
def live_tool_factory(tmp_path: Path) -> Iterator:
    """Serve an app over HTTP on a free port: `live_tool_factory(database_url, **config)`."""
    servers = []

    def serve(url: str, **overrides) -> LiveTool:
        app = make_app(tmp_path, url, **overrides)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return LiveTool(app=app, url=f"http://127.0.0.1:{server.server_port}")

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


def stop_app(app: Flask) -> None:
    """Stop the app's background work and close its connections (before a test database is dropped)."""
    sender = app.extensions.pop("grade_sender", None)
    if sender is not None:
        sender.stop()
    db.engine_of(app).dispose()


@pytest.fixture
def live_tool(live_tool_factory, database_url: str) -> LiveTool:
    return live_tool_factory(database_url)


@pytest.fixture
def browser() -> Browser:
    return Browser()


def register_by_hand(tool: LiveTool, platform: LtiPlatform, client_id: str = "client-1",
                     deployment_ids: tuple[str, ...] = ("dep-1",), status: str = "active") -> None:
    """Register the tool on the platform and the platform in the tool, as `cps-assess platform add` does."""
    from lti_tool.models import Deployment, Platform

    platform.add_client(client_id, tool.url, deployment_ids)
    with db.session_scope(tool.app) as session:
        row = Platform(issuer=platform.issuer, client_id=client_id, name="Test platform", product=platform.flavour,
                       auth_login_url=f"{platform.url}/auth", auth_token_url=f"{platform.url}/token",
                       key_set_url=f"{platform.url}/jwks", status=status)
        row.deployments = [Deployment(deployment_id=d) for d in deployment_ids]
        session.add(row)


@pytest.fixture
def registered(live_tool: LiveTool, platform: LtiPlatform) -> LiveTool:
    """The live tool with the platform registered by hand (client-1, deployment dep-1)."""
    register_by_hand(live_tool, platform)
    return live_tool


def follow_redirects(browser, response):
    """Follow the tool's own redirects (303 after each post) to the page they lead to."""
    from urllib.parse import urljoin

    while response.status_code in (302, 303):
        response = browser.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False, timeout=10)
    return response
