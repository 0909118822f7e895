"""`cc13`: an IMS Common Cartridge 1.3 (.imscc) holding each form as an assessment (QTI 1.2, CC profile).

Canvas and Moodle both import Common Cartridges (Moodle has no QTI importer in core), so this is the one file
that reaches both. Layout: `imsmanifest.xml` (CC 1.3 namespace, an organization with one entry per form),
`cps-quiz-<form>/assessment_qti.xml` per form and, when the whole bank is exported, the question bank
`cps-question-bank/question_bank_qti.xml` (an `objectbank` holding every item, each under its own scoring rule; a
CC question bank is a resource the organization does not list), all streamed item by item through
`exporters.packaging`.

Items use the CC QTI profile types (`cc.multiple_choice.v0p1`, `cc.true_false.v0p1`, `cc.multiple_response.v0p1`,
`cc.essay.v0p1`) with per-option and general feedback and `cc_weighting` carrying the points. Scores are
percentages (SCORE 0-100): the exact key set sets 100; a partial multiple-response item adds each chosen option's
`choice_weights` share instead, floored at 0 by the SCORE decvar (the same rule as `item_bank.scoring`; an LMS that
only reads the CC profile's "Set 100" pattern grades such an item all-or-nothing, see docs/exports.md).
The CC profile has no place for grader notes, rubrics or the bank's metadata: they are not in this format.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from lxml import etree

from exporters import rich_text
from exporters.base import ExportSelection, Progress, is_draft
from exporters.canvas_qti12 import question_html
from exporters.packaging import PackageWriter, xml_bytes
from exporters.qti12_common import QTI_NS, cc_manifest_lom, mattext, presentation, q, resprocessing, sub
from item_bank.licensing import ContentLicense, content_license
from item_bank.model import Form, Item, ItemType, ScoringRule
from item_bank.scoring import effective_rule

CC_NS = "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1"
CC_LOM_NS = "http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest"
CC_LOCATION = "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd"
QTI_LOCATION = "http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_qtiasiv1p2p1_v1p0.xsd"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ASSESSMENT_TYPE = "imsqti_xmlv1p2/imscc_xmlv1p3/assessment"
QUESTION_BANK_TYPE = "imsqti_xmlv1p2/imscc_xmlv1p3/question-bank"
QUESTION_BANK = "cps-question-bank"
QUESTION_BANK_HREF = f"{QUESTION_BANK}/question_bank_qti.xml"
CC_PROFILES = {
    ItemType.SINGLE_CHOICE: "cc.multiple_choice.v0p1",
    ItemType.TRUE_FALSE: "cc.true_false.v0p1",
    ItemType.MULTIPLE_RESPONSE: "cc.multiple_response.v0p1",
    ItemType.EXTENDED_TEXT: "cc.essay.v0p1",
}
MAX_ATTEMPTS = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}


def quiz_ident(form: Form) -> str:
    return f"cps-quiz-{form.id}"


def quiz_href(form: Form) -> str:
    return f"{quiz_ident(form)}/assessment_qti.xml"


def _fields(parent: etree._Element, fields: list[tuple[str, str]]) -> None:
    meta = sub(parent, "qtimetadata")
    for label, entry in fields:
        field = sub(meta, "qtimetadatafield")
        sub(field, "fieldlabel", label)
        sub(field, "fieldentry", entry)


def cc_item(item: Item, bank_html: str, rule: ScoringRule) -> etree._Element:
    """One CC-profile `item`: presentation, response processing that follows `item_bank.scoring`, feedback."""
    el = etree.Element(q("item"), ident=item.id, title=item.id, nsmap={None: QTI_NS})
    computer = "No" if item.type is ItemType.EXTENDED_TEXT else "Yes"
    _fields(sub(el, "itemmetadata"), [("cc_profile", CC_PROFILES[item.type]), ("cc_weighting", f"{item.points:g}"),
                                       ("qmd_computerscored", computer)])
    presentation(el, item, bank_html)
    resprocessing(el, item, rule, canvas=False)
    _feedback(el, "general_fb", rich_text.html(item.feedback))
    for choice in item.choices:
        _feedback(el, f"{choice.id}_fb", rich_text.html(choice.rationale))
    return el


def _feedback(el: etree._Element, ident: str, html: str) -> None:
    mattext(sub(sub(el, "itemfeedback", ident=ident), "flow_mat"), html)


def _assessment_fields(form: Form) -> list[tuple[str, str]]:
    s = form.settings
    fields = [("cc_profile", "cc.exam.v0p1"), ("qmd_assessmenttype", "Examination"), ("qmd_scoretype", "Percentage"),
              ("cc_maxattempts", MAX_ATTEMPTS.get(s.attempts_allowed, "unlimited"))]
    if s.time_limit_minutes:
        fields.append(("qmd_timelimit", str(s.time_limit_minutes)))
    return fields


class CommonCartridgeExporter:
    name = "cc13"
    title = "IMS Common Cartridge 1.3 with the forms as assessments (Canvas, Moodle, Brightspace, Sakai)"
    suffix = ".imscc"

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        bank = selection.bank
        forms = sorted(selection.forms, key=quiz_href)
        whole_bank = selection.form is None
        with PackageWriter(out) as pkg:
            if whole_bank:  # its name sorts before the quizzes' names
                with _questestinterop(pkg, QUESTION_BANK_HREF) as xf:
                    with xf.element(q("objectbank"), ident=QUESTION_BANK):
                        xf.write(_metadata([("bank_title", "CPS ethics item bank")]))
                        for item in reviewed_items(selection):
                            xf.write(cc_item(item, question_html(item, bank), effective_rule(item)))
                            if progress is not None:
                                progress(1)
            for form in forms:
                rule = form.settings.multiple_response_scoring
                with _questestinterop(pkg, quiz_href(form)) as xf:
                    with xf.element(q("assessment"), ident=quiz_ident(form), title=form.title):
                        xf.write(_metadata(_assessment_fields(form)))
                        with xf.element(q("section"), ident="root_section"):
                            for item in ExportSelection(bank, form).items:
                                xf.write(cc_item(item, question_html(item, bank), rule))
                                if progress is not None and not whole_bank:
                                    progress(1)
            pkg.write("imsmanifest.xml", xml_bytes(manifest(selection.name, forms, whole_bank,
                                                            content_license(bank))))


def reviewed_items(selection: ExportSelection) -> list[Item]:
    """The question bank's items: a cartridge holds one question bank, so drafts never go in, even when asked."""
    return [i for i in selection.items if not is_draft(i)]


