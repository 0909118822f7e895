"""Registration attempts are rate-limited per client address, and the count holds across workers: two app instances
on one database (SQLite and PostgreSQL), and on one Redis. Under CI=true PostgreSQL and Redis must be there."""

from __future__ import annotations

import pytest

from lti_tool.web.rate_limit import Limit, retry_after
from lti_tool.web.shared_store import store
from tests.lti_tool.helpers import make_app
from tests.services import REDIS_URL

LIMIT = {"REGISTRATION_ATTEMPTS": 3, "REGISTRATION_WINDOW_SECONDS": 600}
STRANGER = "198.51.100.7"


@pytest.fixture(params=["database store", pytest.param("redis store", marks=pytest.mark.redis)])
def two_workers(request, tmp_path, database_url):
    """Two app instances over one database, sharing the database's store or one Redis."""
    settings = dict(LIMIT)
    if request.param == "redis store":
        settings.update(REDIS_URL=REDIS_URL, REDIS_PREFIX=request.getfixturevalue("redis_prefix"))
    return [make_app(tmp_path / name, database_url, **settings) for name in ("worker-1", "worker-2")]


def attempt(app, address: str = STRANGER):
    """One registration post from `address` (empty: within the limit it is refused as incomplete, with 400)."""
    return app.test_client().post("/lti/register", data={}, environ_base={"REMOTE_ADDR": address})


def test_registration_attempts_are_limited_per_address_across_workers(two_workers):
    first, second = two_workers
    assert [attempt(app).status_code for app in (first, second, first)] == [400, 400, 400]

    blocked = attempt(second)
    assert blocked.status_code == 429
    assert "Too many registration attempts" in blocked.get_data(as_text=True)
    assert 0 < int(blocked.headers["Retry-After"]) <= 600
    assert attempt(first).status_code == 429

    assert attempt(first, "198.51.100.8").status_code == 400  # another address has its own count


def test_the_limit_resets_with_the_next_window(tmp_path, sqlite_url):
    shared = store(make_app(tmp_path, sqlite_url))
    limit = Limit(attempts=2, window_seconds=60)
    now = 1_000_000_040.0  # 20 s into a 60 s window
    assert [retry_after(shared, "register", STRANGER, limit, now) for _ in range(3)] == [None, None, 40]
    assert retry_after(shared, "register", STRANGER, limit, now + 40) is None


def test_a_limit_of_zero_attempts_turns_the_limit_off(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, REGISTRATION_ATTEMPTS=0)
    assert {attempt(app).status_code for _ in range(12)} == {400}
