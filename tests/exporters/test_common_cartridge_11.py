"""Common Cartridge 1.1 (`cc11`): what Moodle's course restore needs, checked the way Moodle checks it.

Moodle's CC detection, schema validation and conversion are re-expressed in tests/exporters/moodle_cc.py (each check
names the Moodle function it comes from); the schema test reads Moodle's CC 1.1 schemas from
$CPS_MOODLE_CC11_SCHEMAS and is skipped without them.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree, isoschematron

from exporters import rich_text
from item_bank.assemble import form_items
from item_bank.cli import main
from item_bank.model import ItemType
from tests.conftest import REPO
from tests.exporters.moodle_cc import QTI, cc11_schemas, detected_format, read_cartridge

Q = {"q": QTI}


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def test_moodle_recognises_the_cc11_manifest_and_not_the_cc13_one(export_bytes):
    assert detected_format(_zip(export_bytes("cc11")).read("imsmanifest.xml")) == "imscc11"
    assert detected_format(_zip(export_bytes("cc11", "starter-quiz")).read("imsmanifest.xml")) == "imscc11"
    assert detected_format(_zip(export_bytes("cc13")).read("imsmanifest.xml")) is None  # "Unknown backup format"


def _profile_checks(xsd_path):  # noqa: ANN001, ANN202
    """The CC 1.1 QTI profile: its XSD and the schematron rules embedded in it."""
    doc = etree.parse(str(xsd_path))
    return etree.XMLSchema(doc), isoschematron.Schematron(doc, validate_schema=False, store_report=True)


def _failures(check, doc: etree._Element) -> list[str]:  # noqa: ANN001
    if check.validate(doc):
        return []
    if isinstance(check, isoschematron.Schematron):
        report = check.validation_report
        return [" ".join("".join(f.itertext()).split()) for f in report.iter("{*}failed-assert")][:3]
    return [str(e) for e in list(check.error_log)[:3]]


@pytest.mark.parametrize("which", ["starter_bank", "real_bank"])  # without and with a content licence
def test_the_cc11_manifest_and_assessments_pass_moodles_cc11_schemas(which, request, export_bytes):
    folder = cc11_schemas()
    package = _zip(export_bytes("cc11", bank=request.getfixturevalue(which)))
    manifest_schema = etree.XMLSchema(etree.parse(str(folder / "cc11libxml2validator.xsd")))  # manifest_validator
    assert _failures(manifest_schema, etree.fromstring(package.read("imsmanifest.xml"))) == []
    xsd, rules = _profile_checks(folder / "ccv1p1_qtiasiv1p2p1_v1p0.xsd")
    for name in (n for n in package.namelist() if n.endswith("_qti.xml")):
        doc = etree.fromstring(package.read(name))
        assert _failures(xsd, doc) == [] and _failures(rules, doc) == [], name
    cc13_bank = etree.fromstring(_zip(export_bytes("cc13")).read("cps-question-bank/question_bank_qti.xml"))
    assert _failures(xsd, cc13_bank), "the CC 1.1 profile only Sets SCORE; cc13's partial items Add"


def test_moodle_makes_a_quiz_of_every_form_and_a_question_category_of_the_bank(export_bytes, starter_bank):
    made = read_cartridge(_zip(export_bytes("cc11")))
    quizzes = [q for q in made if not q.question_bank]
    assert [q.title for q in quizzes] == [f.title for f in sorted(starter_bank.forms, key=lambda f: f.id)]
    for quiz in quizzes:
        form = next(f for f in starter_bank.forms if f.title == quiz.title)
        assert [q.ident for q in quiz.questions] == [i.id for i in form_items(form, starter_bank)]
        assert quiz.time_limit == (form.settings.time_limit_minutes or 0)
        allowed = form.settings.attempts_allowed
        assert quiz.max_attempts == (allowed if allowed and allowed <= 5 else 0)
    [bank] = [q for q in made if q.question_bank]
    assert [q.ident for q in bank.questions] == [i.id for i in starter_bank.items if i.status == "reviewed"]


MOODLE_TYPES = {ItemType.SINGLE_CHOICE: "multichoice", ItemType.MULTIPLE_RESPONSE: "multichoice",
                ItemType.TRUE_FALSE: "truefalse", ItemType.EXTENDED_TEXT: "essay"}


@pytest.mark.parametrize("which", ["starter_bank", "real_bank"])
def test_moodle_reads_the_keys_rationales_general_feedback_and_points_of_every_item(which, request, export_bytes):
    bank = request.getfixturevalue(which)
    questions = [q for quiz in read_cartridge(_zip(export_bytes("cc11", bank=bank))) for q in quiz.questions]
    assert questions
    for question in questions:
        item = bank.item(question.ident)
        assert (question.qtype, question.single) == (MOODLE_TYPES[item.type], item.type is ItemType.SINGLE_CHOICE)
        assert question.general_feedback == rich_text.html(item.feedback) + " "  # the rationales stay per option
        assert question.default_grade == (int(item.points) if item.points <= 99 else 1)
        key_share = round(1 / len(item.keys), 7) if item.type is ItemType.MULTIPLE_RESPONSE else 1.0
        assert [(a.ident, a.fraction, a.feedback) for a in question.answers] == [
            (c.id, key_share if c.correct else 0.0, rich_text.html(c.rationale) + " ") for c in item.choices]


def _run_qti12(item: etree._Element, chosen: set[str]) -> tuple[float, list[str]]:
    """QTI 1.2 response processing run in order: each true condition Sets or Adds SCORE and shows its feedback;
    processing stops after a true condition unless it continues."""
    def true(cond: etree._Element) -> bool:
        tag = etree.QName(cond).localname
        if tag == "varequal":
            return cond.text in chosen
        if tag == "other":
            return True
        if tag == "not":
            return not any(true(c) for c in cond)
        return all(true(c) for c in cond)  # conditionvar, and

    score, shown = 0.0, []
    for cond in item.xpath("q:resprocessing/q:respcondition", namespaces=Q):
        if not true(cond.find(f"{{{QTI}}}conditionvar")):
            continue
        for setvar in cond.findall(f"{{{QTI}}}setvar"):
            score = float(setvar.text) + (score if setvar.get("action") == "Add" else 0)
        shown += [d.get("linkrefid") for d in cond.findall(f"{{{QTI}}}displayfeedback")]
        if cond.get("continue") != "Yes":
            break
    return score, shown


def test_a_qti12_engine_scores_the_exact_key_set_and_shows_the_chosen_rationale(export_bytes, starter_bank):
    doc = etree.fromstring(_zip(export_bytes("cc11")).read("cps-question-bank/question_bank_qti.xml"))
    assert not doc.xpath("//q:setvar[@action!='Set']", namespaces=Q)  # the profile has no Add
    for el in doc.xpath("//q:item", namespaces=Q):
        item = starter_bank.item(el.get("ident"))
        ids = [c.id for c in item.choices]
        sizes = range(1, len(ids) + 1) if item.type is ItemType.MULTIPLE_RESPONSE else [1]
        for chosen in (set(s) for n in sizes for s in itertools.combinations(ids, n)):
            score, shown = _run_qti12(el, chosen)
            exact = chosen == {c.id for c in item.keys}  # all or nothing, whatever the item's own rule
            assert score == (100 if exact else 0), (item.id, chosen)
            expected = [f"{c.id}_fb" for c in item.keys] if exact else [
                f"{next(c.id for c in item.choices if c.id in chosen)}_fb"]
            assert shown == ["general_fb", *expected], (item.id, chosen)


def test_formats_and_the_docs_send_moodle_to_cc11_and_never_to_cc13():
    listed = {line.split()[0]: line for line in CliRunner().invoke(main, ["formats"]).output.splitlines()}
    assert "Moodle" in listed["cc11"]
    assert "not Moodle" in listed["cc13"]
    docs = (REPO / "docs" / "exports.md").read_text(encoding="utf-8")
    table = docs.split("## Which format for which LMS", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| ") and "Moodle" in r.split("|")[1]]
    assert rows and not [r for r in rows if re.search(r"`cc13`", r.split("|")[2])]
    assert any("`cc11`" in r.split("|")[2] for r in rows)
