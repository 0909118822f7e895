"""What Moodle's course restore does with a Common Cartridge, re-expressed in Python for the tests.

PHP is not part of the test environment, so the checks Moodle makes are written here in our own code, each one
naming the Moodle file and function it comes from (moodle/moodle, `backup/converter/imscc1/`,
`backup/converter/imscc11/`, `backup/cc/`). Nothing of Moodle's code is copied. In short, Moodle:

1. tells the format from the first bytes of `imsmanifest.xml` (`imscc11_converter::detect_format`,
   `imscc1_converter::detect_format`), otherwise "Unknown backup format";
2. validates the manifest against the CC 1.1 schemas, `backup/cc/schemas11/cc11libxml2validator.xsd`
   (`imscc11_converter::execute`, `manifest_validator`): `cc11_schemas()` finds a copy for the test that does it;
3. refuses a cartridge with authorizations (`cc2moodle::is_auth`);
4. turns each organization item whose resource is an assessment into a quiz and each question-bank resource into
   a question category (`cc2moodle::create_instances`, `cc11_quiz::generate_instances`), reading the questions as
   `read_cartridge` below does.
"""

from __future__ import annotations

import os
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from lxml import etree

CC10_NS = "http://www.imsglobal.org/xsd/imscc/imscp_v1p1"
CC11_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
AUTH11_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imsccauth_v1p1"
QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
ASSESSMENT = "imsqti_xmlv1p2/imscc_xmlv1p1/assessment"
QUESTION_BANK = "imsqti_xmlv1p2/imscc_xmlv1p1/question-bank"
# backup/cc/includes/constants.php: the CC profiles Moodle turns into a question type (the others are dropped)
QUESTION_TYPES = {"cc.multiple_choice.v0p1": "multichoice", "cc.multiple_response.v0p1": "multichoice",
                  "cc.true_false.v0p1": "truefalse", "cc.essay.v0p1": "essay",
                  "cc.fib.v0p1": "shortanswer", "cc.pattern_match.v0p1": "shortanswer"}
SCHEMAS_VARIABLE = "CPS_MOODLE_CC11_SCHEMAS"
Q = {"q": QTI}


class MoodleRefuses(Exception):
    """Where Moodle's converter stops with an error (or a PHP exception) for this cartridge."""


@dataclass
class Answer:
    ident: str
    text: str
    fraction: float
    feedback: str


@dataclass
class Question:
    ident: str
    name: str
    qtype: str
    single: bool
    text: str
    general_feedback: str
    default_grade: int
    answers: list[Answer] = field(default_factory=list)


@dataclass
class Quiz:
    """A quiz activity, or (question_bank) a question category only."""

    resource: str
    title: str
    question_bank: bool
    time_limit: int
    max_attempts: int
    questions: list[Question] = field(default_factory=list)


def detected_format(manifest: bytes) -> str | None:
    """Moodle's format sniffing: the lower-cased opening bytes of the manifest, whitespace and quotes removed, must
    declare the CC 1.1 namespace as the default one within 500 bytes (`imscc11_converter::detect_format`), or the
    CC 1.0 one within 1024 bytes (`imscc1_converter::detect_format`). Anything else is "Unknown backup format"."""
    def opening(size: int) -> str:
        return re.sub(r"\s", "", manifest[:size].decode("utf-8", "replace").lower()).replace("'", "").replace('"', "")

    if f"xmlns={CC11_NS}" in opening(500):
        return "imscc11"
    if f"xmlns={CC10_NS}" in opening(1024):
        return "imscc1"
    return None


def cc11_schemas() -> Path:
    """A folder holding Moodle's `backup/cc/schemas11` (the CC 1.1 XSDs with `cc11libxml2validator.xsd`), named by
    $CPS_MOODLE_CC11_SCHEMAS. They are not in this repository nor in ../shared: without them the test is skipped."""
    folder = Path(os.environ.get(SCHEMAS_VARIABLE, "/nonexistent"))
    if not (folder / "cc11libxml2validator.xsd").is_file():
        pytest.skip(f"Moodle's CC 1.1 schemas not found: set {SCHEMAS_VARIABLE} to a copy of Moodle's "
                    "backup/cc/schemas11 folder")
    return folder


