"""Canvas-flavoured QTI 1.2 zip: what Canvas's own "QTI .zip" export contains, so Canvas imports it as a quiz.

Layout (as Canvas and text2qti write it): `imsmanifest.xml` in the Common Cartridge 1.1 namespace with one
`imsqti_xmlv1p2` resource per assessment, `<id>/assessment_meta.xml` (Canvas quiz settings) and `<id>/<id>.xml`
(the `questestinterop`). One quiz per form; when the whole bank is exported, also one item bank (`objectbank`) per
domain. Items carry the bank's metadata in extra `cps_*` itemmetadata fields, which Canvas ignores and the importer
reads back. Each document is streamed into the zip item by item
(`exporters.packaging`: fixed timestamps, sorted entries, so the same bank gives the same bytes).

Scores are percentages of `points_possible` (Canvas's convention): single-answer and all-or-nothing items set 100
for the exact key set; partial multiple-response items add each chosen option's `choice_weights` share, and the
`decvar` floor of 0 applies the rule's "floored at 0".
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from exporters import rich_text
from exporters.base import DRAFT_LABEL, ExportSelection, Progress, is_draft
from exporters.packaging import PackageWriter
from exporters.qti12_common import QTI_NS, cc_manifest_lom, mattext, presentation, q, resprocessing, sub
from item_bank.assemble import form_items
from item_bank.licensing import ContentLicense, content_license
from item_bank.model import Bank, Form, GradingPolicy, Item, ItemType, ScoringRule
from item_bank.scoring import all_or_nothing
from item_bank.snapshot import bank_version

CC_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
CC_LOM_NS = "http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest"
CANVAS_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
QTI_LOCATION = f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"

QUESTION_TYPES = {
    ItemType.SINGLE_CHOICE: "multiple_choice_question",
    ItemType.MULTIPLE_RESPONSE: "multiple_answers_question",
    ItemType.TRUE_FALSE: "true_false_question",
    ItemType.EXTENDED_TEXT: "essay_question",
}
SCENARIO_CLASS = "cps-scenario"
STEM_CLASS = "cps-stem"


# Canvas's "Quiz score to keep": it has no "first attempt", so a form that counts the first attempt keeps the highest
# (docs/exports.md says so).
CANVAS_SCORING_POLICY = {GradingPolicy.HIGHEST: "keep_highest", GradingPolicy.LATEST: "keep_latest",
                         GradingPolicy.AVERAGE: "keep_average", GradingPolicy.FIRST: "keep_highest"}


def quiz_ident(form: Form) -> str:
    return f"cps-quiz-{form.id}"


def bank_ident(domain_id: str) -> str:
    return f"cps-bank-{domain_id}"


def quiz_item_ident(form: Form, item: Item) -> str:
    """A quiz question's own id; it points at the bank question (the item id) through the identifierref."""
    return f"{form.id}--{item.id}"


class CanvasQti12Exporter:
    name = "canvas-qti12"
    title = "Canvas QTI 1.2 .zip (Classic and New Quizzes: Import Course Content > QTI .zip file)"
    suffix = ".zip"

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        bank = selection.bank
        resources: list[tuple[str, bool]] = []
        with PackageWriter(out) as pkg:
            if selection.form is None:
                for ident, (draft, domain_id), items in _by_domain(selection.items):
                    title = f"CPS ethics — {domain_id} {_domain_title(bank, domain_id)}"
                    title += f" ({DRAFT_LABEL})" if draft else ""
                    with pkg.xml(f"{ident}/{ident}.xml") as xf:
                        _objectbank(xf, ident, title, items, bank, progress)
                    resources.append((ident, False))
            for form in sorted(selection.forms, key=quiz_ident):
                items = form_items(form, bank)
                ident = quiz_ident(form)
                pkg.write(f"{ident}/assessment_meta.xml", assessment_meta(form, items))
                with pkg.xml(f"{ident}/{ident}.xml") as xf:
                    with_bank = selection.form is None
                    _assessment(xf, form, items, bank, with_bank, None if with_bank else progress)
                resources.append((ident, True))
            pkg.write("imsmanifest.xml", manifest(selection.name, resources, content_license(bank)))


