"""Canvas QTI 1.2 zip: DTD-valid questestinterop files, Canvas's layout and metadata, scoring from item_bank."""

from __future__ import annotations

import io
import zipfile
from dataclasses import replace
from fractions import Fraction

import pytest
from lxml import etree

from exporters.canvas_qti12 import assessment_meta
from exporters.qti12_common import QTI_NS
from item_bank.assemble import form_items
from item_bank.model import GradingPolicy
from item_bank.scoring import score_response

CC_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
Q = f"{{{QTI_NS}}}"


def strip_namespaces(data: bytes) -> etree._ElementTree:
    """The schemas README recipe: libxml2 DTD validation ignores namespaces, so drop them from a copy."""
    doc = etree.parse(io.BytesIO(data))
    for el in doc.iter():
        if isinstance(el.tag, str) and el.tag.startswith("{"):
            el.tag = etree.QName(el).localname
        for a in [a for a in el.attrib if a.startswith("{")]:
            del el.attrib[a]
    etree.cleanup_namespaces(doc)
    return doc


@pytest.fixture(scope="module")
def package(export_bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(export_bytes("canvas-qti12")))


def qti_files(pkg: zipfile.ZipFile) -> list[str]:
    return [n for n in pkg.namelist() if n.endswith(".xml") and "/" in n and not n.endswith("assessment_meta.xml")]


def test_every_questestinterop_is_valid_against_the_qti12_dtd(package, schemas):
    dtd = schemas.dtd("qti-1.2/ims_qtiasiv1p2p1.dtd")
    files = qti_files(package)
    assert len(files) == 6  # 4 domain banks + 2 quizzes
    for name in files:
        assert dtd.validate(strip_namespaces(package.read(name))), f"{name}: {dtd.error_log.filter_from_errors()}"


def test_manifest_has_a_qti12_resource_per_assessment_and_its_meta(package):
    manifest = etree.fromstring(package.read("imsmanifest.xml"))
    assert etree.QName(manifest).namespace == CC_NS
    resources = manifest.findall(f"{{{CC_NS}}}resources/{{{CC_NS}}}resource")
    qti = {r.get("identifier"): r for r in resources if r.get("type") == "imsqti_xmlv1p2"}
    assert set(qti) == {"cps-bank-D1", "cps-bank-D3", "cps-bank-D4", "cps-bank-D6", "cps-quiz-starter-quiz",
                        "cps-quiz-starter-draw"}
    names = set(package.namelist())
    for ident, resource in qti.items():
        assert resource.find(f"{{{CC_NS}}}file").get("href") == f"{ident}/{ident}.xml" in names
    quiz = qti["cps-quiz-starter-quiz"]
    meta_ref = quiz.find(f"{{{CC_NS}}}dependency").get("identifierref")
    meta = next(r for r in resources if r.get("identifier") == meta_ref)
    assert meta.get("type") == "associatedcontent/imscc_xmlv1p1/learning-application-resource"
    assert meta.get("href") == "cps-quiz-starter-quiz/assessment_meta.xml" in names


def test_quiz_settings_come_from_the_form(package):
    meta = etree.fromstring(package.read("cps-quiz-starter-quiz/assessment_meta.xml"))
    ns = "{http://canvas.instructure.com/xsd/cccv1p0}"
    assert meta.findtext(f"{ns}title") == "Starter quiz"
    assert meta.findtext(f"{ns}time_limit") == "20"
    assert meta.findtext(f"{ns}allowed_attempts") == "2"
    assert meta.findtext(f"{ns}shuffle_answers") == "true"


@pytest.mark.parametrize(("policy", "kept"), [("highest", "keep_highest"), ("latest", "keep_latest"),
                                               ("average", "keep_average"), ("first", "keep_highest")])
def test_the_quiz_score_canvas_keeps_follows_the_forms_grading_policy(starter_bank, policy, kept):
    form = starter_bank.form("starter-quiz")
    form = replace(form, settings=replace(form.settings, grading_policy=GradingPolicy(policy)))
    meta = etree.fromstring(assessment_meta(form, form_items(form, starter_bank)))
    assert meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}scoring_policy") == kept


def items_of(package, name):
    return {el.findtext(f".//{Q}qtimetadatafield[{Q}fieldlabel='cps_item_id']/{Q}fieldentry"): el
            for el in etree.fromstring(package.read(name)).iter(f"{Q}item")}


