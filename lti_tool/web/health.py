"""`/healthz` for load balancers and monitoring: 200 when the database (and Redis, when configured) answer,
503 otherwise; a small JSON body says which part is down, without connection strings or secrets."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from lti_tool.web.db import engine_of
from lti_tool.web.shared_store import RedisStore, store

bp = Blueprint("health", __name__)


def _database_ok() -> str:
    try:
        with engine_of(current_app).connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure means "down"; the type says which kind
        return f"unreachable ({type(exc).__name__})"
    return "ok"


def _redis_ok() -> str:
    shared = store()
    if not isinstance(shared, RedisStore):
        return "not configured"
    try:
        shared.ping()
    except Exception as exc:  # any failure means "down"; the type says which kind
        return f"unreachable ({type(exc).__name__})"
    return "ok"


def current_health() -> tuple[bool, dict[str, str]]:
    """Whether the tool can serve, and the state of each part it needs (also shown on the home page)."""
    checks = {"database": _database_ok(), "redis": _redis_ok()}
    return all(value in ("ok", "not configured") for value in checks.values()), checks


@bp.get("/healthz")
def healthz():
    healthy, checks = current_health()
    response = jsonify({"status": "ok" if healthy else "unavailable", **checks})
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
