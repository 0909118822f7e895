"""Fixtures for the scale tests: a PostgreSQL database and a Redis key prefix of their own, the test platform,
and `cps-assess serve` started as real processes (gunicorn) over them. Under CI=true a missing PostgreSQL or
Redis fails the tests instead of skipping them."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from tests.conftest import skip_or_fail
from tests.scale.tool_process import ToolProcess, registered_tool_database
from tests.services import POSTGRES_ADMIN_URL, REDIS_URL, libpq


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database `cps_scale_<random>`, dropped at the end of the test."""
    import psycopg

    try:
        with psycopg.connect(libpq(POSTGRES_ADMIN_URL), connect_timeout=3, autocommit=True) as conn:
            name = f"cps_scale_{secrets.token_hex(4)}"
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        skip_or_fail(f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({type(exc).__name__})")
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(libpq(POSTGRES_ADMIN_URL), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# `redis_prefix` (tests/conftest.py): a Redis key prefix of the test's own, its keys deleted at the end.


@pytest.fixture
def tool_processes(postgres_url, redis_prefix, platform, tmp_path) -> Iterator:
    """`start(workers=..., **env)` runs `cps-assess serve` on PostgreSQL + Redis; all share one public URL, whose
    database has the platform registered (client-1, dep-1). Every process is stopped at the end."""
    started: list[ToolProcess] = []
    public_port = ToolProcess.free_port()
    public_url = f"http://127.0.0.1:{public_port}"
    registered_tool_database(postgres_url, platform, public_url, tmp_path)
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": REDIS_URL, "CPS_REDIS_PREFIX": redis_prefix,
           "CPS_PUBLIC_URL": public_url}

    def start(workers: int = 1, port: int | None = None, **extra: str) -> ToolProcess:
        process = ToolProcess(port or ToolProcess.free_port(), workers, {**env, **extra}, tmp_path)
        started.append(process)
        return process.start()

    start.public_url = public_url
    start.public_port = public_port
    yield start
    for process in started:
        process.stop()