def _by_domain(items: list[Item]) -> Iterator[tuple[str, tuple[bool, str], list[Item]]]:
    """(bank ident, (draft?, domain), items) in the order of the idents (the zip's entries are sorted): drafts,
    exported only when asked, get banks of their own."""
    domains: dict[tuple[bool, str], list[Item]] = {}
    for item in items:
        domains.setdefault((is_draft(item), item.domain), []).append(item)
    banks = [(bank_ident(domain) + ("-draft" if draft else ""), (draft, domain), group)
             for (draft, domain), group in domains.items()]
    yield from sorted(banks, key=lambda bank: f"{bank[0]}/")


def _domain_title(bank: Bank, domain_id: str) -> str:
    try:
        return bank.blueprint.domain(domain_id).title
    except KeyError:
        return ""


def _questestinterop(xf):
    return xf.element(f"{{{QTI_NS}}}questestinterop", {f"{{{XSI}}}schemaLocation": QTI_LOCATION},
                      nsmap={None: QTI_NS, "xsi": XSI})


def _objectbank(xf, ident: str, title: str, items: list[Item], bank: Bank, progress: Progress | None) -> None:
    with _questestinterop(xf), xf.element(f"{{{QTI_NS}}}objectbank", ident=ident):
        xf.write(_metadata({"bank_title": title, "cps_bank_version": bank_version(bank)}))
        for item in items:
            xf.write(item_element(item, bank, item.id, None))
            if progress:
                progress(1)


def _assessment(xf, form: Form, items: list[Item], bank: Bank, with_bank: bool, progress: Progress | None) -> None:
    attempts = form.settings.attempts_allowed or -1
    with _questestinterop(xf), xf.element(f"{{{QTI_NS}}}assessment", ident=quiz_ident(form), title=form.title):
        xf.write(_metadata({"cc_maxattempts": str(attempts if attempts > 0 else "unlimited"),
                            "cps_bank_version": bank_version(bank)}))
        with xf.element(f"{{{QTI_NS}}}section", ident="root_section"):
            rule = form.settings.multiple_response_scoring
            for item in items:
                xf.write(item_element(item, bank, quiz_item_ident(form, item), item.id if with_bank else None, rule))
                if progress:
                    progress(1)


def _metadata(fields: dict[str, str]) -> etree._Element:
    meta = etree.Element(q("qtimetadata"))
    for label, entry in fields.items():
        f = sub(meta, "qtimetadatafield")
        sub(f, "fieldlabel", label)
        sub(f, "fieldentry", entry)
    return meta


def _flow_feedback(parent: etree._Element, ident: str, html: str) -> None:
    fb = sub(parent, "itemfeedback", ident=ident)
    mattext(sub(fb, "flow_mat"), html)


def item_metadata(item: Item, rule: ScoringRule | None) -> dict[str, str]:
    """Canvas's own fields, then the bank's metadata under `cps_` labels (ignored by Canvas, read by the importer)."""
    fields = {
        "question_type": QUESTION_TYPES[item.type],
        "points_possible": f"{item.points:g}",
    }
    if item.choices:
        fields["original_answer_ids"] = ",".join(c.id for c in item.choices)
    cps = {
        "cps_item_id": item.id,
        "cps_revision": str(item.revision),
        "cps_status": item.status,
        "cps_domain": item.domain,
        "cps_objectives": " ".join(item.objectives),
        "cps_cognitive_level": item.cognitive_level,
        "cps_difficulty": item.difficulty,
        "cps_sources": " ".join(item.sources),
        "cps_scenario": item.scenario or "",
        "cps_scoring_rule": item.scoring_rule.value if item.scoring_rule else "",
        "cps_jurisdiction": item.jurisdiction or "",
        "cps_law_as_of": item.law_as_of.isoformat() if item.law_as_of else "",
        "cps_rubric": item.rubric or "",
        "cps_grader_notes": rich_text.html(item.grader_notes) if item.grader_notes else "",
        "cps_tags": " ".join(item.tags),
    }
    fields.update({k: v for k, v in cps.items() if v})
    if item.type is ItemType.MULTIPLE_RESPONSE:
        fields["cps_effective_rule"] = "all_or_nothing" if all_or_nothing(item, rule) else "partial"
    return fields


