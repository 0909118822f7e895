"""Shared fixtures: the starter bank, copies of it to break on purpose, a test LTI platform, the CI rule."""

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