@contextmanager
def _questestinterop(pkg: PackageWriter, href: str) -> Iterator[etree.xmlfile]:
    """A streamed `questestinterop` document in the zip entry `href`; write its content inside the block."""
    with pkg.xml(href) as xf:
        attrs = {f"{{{XSI}}}schemaLocation": f"{QTI_NS} {QTI_LOCATION}"}
        with xf.element(q("questestinterop"), attrs, nsmap={None: QTI_NS, "xsi": XSI}):
            yield xf


def _metadata(fields: list[tuple[str, str]]) -> etree._Element:
    holder = etree.Element(q("x"), nsmap={None: QTI_NS})
    _fields(holder, fields)
    return holder[0]


def manifest(name: str, forms: list[Form], question_bank: bool = False,
             licence: ContentLicense | None = None) -> etree._Element:
    """The CC 1.3 manifest: one organization item and one assessment resource per form, and the question bank; the
    bank's content licence, when it names one, in the manifest's LOM rights."""
    ns = f"{{{CC_NS}}}"
    root = etree.Element(f"{ns}manifest", {"identifier": f"cps-cartridge-{name}",
                                           f"{{{XSI}}}schemaLocation": f"{CC_NS} {CC_LOCATION}"},
                         nsmap={None: CC_NS, "xsi": XSI})
    meta = etree.SubElement(root, f"{ns}metadata")
    etree.SubElement(meta, f"{ns}schema").text = "IMS Common Cartridge"
    etree.SubElement(meta, f"{ns}schemaversion").text = "1.3.0"
    cc_manifest_lom(meta, CC_LOM_NS, "CPS ethics item bank", licence)
    orgs = etree.SubElement(root, f"{ns}organizations")
    org = etree.SubElement(orgs, f"{ns}organization", identifier="org-1", structure="rooted-hierarchy")
    top = etree.SubElement(org, f"{ns}item", identifier="root")
    for form in forms:
        entry = etree.SubElement(top, f"{ns}item", identifier=f"org-{quiz_ident(form)}",
                                 identifierref=quiz_ident(form))
        etree.SubElement(entry, f"{ns}title").text = form.title
    resources = etree.SubElement(root, f"{ns}resources")
    if question_bank:
        resource = etree.SubElement(resources, f"{ns}resource", identifier=QUESTION_BANK, type=QUESTION_BANK_TYPE)
        etree.SubElement(resource, f"{ns}file", href=QUESTION_BANK_HREF)
    for form in forms:
        resource = etree.SubElement(resources, f"{ns}resource", identifier=quiz_ident(form), type=ASSESSMENT_TYPE)
        etree.SubElement(resource, f"{ns}file", href=quiz_href(form))
    return root


EXPORTER = CommonCartridgeExporter()
