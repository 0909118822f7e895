"""`cc13`: an IMS Common Cartridge 1.3 (.imscc) holding each form as an assessment (QTI 1.2, CC profile).

Canvas, Brightspace and Sakai import Common Cartridge 1.3; Moodle's course restore does not (its converters detect
only CC 1.0 and 1.1 manifests: that is `cc11`, `exporters.common_cartridge_11`, written by this same code with its
own namespaces and item pattern). Layout: `imsmanifest.xml` (an organization with one entry per form),
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

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
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

XSI = "http://www.w3.org/2001/XMLSchema-instance"
QUESTION_BANK = "cps-question-bank"
QUESTION_BANK_HREF = f"{QUESTION_BANK}/question_bank_qti.xml"
BANK_TITLE = "CPS ethics item bank"
MANIFEST_ID_PREFIX = "cps-cartridge-"  # how `exporters.qti_import` knows a cartridge of ours
CC_PROFILES = {
    ItemType.SINGLE_CHOICE: "cc.multiple_choice.v0p1",
    ItemType.TRUE_FALSE: "cc.true_false.v0p1",
    ItemType.MULTIPLE_RESPONSE: "cc.multiple_response.v0p1",
    ItemType.EXTENDED_TEXT: "cc.essay.v0p1",
}
MAX_ATTEMPTS = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}

ItemWriter = Callable[[Item, str, ScoringRule | None], etree._Element]


@dataclass(frozen=True)
class Flavour:
    """What differs between the Common Cartridge versions we write: names, namespaces, types, the item pattern."""

    name: str  # the --format value
    title: str  # one line for `cps-assess formats`
    version: str  # the manifest's schemaversion
    cc_ns: str
    lom_ns: str
    cc_location: str
    qti_location: str
    item: ItemWriter

    @property
    def assessment_type(self) -> str:
        return f"imsqti_xmlv1p2/imscc_xmlv{self._v}/assessment"

    @property
    def question_bank_type(self) -> str:
        return f"imsqti_xmlv1p2/imscc_xmlv{self._v}/question-bank"

    @property
    def _v(self) -> str:
        major, minor, _ = self.version.split(".")
        return f"{major}p{minor}"


def quiz_ident(form: Form) -> str:
    return f"cps-quiz-{form.id}"


def quiz_href(form: Form) -> str:
    return f"{quiz_ident(form)}/assessment_qti.xml"


def item_fields(parent: etree._Element, fields: list[tuple[str, str]]) -> None:
    """A `qtimetadata` of label/entry fields under `parent`."""
    meta = sub(parent, "qtimetadata")
    for label, entry in fields:
        field = sub(meta, "qtimetadatafield")
        sub(field, "fieldlabel", label)
        sub(field, "fieldentry", entry)


def item_shell(item: Item, bank_html: str) -> etree._Element:
    """An item's CC profile metadata (type, points, computer-scored) and its presentation; processing comes next."""
    el = etree.Element(q("item"), ident=item.id, title=item.id, nsmap={None: QTI_NS})
    computer = "No" if item.type is ItemType.EXTENDED_TEXT else "Yes"
    item_fields(sub(el, "itemmetadata"), [("cc_profile", CC_PROFILES[item.type]),
                                          ("cc_weighting", f"{item.points:g}"), ("qmd_computerscored", computer)])
    presentation(el, item, bank_html)
    return el


def item_feedback(el: etree._Element, item: Item) -> None:
    """The general feedback (`general_fb`) and each option's rationale (`<choice>_fb`), after the processing."""
    feedback(el, "general_fb", rich_text.html(item.feedback))
    for choice in item.choices:
        feedback(el, f"{choice.id}_fb", rich_text.html(choice.rationale))


def feedback(el: etree._Element, ident: str, html: str) -> None:
    mattext(sub(sub(el, "itemfeedback", ident=ident), "flow_mat"), html)


def cc_item(item: Item, bank_html: str, rule: ScoringRule | None) -> etree._Element:
    """One CC 1.3 item: presentation, response processing that follows `item_bank.scoring`, feedback."""
    el = item_shell(item, bank_html)
    resprocessing(el, item, rule, canvas=False)
    item_feedback(el, item)
    return el


def _assessment_fields(form: Form) -> list[tuple[str, str]]:
    s = form.settings
    fields = [("cc_profile", "cc.exam.v0p1"), ("qmd_assessmenttype", "Examination"), ("qmd_scoretype", "Percentage"),
              ("cc_maxattempts", MAX_ATTEMPTS.get(s.attempts_allowed, "unlimited"))]
    if s.time_limit_minutes:
        fields.append(("qmd_timelimit", str(s.time_limit_minutes)))
    return fields


