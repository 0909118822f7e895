"""`cps-assess import` of a Common Cartridge: every item comes back; our own cartridges, which cannot carry the
bank's metadata, are refused in one line; another tool's cartridge is imported as drafts to fill in."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from exporters.qti_import import read_package
from item_bank.cli import main
from item_bank.markup import to_html, to_inline_html
from item_bank.model import Bank, ItemType
from item_bank.scoring import effective_rule
from tests.conftest import STARTER_BANK

CARTRIDGES = ["cc13", "cc11"]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _import(package: Path, target: Path):  # noqa: ANN202 - click's Result
    return CliRunner().invoke(main, ["import", str(package), "-o", str(target), "--blueprint",
                                     str(STARTER_BANK / "blueprint.yaml")])


def _expected_rule(fmt: str, item) -> str | None:  # noqa: ANN001
    if item.type is not ItemType.MULTIPLE_RESPONSE:
        return None
    return effective_rule(item).value if fmt == "cc13" else "all_or_nothing"  # cc11 only scores the exact key set


@pytest.mark.parametrize("fmt", CARTRIDGES)
@pytest.mark.parametrize("which", ["starter_bank", "real_bank"])
def test_every_item_of_our_cartridge_is_read_back(fmt, which, request, export_bytes, tmp_path):
    bank: Bank = request.getfixturevalue(which)
    result = read_package(_write(tmp_path, f"bank.{fmt}.imscc", export_bytes(fmt, bank=bank)))
    assert result.skipped == []
    assert [i.id for i in result.items] == [i.id for i in bank.items if i.status == "reviewed"]
    for got in result.items:
        item = bank.item(got.id)
        assert (got.type, got.points, got.scoring_rule) == (item.type.value, item.points, _expected_rule(fmt, item))
        assert (to_html(got.stem), to_html(got.feedback)) == (to_html(item.stem), to_html(item.feedback))
        scenario = bank.scenarios.get(item.scenario or "")
        assert got.scenario_title == (scenario.title if scenario else "")
        assert to_html(got.scenario_text) == (to_html(scenario.text) if scenario else to_html(""))
        assert [(c["id"], to_inline_html(c["text"]), c["correct"], to_html(c["rationale"])) for c in got.choices] == [
            (c.id, to_inline_html(c.text), c.correct, to_html(c.rationale)) for c in item.choices]


@pytest.mark.parametrize("fmt", CARTRIDGES)
def test_importing_our_own_cartridge_is_refused_in_one_line_and_writes_nothing(fmt, export_bytes, tmp_path):
    package = _write(tmp_path, f"bank.{fmt}.imscc", export_bytes(fmt))
    result = _import(package, tmp_path / "imported")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: bank.{fmt}.imscc: a Common Cartridge written by cps-assess")
    assert result.output.count("\n") == 1
    assert "domain, objectives" in result.output and "qti21" in result.output
    assert not (tmp_path / "imported").exists()


def _as_another_tool_wrote_it(data: bytes) -> bytes:
    """The same cartridge under a manifest identifier cps-assess does not write."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            body = source.read(name)
            if name == "imsmanifest.xml":
                body = body.replace(b'identifier="cps-cartridge-', b'identifier="i-exported-by-an-lms-', 1)
            target.writestr(name, body)
    return out.getvalue()


@pytest.mark.parametrize("fmt", CARTRIDGES)
def test_another_tools_cartridge_is_imported_whole_as_drafts_to_fill_in(fmt, export_bytes, starter_bank, tmp_path):
    package = _write(tmp_path, f"lms-{fmt}.imscc", _as_another_tool_wrote_it(export_bytes(fmt)))
    result = _import(package, tmp_path / "imported")
    assert result.exit_code == 0, result.output
    reviewed = [i for i in starter_bank.items if i.status == "reviewed"]
    assert f"imported {len(reviewed)} item(s)" in result.output and ", skipped 0 from" in result.output
    assert "fill in domain" in result.output
    written = (tmp_path / "imported" / "items" / f"imported-lms-{fmt}.yaml").read_text(encoding="utf-8")
    assert "type: multiple_response" in written and "type: extended_text" in written
    assert written.count("status: draft") == len(reviewed)