def field(item, label):
    return item.findtext(f".//{Q}qtimetadatafield[{Q}fieldlabel='{label}']/{Q}fieldentry")


def test_items_carry_canvas_types_points_answer_ids_and_bank_refs(package):
    quiz = items_of(package, "cps-quiz-starter-quiz/cps-quiz-starter-quiz.xml")
    assert field(quiz["cps-s-d1-001"], "question_type") == "multiple_choice_question"
    assert field(quiz["cps-s-d1-002"], "question_type") == "multiple_answers_question"
    assert field(quiz["cps-s-d1-003"], "question_type") == "true_false_question"
    assert field(quiz["cps-s-d3-003"], "question_type") == "essay_question"
    assert field(quiz["cps-s-d3-003"], "points_possible") == "18"
    assert field(quiz["cps-s-d1-002"], "original_answer_ids") == "a,b,c,d,e"
    assert field(quiz["cps-s-d1-001"], "assessment_question_identifierref") == "cps-s-d1-001"
    bank = items_of(package, "cps-bank-D1/cps-bank-D1.xml")
    assert bank["cps-s-d1-001"].get("ident") == "cps-s-d1-001"


def test_every_option_has_its_rationale_as_feedback(package, starter_bank):
    items = items_of(package, "cps-bank-D4/cps-bank-D4.xml")
    item = starter_bank.item("cps-s-d4-003")
    el = items[item.id]
    feedback = {fb.get("ident"): "".join(fb.itertext()) for fb in el.iter(f"{Q}itemfeedback")}
    assert {"general_fb", "correct_fb", "general_incorrect_fb"} <= set(feedback)
    for choice in item.choices:
        assert choice.rationale.split(" (")[0] in feedback[f"{choice.id}_fb"]
        shown = el.find(f".//{Q}respcondition/{Q}displayfeedback[@linkrefid='{choice.id}_fb']")
        assert shown is not None


def qti12_score(item_el: etree._Element, chosen: set[str]) -> Fraction:
    """Canvas-style resprocessing evaluated for the subset we write: Set/Add on SCORE, continue=No stops."""
    score = Fraction(0)
    decvar = item_el.find(f".//{Q}decvar")

    def holds(cond: etree._Element) -> bool:
        tag = etree.QName(cond).localname
        if tag == "other":
            return True
        if tag == "varequal":
            return cond.text in chosen
        if tag == "not":
            return not holds(cond[0])
        if tag == "and":
            return all(holds(c) for c in cond)
        raise AssertionError(f"unexpected condition {tag}")

    for rc in item_el.iter(f"{Q}respcondition"):
        if not all(holds(c) for c in rc.find(f"{Q}conditionvar")):
            continue
        for setvar in rc.findall(f"{Q}setvar"):
            value = Fraction(setvar.text)
            score = value if setvar.get("action") == "Set" else score + value
        if rc.get("continue") == "No":
            break
    return min(max(score, Fraction(decvar.get("minvalue"))), Fraction(decvar.get("maxvalue")))


def test_resprocessing_scores_like_item_bank(package, starter_bank):
    """Right, wrong, partial and empty answers: the QTI 1.2 percentage times the points equals item_bank's score."""
    items = {}
    for name in qti_files(package):
        if name.startswith("cps-bank-"):
            items.update(items_of(package, name))
    checked = 0
    for item in starter_bank.items:
        if not item.choices:
            continue
        keys = sorted(item.key_ids)
        wrong = [c.id for c in item.choices if not c.correct]
        for chosen in ({*keys}, {wrong[0]}, {keys[0]}, set(), {keys[0], wrong[0]}):
            if item.type.value != "multiple_response" and len(chosen) > 1:
                continue
            expected = score_response(item, chosen).score
            got = qti12_score(items[item.id], chosen) / 100 * Fraction(item.points)
            assert abs(got - expected) < Fraction(1, 1000), (item.id, chosen, got, expected)
            checked += 1
    assert checked >= 30


def test_the_same_bank_gives_the_same_bytes(export_bytes, starter_bank):
    from tests.exporters.roundtrip_check import export_bytes as fresh

    assert fresh(starter_bank, "canvas-qti12") == fresh(starter_bank, "canvas-qti12")
