"""The same bank exports the same bytes, and identifiers come from the bank's ids (updates, not duplicates)."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from exporters.base import available_formats
from exporters.packaging import PackageError, PackageWriter
from item_bank.load import load_bank

MINE = ["qti21", "qti30", "cc13"]


@pytest.mark.parametrize("fmt", available_formats())
def test_exporting_twice_gives_identical_bytes(fmt, export_bytes):
    assert export_bytes(fmt) == export_bytes(fmt)


@pytest.mark.parametrize("fmt", MINE)
def test_zip_entries_are_sorted_with_fixed_time_and_mode(fmt, export_bytes):
    infos = zipfile.ZipFile(io.BytesIO(export_bytes(fmt))).infolist()
    names = [i.filename for i in infos]
    assert names == sorted(names)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_package_writer_refuses_unsorted_duplicate_and_unsafe_names():
    with PackageWriter(io.BytesIO()) as pkg:
        pkg.write("b.xml", "x")
        for bad in ("a.xml", "b.xml", "../c.xml", "/d.xml"):
            with pytest.raises(PackageError):
                pkg.write(bad, "x")


def test_identifiers_derive_from_bank_ids_and_survive_an_edit(bank_copy, export_bytes):
    before = zipfile.ZipFile(io.BytesIO(export_bytes("qti21", bank=load_bank(bank_copy))))
    items = bank_copy / "items" / "starter.yaml"
    items.write_text(items.read_text(encoding="utf-8").replace(
        "Peer values, not team pressure", "Peer values, never team pressure"), encoding="utf-8")
    after = zipfile.ZipFile(io.BytesIO(export_bytes("qti21", bank=load_bank(bank_copy))))
    assert before.namelist() == after.namelist()
    changed = [n for n in before.namelist() if before.read(n) != after.read(n)]
    assert changed == ["items/cps-s-d1-001.xml"]
    doc = etree.fromstring(after.read("items/cps-s-d1-001.xml"))
    assert doc.get("identifier") == "cps-s-d1-001"
    assert [c.get("identifier") for c in doc.iter("{*}simpleChoice")] == ["choice_a", "choice_b", "choice_c",
                                                                          "choice_d"]
