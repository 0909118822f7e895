"""Every export says which bank version it came from and each item's revision, so an LMS copy can be traced."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from item_bank.snapshot import bank_version

# Where each format carries the bank's version and an item's revision.
CARRIERS = {
    "canvas-qti12": ("<fieldlabel>cps_bank_version</fieldlabel><fieldentry>{v}</fieldentry>",
                     "<fieldlabel>cps_revision</fieldlabel><fieldentry>1</fieldentry>"),
    "qti21": ("<version><string>{v}</string></version>", "<version><string>1</string></version>"),
    "qti30": ("<version><string>{v}</string></version>", "<version><string>1</string></version>"),
    "moodle-xml": ("CPS ethics item bank, version {v}", "<text>revision:1</text>"),
    "gift": ("// CPS ethics item bank, version {v}", "revision:1"),
}


def texts(data: bytes) -> str:
    if data[:2] == b"PK":
        archive = zipfile.ZipFile(io.BytesIO(data))
        return "\n".join(archive.read(n).decode("utf-8") for n in archive.namelist())
    return data.decode("utf-8")


@pytest.mark.parametrize("fmt", sorted(CARRIERS))
def test_exports_carry_the_bank_version_and_item_revisions(fmt, export_bytes, starter_bank):
    version = bank_version(starter_bank)
    assert len(version) == 12
    text = texts(export_bytes(fmt))
    bank_mark, revision_mark = CARRIERS[fmt]
    flat = re.sub(r"<(/?)\w+:", r"<\1", re.sub(r">\s+<", "><", text))  # whitespace and prefixes aside
    assert bank_mark.format(v=version) in flat
    assert revision_mark in flat


def test_the_bank_version_changes_with_a_revision(bank_copy):
    from item_bank.load import load_bank

    before = bank_version(load_bank(bank_copy))
    items = bank_copy / "items" / "starter.yaml"
    items.write_text(items.read_text().replace("  - id: cps-s-d1-001\n", "  - id: cps-s-d1-001\n    revision: 2\n", 1))
    assert bank_version(load_bank(bank_copy)) != before
