"""Every real package in $CPS_QTI_SAMPLES (default ../shared/qti-samples) imports (unsupported item types listed
as skipped) or is refused."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from exporters.qti_import import ImportRefused, read_package
from item_bank.cli import main
from item_bank.load import check_bank
from tests.conftest import STARTER_BANK
from tests.shared_files import qti_samples_dir

# sample -> (items imported, items skipped)
EXPECTED = {
    "qti-2.1/tao_package.zip": (1, 0),
    "qti-2.2/tao_qti22.zip": (3, 0),
    "qti-2.2/instructure_imsqti_2.2_package": (1, 0),
    "qti-3.0/citolab_conformance_T4-T7": (2, 2),
    "canvas-qti-1.2/canvas_quiz_export": (4, 0),
    "canvas-qti-1.2/canvas_course_export_imscc": (2, 0),
    "canvas-qti-1.2/all_canvas_simple_1.2.xml": (4, 6),
}


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_real_sample_imports(sample):
    result = read_package(qti_samples_dir() / sample)
    assert (len(result.items), len(result.skipped)) == EXPECTED[sample]
    for item in result.items:
        assert item.stem
        if item.type != "extended_text":
            assert sum(c["correct"] for c in item.choices) >= 1, item.id


def test_every_skip_has_a_reason():
    result = read_package(qti_samples_dir() / "canvas-qti-1.2/all_canvas_simple_1.2.xml")
    reasons = {s.identifier: s.reason for s in result.skipped}
    assert all("not one the bank supports" in r for r in reasons.values())
    assert any("matching_question" in r for r in reasons.values())


def test_canvas_quiz_keys_and_types_are_read():
    items = {i.id: i for i in read_package(qti_samples_dir() / "canvas-qti-1.2/canvas_quiz_export").items}
    multiple = items["ib9660eb1a61a14e7cba8be7060fbb869"]
    assert multiple.type == "multiple_response"
    assert [c["id"] for c in multiple.choices if c["correct"]] == ["5119", "6216"]
    true_false = items["i684d5931341c096d99a050f07a8d2b15"]
    assert true_false.type == "true_false"
    assert [c["id"] for c in true_false.choices if c["correct"]] == ["true"]
    assert items["i713c2da8e263ef6492797b23ba8bb691"].type == "extended_text"


def test_qti3_text_entry_is_skipped_with_the_interaction_named():
    result = read_package(qti_samples_dir() / "qti-3.0/citolab_conformance_T4-T7")
    assert any("textEntryInteraction" in s.reason for s in result.skipped)


@pytest.mark.parametrize("sample, message", [
    ("negative/tao_MissingManifest.zip", "no imsmanifest.xml"),
    ("negative/tao_MalformedItemXml.zip", "not well-formed XML"),
])
def test_negative_samples_are_refused(sample, message, tmp_path):
    with pytest.raises(ImportRefused, match=message):
        read_package(qti_samples_dir() / sample)
    result = CliRunner().invoke(main, ["import", str(qti_samples_dir() / sample), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_imported_sample_is_written_as_bank_yaml_that_names_its_gaps(tmp_path):
    out = tmp_path / "bank"
    result = CliRunner().invoke(main, ["import", str(qti_samples_dir() / "canvas-qti-1.2/canvas_quiz_export"),
                                       "-o", str(out), "--blueprint", str(STARTER_BANK / "blueprint.yaml")])
    assert result.exit_code == 0, result.output
    assert "fill in domain" in result.output
    assert (out / "items" / "imported-canvas_quiz_export.yaml").is_file()
    bank, problems = check_bank(out)
    assert bank is None  # foreign items have no domain yet: the validator says so, at the line
    assert any(p.field == "domain" for p in problems)
    assert not [p for p in out.iterdir() if p.name.startswith(".import-")]


@pytest.mark.parametrize("sample", ["qti-2.1/tao_package.zip", "qti-2.2/tao_qti22.zip",
                                    "qti-3.0/citolab_conformance_T4-T7"])
def test_items_from_other_tools_come_in_as_drafts_without_sources(sample):
    """Only our own LOM says an item was reviewed; anything else waits for a reviewer."""
    for item in read_package(qti_samples_dir() / sample).items:
        assert (item.status, item.sources) == ("draft", [])
