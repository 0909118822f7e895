"""Common Cartridge 1.3: each form is an assessment reachable from the organization, scored as item_bank scores."""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from exporters.common_cartridge import CC_NS, QTI_NS
from exporters.qti12_common import percent
from item_bank.scoring import choice_weights

Q = f"{{{QTI_NS}}}"


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_every_form_is_an_assessment_in_the_organization_and_the_resources(export_bytes, starter_bank):
    z = _zip(export_bytes("cc13"))
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    assert etree.QName(manifest).namespace == CC_NS
    assert manifest.findtext(f"{{{CC_NS}}}metadata/{{{CC_NS}}}schemaversion") == "1.3.0"
    refs = [i.get("identifierref") for i in manifest.iter(f"{{{CC_NS}}}item") if i.get("identifierref")]
    resources = {r.get("identifier"): r for r in manifest.iter(f"{{{CC_NS}}}resource")
                 if r.get("type") == "imsqti_xmlv1p2/imscc_xmlv1p3/assessment"}
    assert sorted(refs) == sorted(resources) == sorted(f"cps-quiz-{f.id}" for f in starter_bank.forms)
    for resource in resources.values():
        assert resource.find(f"{{{CC_NS}}}file").get("href") in z.namelist()


def _items(z: zipfile.ZipFile, form_id: str) -> dict[str, etree._Element]:
    doc = etree.fromstring(z.read(f"cps-quiz-{form_id}/assessment_qti.xml"))
    return {i.get("ident"): i for i in doc.iter(f"{Q}item")}


def _field(item: etree._Element, label: str) -> str:
    for field in item.iter(f"{Q}qtimetadatafield"):
        if field.findtext(f"{Q}fieldlabel") == label:
            return field.findtext(f"{Q}fieldentry")
    raise KeyError(label)


def test_items_carry_cc_profile_points_and_every_rationale(export_bytes, starter_bank):
    items = _items(_zip(export_bytes("cc13")), "starter-quiz")
    assert list(items) == list(starter_bank.form("starter-quiz").items)
    assert _field(items["cps-s-d1-003"], "cc_profile") == "cc.true_false.v0p1"
    assert _field(items["cps-s-d3-003"], "cc_profile") == "cc.essay.v0p1"
    assert _field(items["cps-s-d3-003"], "cc_weighting") == "18"
    item = starter_bank.item("cps-s-d1-001")
    feedback = {f.get("ident"): "".join(f.itertext()) for f in items[item.id].iter(f"{Q}itemfeedback")}
    for choice in item.choices:
        assert choice.rationale in feedback[f"{choice.id}_fb"]
    assert item.feedback in feedback["general_fb"]


def test_partial_items_add_choice_weights_and_all_or_nothing_items_set_100(export_bytes, starter_bank):
    draw = _items(_zip(export_bytes("cc13")), "starter-draw")
    partial = starter_bank.item("cps-s-d1-002")  # its own rule: partial
    adds = {c.findtext(f"{Q}conditionvar/{Q}varequal"): c.findtext(f"{Q}setvar")
            for c in draw[partial.id].iter(f"{Q}respcondition") if c.find(f"{Q}setvar[@action='Add']") is not None}
    assert adds == {cid: percent(w) for cid, w in choice_weights(partial).items()}
    strict = [i for i in draw.values() if _field(i, "cc_profile") == "cc.multiple_response.v0p1" and i is not
              draw[partial.id]]
    for item in strict:
        sets = item.findall(f".//{Q}setvar")
        assert [(s.get("action"), s.text) for s in sets] == [("Set", "100")]


def test_a_whole_bank_cartridge_holds_every_item_in_a_question_bank_the_organization_does_not_list(
        export_bytes, starter_bank):
    z = _zip(export_bytes("cc13"))
    doc = etree.fromstring(z.read("cps-question-bank/question_bank_qti.xml"))
    bank = doc.find(f"{Q}objectbank")
    reviewed = [i.id for i in starter_bank.items if i.status == "reviewed"]  # drafts never go in (test_drafts.py)
    assert [i.get("ident") for i in bank.iter(f"{Q}item")] == reviewed
    manifest = etree.fromstring(z.read("imsmanifest.xml"))
    resource = next(r for r in manifest.iter(f"{{{CC_NS}}}resource") if r.get("identifier") == "cps-question-bank")
    assert resource.get("type") == "imsqti_xmlv1p2/imscc_xmlv1p3/question-bank"
    assert resource.find(f"{{{CC_NS}}}file").get("href") == "cps-question-bank/question_bank_qti.xml"
    assert "cps-question-bank" not in {i.get("identifierref") for i in manifest.iter(f"{{{CC_NS}}}item")}


def test_bank_items_keep_their_own_scoring_rule_and_a_form_cartridge_has_no_question_bank(export_bytes,
                                                                                         starter_bank):
    z = _zip(export_bytes("cc13"))
    doc = etree.fromstring(z.read("cps-question-bank/question_bank_qti.xml"))
    partial = next(i for i in doc.iter(f"{Q}item") if i.get("ident") == "cps-s-d1-002")  # its own rule: partial
    adds = {c.findtext(f"{Q}conditionvar/{Q}varequal"): c.findtext(f"{Q}setvar")
            for c in partial.iter(f"{Q}respcondition") if c.find(f"{Q}setvar[@action='Add']") is not None}
    assert adds == {cid: percent(w) for cid, w in choice_weights(starter_bank.item("cps-s-d1-002")).items()}
    assert not any(n.startswith("cps-question-bank/") for n in _zip(export_bytes("cc13", "starter-quiz")).namelist())
