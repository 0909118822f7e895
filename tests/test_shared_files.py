"""Tests that need the files outside the repository (tests/shared_files.py) take them from CPS_SCHEMAS and
CPS_QTI_SAMPLES: pointed at a folder without them, such a test is skipped with a reason naming the variable, and
under CI=true it fails with that reason instead. Run in a pytest of its own, as a clone without the files would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.shared_files import SAMPLES_VARIABLE, SCHEMAS_VARIABLE, schemas_dir

SCHEMA_TEST = "tests/exporters/test_schemas.py::test_the_schemas_refuse_a_broken_item"
SAMPLE_TEST = "tests/exporters/test_qti30_manifest.py::test_reference_qti3_manifest_validates_with_the_same_schema"


def run_pytest(test: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", "pytest", test, "-q", "-rs", "-p", "no:randomly", "-p",
                           "no:cacheprovider"], cwd=REPO, env={**clean, **env}, capture_output=True, text=True,
                          timeout=300)


def missing(variable: str, folder: Path) -> dict[str, str]:
    """The variable pointed at an empty folder; the other variable left as this run has it."""
    env = {variable: str(folder)}
    if variable == SAMPLES_VARIABLE:
        env[SCHEMAS_VARIABLE] = str(schemas_dir())  # the schemas are there, only the samples are missing
    return env


@pytest.mark.parametrize(("test", "variable"), [(SCHEMA_TEST, SCHEMAS_VARIABLE), (SAMPLE_TEST, SAMPLES_VARIABLE)])
def test_without_the_files_the_test_is_skipped_naming_the_variable(tmp_path, test, variable):
    done = run_pytest(test, missing(variable, tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 skipped" in done.stdout
    assert f"${variable} ({tmp_path}) has no" in done.stdout and f"set {variable} to a folder" in done.stdout


@pytest.mark.parametrize(("test", "variable"), [(SCHEMA_TEST, SCHEMAS_VARIABLE), (SAMPLE_TEST, SAMPLES_VARIABLE)])
def test_under_ci_the_missing_files_fail_the_test(tmp_path, test, variable):
    done = run_pytest(test, {**missing(variable, tmp_path), "CI": "true"})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "skipped" not in done.stdout
    assert "required under CI=true: " in done.stdout and f"${variable} ({tmp_path}) has no" in done.stdout
