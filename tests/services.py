"""Where the tests find PostgreSQL and Redis, and whether they answer. Shared by tests/lti_tool and tests/scale.

CPS_TEST_POSTGRES_URL names a database the tests may connect to as a user who may create databases (each session
or test makes one of its own and drops it); CPS_TEST_REDIS_URL names the Redis whose keys the tests write under a
random prefix of their own.
"""

from __future__ import annotations

import os

POSTGRES_ADMIN_URL = os.environ.get("CPS_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def libpq(url: str) -> str:
    """The SQLAlchemy URL as psycopg takes it."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def postgres_problem() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        import psycopg

        with psycopg.connect(libpq(POSTGRES_ADMIN_URL), connect_timeout=3):
            return None
    except Exception as exc:  # any failure to connect means "not available here"
        return f"PostgreSQL at {POSTGRES_ADMIN_URL} is not reachable ({type(exc).__name__})"


def redis_problem() -> str | None:
    """None when Redis answers, else why not."""
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
        return None
    except Exception as exc:  # any failure to connect means "not available here"
        return f"Redis at {REDIS_URL} is not reachable ({type(exc).__name__})"
