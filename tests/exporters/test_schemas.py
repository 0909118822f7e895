"""Every QTI 2.1 item, test and manifest validates against the official schemas; CC assessments against the DTD."""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

ITEM_XSD = "qti-2.1/imsqti_v2p1p2.xsd"
MANIFEST21_XSD = "qti-2.1/qtiv2p1_imscpv1p2_v1p0.xsd"
MANIFEST30_XSD = "qti-3.0/qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"
QTI12_DTD = "qti-1.2/ims_qtiasiv1p2p1.dtd"


def _entries(data: bytes) -> dict[str, etree._ElementTree]:
    z = zipfile.ZipFile(io.BytesIO(data))
    return {n: etree.parse(io.BytesIO(z.read(n))) for n in z.namelist()}


@pytest.mark.parametrize("form_id", [None, "starter-quiz", "starter-draw"])
def test_qti21_items_tests_and_manifest_validate(form_id, export_bytes, schemas, assert_valid):
    entries = _entries(export_bytes("qti21", form_id))
    assert any(n.startswith("items/") for n in entries) and any(n.startswith("tests/") for n in entries)
    for path, doc in entries.items():
        schema = schemas.xsd(MANIFEST21_XSD if path == "imsmanifest.xml" else ITEM_XSD)
        assert_valid(schema, doc, f"qti21 {path}")


@pytest.mark.parametrize("form_id", [None, "starter-quiz"])
def test_qti30_manifest_validates(form_id, export_bytes, schemas, assert_valid):
    manifest = _entries(export_bytes("qti30", form_id))["imsmanifest.xml"]
    assert_valid(schemas.xsd(MANIFEST30_XSD), manifest, "qti30 imsmanifest.xml")


def test_the_schemas_refuse_a_broken_item(export_bytes, schemas):
    doc = _entries(export_bytes("qti21"))["items/cps-s-d1-001.xml"]
    body = next(doc.getroot().iter("{*}itemBody"))
    body.getparent().remove(body)
    doc.getroot().append(body)
    assert not schemas.xsd(ITEM_XSD).validate(doc)


def test_common_cartridge_assessments_and_question_bank_validate_against_the_qti12_dtd(export_bytes, schemas,
                                                                                      assert_valid):
    entries = _entries(export_bytes("cc13"))
    assessments = {n: d for n, d in entries.items() if n.endswith("_qti.xml")}
    assert sorted(assessments) == ["cps-question-bank/question_bank_qti.xml",
                                   "cps-quiz-starter-draw/assessment_qti.xml",
                                   "cps-quiz-starter-quiz/assessment_qti.xml"]
    for path, doc in assessments.items():
        for el in doc.iter():
            if isinstance(el.tag, str) and el.tag.startswith("{"):
                el.tag = etree.QName(el).localname
            for key in [k for k in el.attrib if k.startswith("{")]:
                del el.attrib[key]
        etree.cleanup_namespaces(doc)
        assert_valid(schemas.dtd(QTI12_DTD), doc, f"cc13 {path}")
