"""`cps-assess export` and `cps-assess formats`: files written, one-line errors, exit codes 0 / 1 / 2."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from exporters.base import available_formats
from item_bank.cli import main


@pytest.fixture
def run(starter_bank_path, monkeypatch):
    monkeypatch.setenv("CPS_BANK", str(starter_bank_path))

    def invoke(*args: str):
        return CliRunner().invoke(main, list(args))

    return invoke


def test_formats_lists_every_registered_format(run):
    result = run("formats")
    assert result.exit_code == 0
    assert [line.split()[0] for line in result.output.splitlines()] == available_formats()


def test_export_all_writes_every_format_into_the_folder(run, tmp_path):
    result = run("export", "--format", "all", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) == len(available_formats())
    assert "cps-ethics-bank-qti21.zip" in written and "cps-ethics-bank-cc13.imscc" in written
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.endswith(".partial")]


def test_export_one_form_to_a_file(run, tmp_path):
    target = tmp_path / "quiz.zip"
    result = run("export", "--format", "qti30", "--form", "starter-quiz", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "qti30: 7 items" in result.output
    assert sum(n.startswith("items/") for n in zipfile.ZipFile(target).namelist()) == 7


@pytest.mark.parametrize("args, message", [
    (("--format", "qti99"), "unknown format 'qti99'"),
    (("--format", "qti21", "--form", "no-such-form"), "unknown form 'no-such-form'"),
])
def test_unknown_format_or_form_is_a_one_line_usage_error(run, tmp_path, args, message):
    result = run("export", *args, "-o", str(tmp_path / "x.zip"))
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [result.output.strip().splitlines()[0]]
    assert message in result.output
    assert not (tmp_path / "x.zip").exists()


def test_a_bank_that_does_not_load_exits_1(run, tmp_path):
    result = run("export", "--format", "qti21", "--bank", str(tmp_path / "missing"), "-o", str(tmp_path / "x.zip"))
    assert result.exit_code == 1
    assert "no such folder" in result.output
    assert "Traceback" not in result.output
