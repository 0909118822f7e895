"""The QTI 3.0 package: QTI 3 names and namespace, the 3.0 resource types, and the same scoring as QTI 2.1."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from tests.shared_files import qti_samples_dir

ASI3 = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
CP3 = "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1"
SAMPLE_MANIFEST = "qti-3.0/citolab_conformance_T4-T7/imsmanifest.xml"  # in $CPS_QTI_SAMPLES


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_manifest_lists_qti3_items_and_tests_with_their_dependencies(export_bytes):
    z = _zip(export_bytes("qti30"))
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    assert etree.QName(manifest).namespace == CP3
    resources = {r.get("identifier"): r for r in manifest.iter(f"{{{CP3}}}resource")}
    assert resources["res-item-cps-s-d1-001"].get("type") == "imsqti_item_xmlv3p0"
    test = resources["res-test-starter-quiz"]
    assert test.get("type") == "imsqti_test_xmlv3p0"
    deps = [d.get("identifierref") for d in test.iter(f"{{{CP3}}}dependency")]
    assert deps[0] == "res-item-cps-s-d1-001" and len(deps) == 7
    for resource in resources.values():
        assert resource.get("href") in z.namelist()


def test_items_and_tests_use_qti3_kebab_case_elements(export_bytes):
    z = _zip(export_bytes("qti30"))
    item = etree.fromstring(z.read("items/cps-s-d1-002.xml"))
    assert item.tag == f"{{{ASI3}}}qti-assessment-item"
    interaction = next(item.iter(f"{{{ASI3}}}qti-choice-interaction"))
    assert interaction.get("max-choices") == "5" and interaction.get("response-identifier") == "RESPONSE"
    feedback = next(item.iter(f"{{{ASI3}}}qti-modal-feedback"))
    assert feedback[0].tag == f"{{{ASI3}}}qti-content-body"
    local_names = [etree.QName(el).localname for el in item.iter() if isinstance(el.tag, str)]
    assert [n for n in local_names if n != n.lower()] == []
    test = etree.fromstring(z.read("tests/starter-quiz.xml"))
    assert test.tag == f"{{{ASI3}}}qti-assessment-test"
    assert len(list(test.iter(f"{{{ASI3}}}qti-assessment-item-ref"))) == 7


def test_essay_score_is_marked_human_scored(export_bytes):
    item = etree.fromstring(_zip(export_bytes("qti30")).read("items/cps-s-d3-003.xml"))
    score = next(o for o in item.iter(f"{{{ASI3}}}qti-outcome-declaration") if o.get("identifier") == "SCORE")
    assert score.get("external-scored") == "human"
    rubric = next(item.iter(f"{{{ASI3}}}qti-rubric-block"))
    assert rubric.get("view") == "scorer" and rubric[0].tag == f"{{{ASI3}}}qti-content-body"


def test_reference_qti3_manifest_validates_with_the_same_schema(schemas, assert_valid):
    sample = qti_samples_dir() / SAMPLE_MANIFEST
    assert_valid(schemas.xsd("qti-3.0/qtiv3p0/imsqtiv3p0_imscpv1p2_v1p0.xsd"), etree.parse(str(sample)),
                 "Citolab sample manifest")