def read_cartridge(package: zipfile.ZipFile) -> list[Quiz]:
    """The quizzes and question categories Moodle's CC 1.1 converter makes of the cartridge (`cc112moodle`)."""
    manifest = etree.fromstring(package.read("imsmanifest.xml"))
    ns = {"cc": CC11_NS, "auth": AUTH11_NS}
    if manifest.xpath("count(/cc:manifest/auth:authorizations)", namespaces=ns):
        raise MoodleRefuses("protected_cc_not_supported")  # cc2moodle::is_auth
    types = {r.get("identifier"): r.get("type") for r in manifest.xpath("/cc:manifest/cc:resources/cc:resource",
                                                                          namespaces=ns)}
    # cc2moodle::create_instances walks the organization's items and, after them, every question-bank resource
    found = [(i.get("identifierref") or "", i.findtext(f"{{{CC11_NS}}}title") or "", False)
             for i in manifest.xpath("/cc:manifest/cc:organizations/cc:organization//cc:item", namespaces=ns)]
    banks = manifest.xpath("/cc:manifest/cc:resources/cc:resource[@type=$t]", namespaces=ns, t=QUESTION_BANK)
    found += [(r.get("identifier"), f"Quiz Bank {n}", True) for n, r in enumerate(banks, 1)]
    quizzes = []
    for ref, title, is_bank in found:
        if types.get(ref) not in (ASSESSMENT, QUESTION_BANK):
            continue
        # entities11::get_external_xml: the resource's first file
        href = manifest.xpath("/cc:manifest/cc:resources/cc:resource[@identifier=$r]/cc:file/@href", namespaces=ns,
                              r=ref)[0]
        quiz = _quiz(etree.fromstring(package.read(href)), ref, title, is_bank)
        if quiz.questions:  # cc11_quiz::generate_instances keeps an instance only when it has questions
            quizzes.append(quiz)
    return quizzes


def _quiz(doc: etree._Element, ref: str, title: str, is_bank: bool) -> Quiz:
    """cc11_quiz::generate_instances / get_questions / get_global_config for one assessment or question bank."""
    container = "objectbank" if is_bank else "assessment/q:section"
    quiz = Quiz(ref, title, is_bank, _int(_setting(doc, "qmd_timelimit")),
                _int(_setting(doc, "cc_maxattempts").replace("unlimited", "0")))
    for item in doc.xpath(f"/q:questestinterop/q:{container}/q:item", namespaces=Q):
        question = _question(item)
        if question is not None:
            quiz.questions.append(question)
    return quiz


def _setting(doc: etree._Element, label: str) -> str:
    """cc11_quiz::get_global_config: an assessment-level qtimetadata field, compared without case (the last wins)."""
    fields = doc.xpath("/q:questestinterop/q:assessment/q:qtimetadata/q:qtimetadatafield", namespaces=Q)
    entries = [f.findtext(f"{{{QTI}}}fieldentry") or "" for f in fields
               if (f.findtext(f"{{{QTI}}}fieldlabel") or "").lower() == label]
    return entries[-1].strip() if entries else ""


def _question(item: etree._Element) -> Question | None:
    """cc11_quiz::get_questions for one item: None when Moodle drops it (no ident, or a profile it does not know)."""
    ident = item.get("ident") or ""
    profile = _item_field(item, "cc_profile")
    qtype = QUESTION_TYPES.get(profile, "")
    if not ident or not qtype:
        return None
    text = item.xpath("string(q:presentation/q:flow/q:material/q:mattext | q:presentation/q:material/q:mattext)",
                      namespaces=Q)
    question = Question(ident, item.get("title") or "", qtype, profile == "cc.multiple_choice.v0p1", text,
                        _general_feedback(item), _default_grade(item))
    if qtype in ("multichoice", "truefalse"):
        question.answers = _answers(item, profile)
        if qtype == "truefalse" and sorted(a.ident for a in question.answers) != ["false", "true"]:
            # cc11_quiz::create_node_..._true_false throws a coding_exception: the whole restore stops
            raise MoodleRefuses(f"{ident}: true/false answers must be identified 'true' and 'false'")
    return question


