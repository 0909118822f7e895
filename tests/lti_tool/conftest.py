"""Fixtures for the LTI tool: the app on a fresh database (SQLite, and PostgreSQL when reachable or under
CI=true), the tool served over real HTTP, and the test platform (tests/lti_platform.py) registered with it.

The plain functions behind them (make_app, register_by_hand, follow, ...) live in tests/lti_tool/helpers.py, which
test modules import; a module that needs other settings overrides `app_config`."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import skip_or_fail
from tests.lti_platform import Browser, LtiPlatform
from tests.lti_tool.helpers import APPS_OF_THIS_TEST, LiveTool, live_grade_senders, make_app, register_by_hand, stop_app
from tests.services import POSTGRES_ADMIN_URL, libpq, postgres_problem


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database `cps_test_<random>` created from the `test` database for this session, dropped at the end."""
    problem = postgres_problem()
    if problem:
        skip_or_fail(problem)
    import psycopg

    name = f"cps_test_{secrets.token_hex(4)}"
    with psycopg.connect(libpq(POSTGRES_ADMIN_URL), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(libpq(POSTGRES_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _fresh_postgres_schema(url: str) -> None:
    import psycopg

    with psycopg.connect(libpq(url), autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request, tmp_path: Path) -> str:
    """Each test using it runs on SQLite and on PostgreSQL (skipped outside CI when PostgreSQL is missing; the
    PostgreSQL runs carry the `postgres` marker, so `-m "not postgres"` keeps SQLite only)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'tool.sqlite3'}"
    url = request.getfixturevalue("postgres_database")
    _fresh_postgres_schema(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tool.sqlite3'}"


@pytest.fixture(autouse=True)
def _stop_apps_at_teardown() -> Iterator[None]:
    """Every app a test made stops its background sender and closes its connections when the test ends, so no
    thread outlives its database (a PostgreSQL test database is dropped at the end of the session)."""
    yield
    while APPS_OF_THIS_TEST:
        stop_app(APPS_OF_THIS_TEST.pop())
    leaked = live_grade_senders()
    assert not leaked, (f"{len(leaked)} background grade sender(s) outlived the test: a sender left running drains "
                        "the next test's outbox on the shared PostgreSQL database")


@pytest.fixture
def app_config() -> dict:
    """Settings over make_app's defaults for `app`, `live_tool`, `registered` and `tool`; a test module overrides
    this fixture to change them (e.g. a shorter idle timeout)."""
    return {}


@pytest.fixture
def app(tmp_path: Path, sqlite_url: str, app_config: dict) -> Flask:
    """The app on SQLite, no background sender."""
    return make_app(tmp_path, sqlite_url, **app_config)


@pytest.fixture
def client(app: Flask):
    """Flask's test client for `app`."""
    return app.test_client()


@pytest.fixture
def live_tool_factory(tmp_path: Path) -> Iterator:
    """Serve an app over HTTP on a free port: `live_tool_factory(database_url, **config)`."""
    servers = []

    def serve(url: str, **overrides) -> LiveTool:
        app = make_app(tmp_path, url, **overrides)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        # A short poll interval: shutdown at teardown takes 50 ms instead of the default 0.5 s.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return LiveTool(app=app, url=f"http://127.0.0.1:{server.server_port}")

    yield serve
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def live_tool(live_tool_factory, database_url: str, app_config: dict) -> LiveTool:
    """The tool over HTTP, on SQLite and on PostgreSQL."""
    return live_tool_factory(database_url, **app_config)


@pytest.fixture
def browser() -> Browser:
    return Browser()


@pytest.fixture
def registered(live_tool: LiveTool, platform: LtiPlatform) -> LiveTool:
    """The live tool with the platform registered by hand (client-1, deployment dep-1)."""
    register_by_hand(live_tool, platform)
    return live_tool


@pytest.fixture
def tool(registered: LiveTool) -> LiveTool:
    """The same as `registered`: the live tool (SQLite and PostgreSQL) with the Canvas-flavoured test platform
    registered as client-1, no background sender (a test drains the outbox itself and sees exactly what was sent)."""
    return registered
