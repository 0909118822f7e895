"""Shared fixtures: the starter bank, copies of it to break on purpose, the shipped bank, a test LTI platform, a
Redis prefix, the CI rule, and the markers every test gets from its folder and fixtures."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STARTER_BANK = REPO / "tests" / "fixtures" / "bank"
CONTENT_BANK = REPO / "item_bank" / "content"
IN_CI = os.environ.get("CI", "").lower() == "true"


def skip_or_fail(reason: str) -> None:
    """Outside CI a missing service or tool skips the test; under CI=true it fails, never skips."""
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture
def starter_bank_path() -> Path:
    return STARTER_BANK


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    """A writable copy of the starter bank for tests that inject defects."""
    dest = tmp_path / "bank"
    shutil.copytree(STARTER_BANK, dest)
    return dest


@pytest.fixture(scope="session")
def starter_bank():
    from item_bank.load import load_bank

    return load_bank(STARTER_BANK)


@pytest.fixture
def platform() -> Iterator:
    """A test LTI platform (Canvas flavour) served over real HTTP for the test, stopped after it."""
    from tests.lti_platform import LtiPlatform

    started = LtiPlatform("canvas").start()
    yield started
    started.stop()


@pytest.fixture(scope="session")
def real_bank():
    """The shipped bank (item_bank/content), loaded once for the session. Missing (an install without the content):
    skipped, or failed under CI=true. Present but not loading: a failure that names the first errors, never a
    skip, since a broken bank is exactly what these tests are for."""
    if not (CONTENT_BANK / "forms.yaml").is_file():
        skip_or_fail(f"the shipped bank is not at {CONTENT_BANK}")
    from item_bank.load import check_bank

    bank, problems = check_bank(CONTENT_BANK)
    if bank is None:
        errors = [str(p) for p in problems if p.severity == "error"]
        pytest.fail(f"the shipped bank in item_bank/content does not load ({len(errors)} errors):\n"
                    + "\n".join(errors[:10]))
    return bank


@pytest.fixture
def redis_url() -> str:
    """The test Redis (CPS_TEST_REDIS_URL); skipped when it does not answer, failed under CI=true."""
    from tests.services import REDIS_URL, redis_problem

    problem = redis_problem()
    if problem:
        skip_or_fail(problem)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own in Redis; its keys are deleted at the end."""
    import secrets

    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3)
    prefix = f"cps-test-{secrets.token_hex(4)}:"
    try:
        yield prefix
    finally:
        for key in client.scan_iter(match=prefix + "*", count=1000):
            client.delete(key)


# -- markers ---------------------------------------------------------------------------------------------------------
# Applied here from each test's folder and fixtures, so that no test can forget its marker (declared in
# pyproject.toml, listed in README.md's "Tests"; `make test-quick` deselects browser, scale, install and postgres;
# `install` is set by tests/test_install.py itself):
#   browser   tests/browser/, and any test using the real QTI 3 player (`qti3_player`)
#   scale     tests/scale/ (which also need PostgreSQL and Redis)
#   postgres  tests on a PostgreSQL database: `postgres_database`, `postgres_url`, the PostgreSQL run of `database_url`
#   redis     tests on Redis: `redis_url`, `redis_prefix` (directly or through another fixture)
FOLDER_MARKERS = {"browser": ("browser",), "scale": ("scale", "postgres", "redis")}
FIXTURE_MARKERS = {"qti3_player": "browser", "postgres_database": "postgres", "postgres_url": "postgres",
                   "redis_url": "redis", "redis_prefix": "redis"}


def markers_for(item: pytest.Item) -> set[str]:
    """The markers a collected test gets from where it lives and what it uses."""
    names: set[str] = set()
    try:
        folder = Path(str(item.path)).resolve().relative_to(REPO / "tests").parts[0]
    except ValueError:
        folder = ""
    names.update(FOLDER_MARKERS.get(folder, ()))
    fixtures = set(getattr(item, "fixturenames", ()))
    names.update(marker for fixture, marker in FIXTURE_MARKERS.items() if fixture in fixtures)
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("database_url") == "postgresql":
        names.add("postgres")
    return names


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        present = {mark.name for mark in item.iter_markers()}
        for name in sorted(markers_for(item) - present):
            item.add_marker(name)
