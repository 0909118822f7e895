"""Settings for the LTI tool, read from the environment once per `create_app` call.

Every setting has an embedded default so `cps-assess serve` runs on a fresh clone; operators override them with
environment variables (documented in docs/operations.md). Tests pass a dict to `create_app` instead.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path

DEFAULT_LAUNCH_TARGETS = {
    "deep_link": "deep_linking.pick",
    "learner": "delivery.start",
    "instructor": "instructor.home",
    "submission_review": "submission_review.show",
}


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name}={raw!r} is not a whole number; set it to e.g. {default}") from exc


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list, blanks dropped."""
    return tuple(part.strip() for part in (env.get(name) or "").split(",") if part.strip())


def _networks(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """A comma-separated list of IP networks (10.0.0.0/8, 127.0.0.1/32); a bad entry is a clear error."""
    raw = [part.strip() for part in (env.get(name) or "").split(",") if part.strip()]
    for part in raw:
        try:
            ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise ValueError(f"{name}: {part!r} is not an IP network; write e.g. 127.0.0.1/32 or 10.20.0.0/16"
                             ) from None
    return tuple(raw)


def default_database_url(instance_path: str | Path) -> str:
    return f"sqlite:///{Path(instance_path) / 'cps-assess.sqlite3'}"


def settings_from_environment(instance_path: str | Path, env: Mapping[str, str] | None = None) -> dict:
    """The app's configuration: environment variables over embedded defaults."""
    env = os.environ if env is None else env
    return {
        # Storage: SQLite in the instance folder unless DATABASE_URL names another database.
        "DATABASE_URL": env.get("DATABASE_URL") or default_database_url(instance_path),
        # Nonces, launch state, platform keys and access tokens live in Redis when set (several workers).
        "REDIS_URL": env.get("REDIS_URL") or None,
        # Prefix of the tool's Redis keys, so one Redis can serve several tools (or test runs).
        "REDIS_PREFIX": env.get("CPS_REDIS_PREFIX") or "cps-assess:",
        # One JSON line per request on stderr (method, path, status, ms, pid); 0 turns it off.
        "REQUEST_LOG": _flag(env, "CPS_REQUEST_LOG", True),
        # The tool's public base URL (https://assess.example.org); when unset the request's own host is used.
        "PUBLIC_URL": (env.get("CPS_PUBLIC_URL") or "").rstrip("/") or None,
        # Origins allowed to frame the tool besides the registered platforms (space- or comma-separated).
        "FRAME_ANCESTORS": tuple(o for o in (env.get("CPS_FRAME_ANCESTORS") or "").replace(",", " ").split() if o),
        # Number of trusted proxies in front of the tool; X-Forwarded-* headers are honoured only when > 0.
        "PROXY_HOPS": _int(env, "CPS_PROXY_HOPS", 0),
        # Clock skew allowed on exp / iat / nbf of platform tokens.
        "JWT_LEEWAY_SECONDS": _int(env, "CPS_JWT_LEEWAY_SECONDS", 30),
        # id_tokens issued longer ago than this are refused even when not expired.
        "MAX_TOKEN_AGE_SECONDS": _int(env, "CPS_MAX_TOKEN_AGE_SECONDS", 600),
        # id_tokens larger than this (bytes) are refused before any parsing.
        "MAX_ID_TOKEN_BYTES": _int(env, "CPS_MAX_ID_TOKEN_BYTES", 64 * 1024),
        # Refuse launches from deployment ids not recorded yet (default: record and accept them).
        "STRICT_DEPLOYMENTS": _flag(env, "CPS_STRICT_DEPLOYMENTS", False),
        # Timeout (seconds) of every outbound HTTP call: platform keys, access tokens, AGS, registration.
        "HTTP_TIMEOUT_SECONDS": _int(env, "CPS_HTTP_TIMEOUT_SECONDS", 10),
        # How long a platform's key set is cached before it is fetched again.
        "PLATFORM_JWKS_CACHE_SECONDS": _int(env, "CPS_PLATFORM_JWKS_CACHE_SECONDS", 3600),
        # The absolute lifetime of a learner's launch (the `ls` token in the tool's URLs).
        "LAUNCH_SESSION_SECONDS": _int(env, "CPS_LAUNCH_SESSION_SECONDS", 6 * 3600),
        # A launch's pages stop working after this long without a request (each request renews it).
        "SESSION_IDLE_SECONDS": _int(env, "CPS_SESSION_IDLE_SECONDS", 3600),
        # The absolute lifetime of an instructor's launch (LAUNCH_SESSION_SECONDS is the learners').
        "INSTRUCTOR_SESSION_SECONDS": _int(env, "CPS_INSTRUCTOR_SESSION_SECONDS", 2 * 3600),
        # Grading, regrading and other grade changes need an instructor launch younger than this.
        "GRADE_CHANGE_SECONDS": _int(env, "CPS_GRADE_CHANGE_SECONDS", 1800),
        # Lifetime of the OIDC login state (login -> launch).
        "LOGIN_STATE_SECONDS": _int(env, "CPS_LOGIN_STATE_SECONDS", 600),
        # After `keys rotate`, the previous key stays published this long.
        "KEY_GRACE_SECONDS": _int(env, "CPS_KEY_GRACE_SECONDS", 7 * 24 * 3600),
        # Fernet keys sealing the tool's private keys in the database (comma-separated: the first seals, all open);
        # empty = keys stored as plain PEM. Checked by lti_tool/lti/key_encryption.py; `cps-assess keys encrypt`.
        "KEY_ENCRYPTION_KEYS": _list(env, "CPS_KEY_ENCRYPTION_KEYS"),
        # Dynamic registration needs a one-time link (`cps-assess registration-link`); 1 = anyone may also start one
        # through the bare /lti/register URL (it stays pending until an admin approves it).
        "OPEN_REGISTRATION": _flag(env, "CPS_OPEN_REGISTRATION", False),
        # Networks a registration may call although they are not public (development: 127.0.0.1/32; an LMS on the
        # private network: its address). Empty: only public addresses, over https.
        "REGISTRATION_ALLOWED_NETWORKS": _networks(env, "CPS_REGISTRATION_ALLOWED_NETWORKS"),
        # Registration attempts allowed per client address and window (counted across workers); 0 = no limit.
        "REGISTRATION_ATTEMPTS": _int(env, "CPS_REGISTRATION_ATTEMPTS", 10),
        "REGISTRATION_WINDOW_SECONDS": _int(env, "CPS_REGISTRATION_WINDOW_SECONDS", 3600),
        # Where a successful launch goes: endpoint names of the deep-linking, learner and instructor pages.
        "LAUNCH_TARGETS": dict(DEFAULT_LAUNCH_TARGETS),
        # The item bank the tool delivers (folder); None = the embedded bank.
        "BANK_PATH": env.get("CPS_BANK") or None,
        # The grade sender of each `serve` worker (and `cps-assess grades worker`) drains the score outbox this often
        # (seconds); 0 = no sender in the workers, only `cps-assess grades send`. Building the app starts nothing.
        "GRADES_SENDER_INTERVAL_SECONDS": _int(env, "CPS_GRADES_SENDER_SECONDS", 10),
        # Scores that keep failing with timeouts, 5xx or 429 are retried this long before they are marked failed.
        "GRADES_RETRY_HOURS": _int(env, "CPS_GRADES_RETRY_HOURS", 48),
        # The first retry of a failed score waits this long (seconds); each further retry doubles it, up to an hour.
        "GRADES_FIRST_RETRY_SECONDS": _int(env, "CPS_GRADES_FIRST_RETRY_SECONDS", 30),
        # A sender that claimed a score and died holds it this long; then another sender sends it (seconds).
        "GRADES_CLAIM_LEASE_SECONDS": _int(env, "CPS_GRADES_CLAIM_LEASE_SECONDS", 120),
        "MAX_CONTENT_LENGTH": 1024 * 1024,
    }
