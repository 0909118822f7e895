"""`cps-assess import` on bad input: an unreadable or missing blueprint, an output folder it cannot write, and an
existing bank, which it writes into only with --merge and then never with an id already there. Each answer is one
line and an exit status, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from item_bank.cli import main
from tests.exporters.zip_packages import ITEM, make_zip, manifest


@pytest.fixture
def package(tmp_path) -> Path:
    return make_zip(tmp_path / "pkg.zip", {"imsmanifest.xml": manifest(), "item.xml": ITEM})


def run(*args: str):
    return CliRunner().invoke(main, ["import", *args])


def one_line_error(result) -> str:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


def test_a_blueprint_that_is_not_yaml_is_refused_in_one_line(tmp_path, package):
    readme = tmp_path / "README.md"
    readme.write_text("# Title\n\n- a: b\n  c: [\n", encoding="utf-8")
    result = run(str(package), "-o", str(tmp_path / "out"), "--blueprint", str(readme))
    assert result.exit_code == 1
    assert "README.md: not a bank blueprint" in one_line_error(result)
    assert not (tmp_path / "out").exists()


def test_a_missing_blueprint_is_refused_not_ignored(tmp_path, package):
    result = run(str(package), "-o", str(tmp_path / "out"), "--blueprint", str(tmp_path / "MISSING.yaml"))
    assert result.exit_code == 1
    assert "MISSING.yaml: no such file" in one_line_error(result)
    assert not (tmp_path / "out").exists()


def test_a_folder_it_cannot_write_is_reported_in_one_line(tmp_path, package):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run(str(package), "-o", str(blocker / "bank"))
    assert result.exit_code == 1
    assert "cannot write the bank files" in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: ")
    assert not isinstance(result.exception, OSError)


def test_an_existing_bank_is_not_written_into_without_merge(tmp_path, package):
    out = tmp_path / "bank"
    assert run(str(package), "-o", str(out)).exit_code == 0
    before = sorted(p.name for p in out.rglob("*"))
    result = run(str(package), "-o", str(out))
    assert result.exit_code == 1
    assert "already holds a bank" in one_line_error(result) and "--merge" in result.output
    assert sorted(p.name for p in out.rglob("*")) == before


def test_merge_refuses_ids_already_in_the_bank_and_names_them(tmp_path, package):
    out = tmp_path / "bank"
    assert run(str(package), "-o", str(out)).exit_code == 0
    result = run(str(package), "-o", str(out), "--merge")
    assert result.exit_code == 1
    assert "1 imported id(s) already in the bank: x1" in one_line_error(result)


def test_merge_adds_new_ids_to_an_existing_bank(tmp_path, package):
    out = tmp_path / "bank"
    (out / "items").mkdir(parents=True)
    (out / "items" / "mine.yaml").write_text("items:\n- id: other-1\n", encoding="utf-8")
    result = run(str(package), "-o", str(out), "--merge")
    assert result.exit_code == 0, result.output
    assert (out / "items" / "imported-pkg.yaml").is_file() and (out / "items" / "mine.yaml").is_file()


def test_merge_never_replaces_the_file_of_an_earlier_import(tmp_path, package):
    out = tmp_path / "bank"
    (out / "items").mkdir(parents=True)
    earlier = out / "items" / "imported-pkg.yaml"
    earlier.write_text("items:\n- id: earlier-1\n", encoding="utf-8")
    result = run(str(package), "-o", str(out), "--merge")
    assert result.exit_code == 1
    assert "imported-pkg.yaml: already exists" in one_line_error(result)
    assert earlier.read_text(encoding="utf-8") == "items:\n- id: earlier-1\n"
