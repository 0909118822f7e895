"""The licences (issue 13, point 5): the code is Apache-2.0 and the item bank's content CC BY-SA 4.0, in SPDX form in
the package metadata with both LICENSE files; the exports of a bank whose folder names its licence carry it in
their metadata where the format has a place for it, and a bank that names none gets no claim."""

from __future__ import annotations

import io
import shutil
import zipfile
from importlib import metadata

import pytest
from lxml import etree

from item_bank.licensing import CC_BY_SA_4, content_license
from item_bank.load import load_bank
from tests.conftest import CONTENT_BANK, REPO, STARTER_BANK

MANIFEST21_XSD = "qti-2.1/qtiv2p1_imscpv1p2_v1p0.xsd"
MANIFEST30_XSD = "qti-3.0/qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"
NOTICE = CC_BY_SA_4.notice


def manifest(data: bytes) -> etree._ElementTree:
    return etree.parse(io.BytesIO(zipfile.ZipFile(io.BytesIO(data)).read("imsmanifest.xml")))


@pytest.fixture(scope="module")
def licensed_bank(tmp_path_factory):
    """The starter bank with the content bank's LICENSE beside it."""
    folder = tmp_path_factory.mktemp("licensed") / "bank"
    shutil.copytree(STARTER_BANK, folder)
    shutil.copy2(CONTENT_BANK / "LICENSE", folder / "LICENSE")
    return load_bank(folder)


def test_the_distribution_declares_both_licences_in_spdx_form():
    meta = metadata.metadata("cps-assess")
    assert meta["License-Expression"] == "Apache-2.0 AND CC-BY-SA-4.0"
    assert sorted(meta.get_all("License-File")) == ["LICENSE", "item_bank/content/LICENSE"]
    assert (REPO / "LICENSE").read_text().split()[:3] == ["Apache", "License", "Version"]
    assert (CONTENT_BANK / "LICENSE").read_text().startswith("Attribution-ShareAlike 4.0 International")
    assert "CC BY-SA 4.0" in (REPO / "README.md").read_text() and "Apache-2.0" in (REPO / "README.md").read_text()


def test_the_embedded_bank_names_cc_by_sa(starter_bank):
    assert content_license(load_bank(CONTENT_BANK)) == CC_BY_SA_4
    assert content_license(starter_bank) is None  # no LICENSE in its folder: nothing is claimed


@pytest.mark.parametrize("fmt, xsd", [("qti21", MANIFEST21_XSD), ("qti30", MANIFEST30_XSD)])
def test_qti_manifests_carry_the_licence_as_lom_rights_and_stay_valid(fmt, xsd, licensed_bank, export_bytes,
                                                                      schemas, assert_valid):
    doc = manifest(export_bytes(fmt, bank=licensed_bank))
    lom = doc.getroot().find("{*}metadata/{*}lom")
    assert lom.findtext("{*}rights/{*}copyrightAndOtherRestrictions/{*}value") == "yes"
    assert lom.findtext("{*}rights/{*}description/{*}string") == NOTICE
    assert_valid(schemas.xsd(xsd), doc, f"{fmt} imsmanifest.xml with rights")


@pytest.mark.parametrize("fmt", ["cc13", "canvas-qti12"])
def test_common_cartridge_manifests_carry_the_licence(fmt, licensed_bank, export_bytes):
    doc = manifest(export_bytes(fmt, bank=licensed_bank))
    rights = doc.getroot().find("{*}metadata/{*}lom/{*}rights")
    assert rights.findtext("{*}copyrightAndOtherRestrictions/{*}value") == "yes"
    assert rights.findtext("{*}description/{*}string") == NOTICE


def test_gift_and_the_review_copy_carry_the_licence(licensed_bank, export_bytes):
    assert export_bytes("gift", bank=licensed_bank).decode().splitlines()[1] == f"// Content licence: {NOTICE}"
    page = export_bytes("html", bank=licensed_bank).decode()
    assert f'<link rel="license" href="{CC_BY_SA_4.url}">' in page and "(CC-BY-SA-4.0)." in page


@pytest.mark.parametrize("fmt", ["qti21", "qti30", "cc13", "canvas-qti12", "gift", "html"])
def test_a_bank_without_a_licence_gets_no_claim(fmt, export_bytes):
    data = export_bytes(fmt)
    text = data.decode() if fmt in ("gift", "html") else etree.tostring(manifest(data)).decode()
    assert "CC-BY-SA" not in text and "rights" not in text and 'rel="license"' not in text