def _item_fields(item: etree._Element, label: str) -> list[str]:
    return item.xpath("q:itemmetadata/q:qtimetadata/q:qtimetadatafield[q:fieldlabel=$l]/q:fieldentry/text()",
                      namespaces=Q, l=label)


def _item_field(item: etree._Element, label: str) -> str:
    """cc11_quiz::get_question_type: an item-level qtimetadata field (the last one wins)."""
    entries = _item_fields(item, label)
    return entries[-1] if entries else ""


def _default_grade(item: etree._Element) -> int:
    """cc11_quiz::get_defaultgrade: the first `cc_weighting` as PHP's (int) reads it, kept when 0..99, else 1."""
    entries = _item_fields(item, "cc_weighting")
    grade = _int(entries[0]) if entries else 1
    return grade if 0 <= grade <= 99 else 1


def _feedback_text(item: etree._Element, ident: str) -> str:
    texts = item.xpath("q:itemfeedback[@ident=$i]/q:flow_mat/q:material/q:mattext/text()", namespaces=Q,
                       i=ident)
    return f"{texts[0]} " if texts and texts[0] else ""


def _conditions(item: etree._Element) -> list[etree._Element]:
    return item.xpath("q:resprocessing/q:respcondition", namespaces=Q)


def _general_feedback(item: etree._Element) -> str:
    """cc11_quiz::get_general_feedback: the feedback of every condition whose continue is "yes", in order."""
    refs = [d.get("linkrefid") for c in _conditions(item) if (c.get("continue") or "").lower() == "yes"
            for d in c.xpath("q:displayfeedback", namespaces=Q) if d.get("linkrefid")]
    return "".join(_feedback_text(item, ref) for ref in refs)


def _first_option(condition: etree._Element) -> str:
    """The first `varequal` directly under the condition's `conditionvar`: how Moodle ties a condition to an
    option (one inside an `and` is not seen)."""
    values = condition.xpath("q:conditionvar/q:varequal/text()", namespaces=Q)
    return values[0] if values else ""


def _answers(item: etree._Element, profile: str) -> list[Answer]:
    """cc11_quiz::get_answers, get_feedback and get_score for a choice item."""
    labels = item.xpath("q:presentation/q:flow/q:response_lid/q:render_choice/q:response_label", namespaces=Q)
    labels = labels or item.xpath("q:presentation/q:response_lid/q:render_choice/q:response_label",
                                  namespaces=Q)
    keys: list[str] = []
    if profile == "cc.multiple_response.v0p1":
        keys = item.xpath(".//q:setvar[@varname='SCORE'][.=100]/../q:conditionvar//q:varequal[@case='Yes']"
                          "[not(parent::q:not)]/text()", namespaces=Q)
    answers = []
    for label in labels:
        ident = label.get("ident") or ""
        mine = [c for c in _conditions(item) if _first_option(c).lower() == ident.lower()]
        feedback = "".join(_feedback_text(item, d.get("linkrefid")) for c in mine
                           for d in c.xpath("q:displayfeedback", namespaces=Q) if d.get("linkrefid"))
        score = "".join(c.xpath("string(q:setvar)", namespaces=Q) for c in mine[-1:])
        fraction = 0.0 if score in ("", "0") else 1.0  # get_score: any non-empty setvar makes the option right
        if keys:
            fraction = round(1 / len(keys), 7) if ident in keys else fraction
        text = label.xpath("string(q:material/q:mattext)", namespaces=Q)
        answers.append(Answer(ident, text, fraction, feedback))
    return answers


def _int(text: str) -> int:
    """PHP's (int) of a string: its leading integer, else 0."""
    match = re.match(r"\s*[+-]?\d+", text or "")
    return int(match.group()) if match else 0