def question_html(item: Item, bank: Bank) -> str:
    """The scenario (when the item has one) above the stem, each in a marked div the importer can split again."""
    parts = []
    scenario = bank.scenarios.get(item.scenario or "")
    if scenario is not None:
        parts.append(f'<div class="{SCENARIO_CLASS}"><p><strong>{_esc(scenario.title)}</strong></p>'
                     f"{rich_text.html(scenario.text)}</div>")
    parts.append(f'<div class="{STEM_CLASS}">{rich_text.html(item.stem)}</div>')
    return "".join(parts)


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def item_element(item: Item, bank: Bank, ident: str, bank_ref: str | None,
                 rule: ScoringRule | None = None) -> etree._Element:
    el = etree.Element(q("item"), ident=ident, title=item.id)
    meta = item_metadata(item, rule)
    if bank_ref:
        meta["assessment_question_identifierref"] = bank_ref
    sub(el, "itemmetadata").append(_metadata(meta))
    presentation(el, item, question_html(item, bank))
    resprocessing(el, item, rule, canvas=True)
    _feedbacks(el, item)
    return el


def _feedbacks(el: etree._Element, item: Item) -> None:
    _flow_feedback(el, "general_fb", rich_text.html(item.feedback))
    if item.type is ItemType.EXTENDED_TEXT:
        return
    keys = "".join(f"<li>{rich_text.inline_html(k.text)}: {rich_text.inline_html(k.rationale)}</li>" for k in item.keys)
    _flow_feedback(el, "correct_fb", f"<p>Correct.</p><ul>{keys}</ul>")
    _flow_feedback(el, "general_incorrect_fb", f"<p>Not quite. The answer:</p><ul>{keys}</ul>")
    for choice in item.choices:
        _flow_feedback(el, f"{choice.id}_fb", rich_text.html(choice.rationale))


def assessment_meta(form: Form, items: list[Item]) -> bytes:
    """Canvas quiz settings (`cccv1p0`), from the form's delivery settings."""
    s = form.settings
    points = f"{sum(i.points for i in items):.1f}"
    ns = f"{{{CANVAS_NS}}}"
    quiz = etree.Element(f"{ns}quiz", {f"{{{XSI}}}schemaLocation": f"{CANVAS_NS} {CANVAS_NS}.xsd",
                                       "identifier": quiz_ident(form)}, nsmap={None: CANVAS_NS, "xsi": XSI})
    fields = [
        ("title", form.title),
        ("description", rich_text.html(form.description) if form.description else ""),
        ("shuffle_answers", _bool(s.shuffle_choices)),
        ("scoring_policy", CANVAS_SCORING_POLICY[s.grading_policy]),
        ("quiz_type", "assignment"),
        ("points_possible", points),
        ("show_correct_answers", _bool(s.feedback.value != "never")),
        ("allowed_attempts", str(s.attempts_allowed or -1)),
        ("one_question_at_a_time", "false"),
        ("cant_go_back", "false"),
        ("available", "false"),
    ]
    if s.time_limit_minutes:
        fields.insert(5, ("time_limit", str(s.time_limit_minutes)))
    for tag, text in fields:
        etree.SubElement(quiz, f"{ns}{tag}").text = text
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def manifest(name: str, resources: list[tuple[str, bool]], licence: ContentLicense | None = None) -> bytes:
    """The CC 1.1-namespace manifest; a quiz resource depends on its assessment_meta resource, as in Canvas. The
    bank's content licence, when it names one, goes into the manifest's LOM rights."""
    ns = f"{{{CC_NS}}}"
    root = etree.Element(f"{ns}manifest", identifier=f"cps-manifest-{name}", nsmap={None: CC_NS})
    meta = etree.SubElement(root, f"{ns}metadata")
    etree.SubElement(meta, f"{ns}schema").text = "IMS Content"
    etree.SubElement(meta, f"{ns}schemaversion").text = "1.1.3"
    cc_manifest_lom(meta, CC_LOM_NS, "CPS ethics item bank", licence)
    etree.SubElement(root, f"{ns}organizations")
    res = etree.SubElement(root, f"{ns}resources")
    for ident, is_quiz in resources:
        r = etree.SubElement(res, f"{ns}resource", identifier=ident, type="imsqti_xmlv1p2")
        etree.SubElement(r, f"{ns}file", href=f"{ident}/{ident}.xml")
        if is_quiz:
            etree.SubElement(r, f"{ns}dependency", identifierref=f"{ident}-meta")
    for ident, is_quiz in resources:
        if is_quiz:
            href = f"{ident}/assessment_meta.xml"
            r = etree.SubElement(res, f"{ns}resource", identifier=f"{ident}-meta",
                                 type="associatedcontent/imscc_xmlv1p1/learning-application-resource", href=href)
            etree.SubElement(r, f"{ns}file", href=href)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


EXPORTER = CanvasQti12Exporter()
