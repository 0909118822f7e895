"""Exporting the bank in QTI 2.1, QTI 3.0 or Canvas QTI 1.2 and importing it back gives the same items."""

from __future__ import annotations

import pytest

from tests.exporters.roundtrip_check import differences, export_and_import

FORMATS = ["qti21", "qti30", "canvas-qti12"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_starter_bank_survives_export_and_import(fmt, starter_bank, tmp_path):
    imported = export_and_import(starter_bank, fmt, tmp_path)
    assert sorted(i.id for i in imported.items) == sorted(i.id for i in starter_bank.items)
    assert differences(starter_bank, imported, fmt) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_status_sources_and_law_fields_come_back(fmt, starter_bank, tmp_path):
    imported = export_and_import(starter_bank, fmt, tmp_path)
    draft = imported.item("cps-s-d6-003")
    assert draft.status == "draft"
    assert draft.sources == ("S22", "S5")
    assert imported.item("cps-s-d1-001").status == "reviewed"
    law = imported.item("cps-s-d6-001")
    assert (law.jurisdiction, law.law_as_of.isoformat()) == ("Massachusetts", "2026-11-01")


@pytest.mark.parametrize("fmt", FORMATS)
def test_real_bank_survives_export_and_import(fmt, real_bank, tmp_path):
    imported = export_and_import(real_bank, fmt, tmp_path)
    assert len(imported.items) == len(real_bank.items)
    assert differences(real_bank, imported, fmt) == []