class CommonCartridgeExporter:
    """Writes one flavour of Common Cartridge: the forms as assessments, the whole bank as a question bank."""

    suffix = ".imscc"

    def __init__(self, flavour: Flavour) -> None:
        self.flavour = flavour
        self.name = flavour.name
        self.title = flavour.title

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        bank, flavour = selection.bank, self.flavour
        forms = sorted(selection.forms, key=quiz_href)
        whole_bank = selection.form is None
        with PackageWriter(out) as pkg:
            if whole_bank:  # its name sorts before the quizzes' names
                with _questestinterop(pkg, QUESTION_BANK_HREF, flavour) as xf:
                    with xf.element(q("objectbank"), ident=QUESTION_BANK):
                        xf.write(_metadata([("bank_title", BANK_TITLE)]))
                        for item in reviewed_items(selection):
                            xf.write(flavour.item(item, question_html(item, bank), effective_rule(item)))
                            if progress is not None:
                                progress(1)
            for form in forms:
                rule = form.settings.multiple_response_scoring
                with _questestinterop(pkg, quiz_href(form), flavour) as xf:
                    with xf.element(q("assessment"), ident=quiz_ident(form), title=form.title):
                        xf.write(_metadata(_assessment_fields(form)))
                        with xf.element(q("section"), ident="root_section"):
                            for item in ExportSelection(bank, form).items:
                                xf.write(flavour.item(item, question_html(item, bank), rule))
                                if progress is not None and not whole_bank:
                                    progress(1)
            pkg.write("imsmanifest.xml", xml_bytes(manifest(flavour, selection.name, forms, whole_bank,
                                                            content_license(bank))))


def reviewed_items(selection: ExportSelection) -> list[Item]:
    """The question bank's items: a cartridge holds one question bank, so drafts never go in, even when asked."""
    return [i for i in selection.items if not is_draft(i)]


@contextmanager
def _questestinterop(pkg: PackageWriter, href: str, flavour: Flavour) -> Iterator[etree.xmlfile]:
    """A streamed `questestinterop` document in the zip entry `href`; write its content inside the block."""
    with pkg.xml(href) as xf:
        attrs = {f"{{{XSI}}}schemaLocation": f"{QTI_NS} {flavour.qti_location}"}
        with xf.element(q("questestinterop"), attrs, nsmap={None: QTI_NS, "xsi": XSI}):
            yield xf


def _metadata(fields: list[tuple[str, str]]) -> etree._Element:
    holder = etree.Element(q("x"), nsmap={None: QTI_NS})
    item_fields(holder, fields)
    return holder[0]


def _title_lom(metadata: etree._Element, lom_ns: str) -> None:
    """The manifest LOM of a bank that names no licence: the title alone, no rights claimed."""
    ns = f"{{{lom_ns}}}"
    lom = etree.SubElement(metadata, f"{ns}lom", nsmap={"lomimscc": lom_ns})
    title = etree.SubElement(etree.SubElement(lom, f"{ns}general"), f"{ns}title")
    etree.SubElement(title, f"{ns}string", language="en").text = BANK_TITLE


def manifest(flavour: Flavour, name: str, forms: list[Form], question_bank: bool = False,
             licence: ContentLicense | None = None) -> etree._Element:
    """The manifest: one organization item and one assessment resource per form, and the question bank; the
    bank's content licence, when it names one, in the manifest's LOM rights (the LOM, with the title Moodle names
    the course after, is there either way: CC 1.1 requires it). The root declares the flavour's namespace first,
    within the opening bytes an LMS sniffs to tell the cartridge's version."""
    ns = f"{{{flavour.cc_ns}}}"
    root = etree.Element(f"{ns}manifest", {"identifier": f"{MANIFEST_ID_PREFIX}{name}",
                                           f"{{{XSI}}}schemaLocation": f"{flavour.cc_ns} {flavour.cc_location}"},
                         nsmap={None: flavour.cc_ns, "xsi": XSI})
    meta = etree.SubElement(root, f"{ns}metadata")
    etree.SubElement(meta, f"{ns}schema").text = "IMS Common Cartridge"
    etree.SubElement(meta, f"{ns}schemaversion").text = flavour.version
    if licence is not None:
        cc_manifest_lom(meta, flavour.lom_ns, BANK_TITLE, licence)
    else:
        _title_lom(meta, flavour.lom_ns)
    orgs = etree.SubElement(root, f"{ns}organizations")
    org = etree.SubElement(orgs, f"{ns}organization", identifier="org-1", structure="rooted-hierarchy")
    top = etree.SubElement(org, f"{ns}item", identifier="root")
    for form in forms:
        entry = etree.SubElement(top, f"{ns}item", identifier=f"org-{quiz_ident(form)}",
                                 identifierref=quiz_ident(form))
        etree.SubElement(entry, f"{ns}title").text = form.title
    resources = etree.SubElement(root, f"{ns}resources")
    if question_bank:
        resource = etree.SubElement(resources, f"{ns}resource", identifier=QUESTION_BANK,
                                    type=flavour.question_bank_type)
        etree.SubElement(resource, f"{ns}file", href=QUESTION_BANK_HREF)
    for form in forms:
        resource = etree.SubElement(resources, f"{ns}resource", identifier=quiz_ident(form),
                                    type=flavour.assessment_type)
        etree.SubElement(resource, f"{ns}file", href=quiz_href(form))
    return root


CC13 = Flavour(
    name="cc13",
    title="IMS Common Cartridge 1.3 with the forms as assessments (Canvas, Brightspace, Sakai; not Moodle: cc11)",
    version="1.3.0",
    cc_ns="http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1",
    lom_ns="http://ltsc.ieee.org/xsd/imsccv1p3/LOM/manifest",
    cc_location="http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_imscp_v1p2_v1p0.xsd",
    qti_location="http://www.imsglobal.org/profile/cc/ccv1p3/ccv1p3_qtiasiv1p2p1_v1p0.xsd",
    item=cc_item,
)
CC_NS = CC13.cc_ns
CC_LOM_NS = CC13.lom_ns
ASSESSMENT_TYPE = CC13.assessment_type
QUESTION_BANK_TYPE = CC13.question_bank_type

EXPORTER = CommonCartridgeExporter(CC13)
