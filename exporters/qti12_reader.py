"""QTI 1.2 `questestinterop` (Canvas quiz / item bank exports, Common Cartridge assessments) -> bank item dicts.

Keys are the options that a `respcondition` setting SCORE to its maximum requires (a plain `varequal`, or the
non-negated `varequal`s of an `and`), which is how Canvas, text2qti, Moodle and our exporters write them; an item
with no such condition (a partial multiple-response item of our Common Cartridge 1.3) has as keys the options that
add a positive share. Points are Canvas's `points_possible` or the Common Cartridge `cc_weighting`. Per-option
feedback is Canvas's `<option>_fb` itemfeedback, general feedback `general_fb`. Our own exports also carry the
bank's metadata in `cps_*` itemmetadata fields, read back here.
"""

from __future__ import annotations

from datetime import date

from lxml import etree, html

from exporters.html_to_markdown import plain_text, to_markdown
from exporters.import_model import ImportedItem, Skipped

QTI12_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CANVAS_TYPES = {
    "multiple_choice_question": "single_choice",
    "multiple_answers_question": "multiple_response",
    "true_false_question": "true_false",
    "essay_question": "extended_text",
    "cc.multiple_choice.v0p1": "single_choice",
    "cc.multiple_response.v0p1": "multiple_response",
    "cc.true_false.v0p1": "true_false",
    "cc.essay.v0p1": "extended_text",
}


def _l(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _find(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el.iter() if _l(c) == name]


def _metadata(item: etree._Element) -> dict[str, str]:
    fields: dict[str, str] = {}
    for field in _find(item, "qtimetadatafield"):
        label = next((c.text for c in field if _l(c) == "fieldlabel"), None)
        entry = next((c.text for c in field if _l(c) == "fieldentry"), None)
        if label:
            fields[label.strip()] = (entry or "").strip()
    return fields


def _mattext(el: etree._Element | None) -> str:
    """The HTML of a material's mattext (plain text is escaped into HTML)."""
    if el is None:
        return ""
    text = next(iter(_find(el, "mattext")), None)
    if text is None:
        return ""
    value = text.text or ""
    if (text.get("texttype") or "text/plain") != "text/html":
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


def read_items(root: etree._Element, where: str) -> list[ImportedItem | Skipped]:
    return [read_item(item, where) for item in _find(root, "item")]


def read_item(el: etree._Element, where: str) -> ImportedItem | Skipped:
    meta = _metadata(el)
    ident = el.get("ident") or "item"
    qtype = meta.get("question_type") or meta.get("cc_profile") or ""
    kind = CANVAS_TYPES.get(qtype)
    if kind is None:
        return Skipped(ident, where, f"question type {qtype or 'unknown'!r} is not one the bank supports "
                                     "(multiple choice, multiple answers, true/false, essay)")
    item = ImportedItem(id=meta.get("cps_item_id") or ident, source=where, type=kind)
    _cps_metadata(item, meta)
    presentation = next(iter(_find(el, "presentation")), None)
    if presentation is None:
        return Skipped(ident, where, "no presentation")
    material = next((c for c in presentation if _l(c) in ("material", "flow")), None)
    _question(item, _mattext(material))
    feedback = {fb.get("ident"): _mattext(fb) for fb in _find(el, "itemfeedback")}
    item.feedback = to_markdown(feedback.get("general_fb", ""), item.removed)
    points = meta.get("points_possible", meta.get("cc_weighting"))
    if points is not None:
        try:
            item.points = float(points)
        except ValueError:
            item.points = None
    if kind == "extended_text":
        return item
    labels = [(label.get("ident") or "", _mattext(label)) for label in _find(presentation, "response_label")]
    keys = _keys(el)
    if not keys:
        return Skipped(ident, where, "no respcondition that gives full score: the key is unknown")
    for label_id, text in labels:
        item.choices.append({"id": label_id, "text": to_markdown(text, item.removed), "correct": label_id in keys,
                             "rationale": to_markdown(feedback.get(f"{label_id}_fb", ""), item.removed)})
    if kind == "true_false" and {c["id"] for c in item.choices} != {"true", "false"}:
        for choice in item.choices:
            choice["id"] = choice["text"].strip().lower()
        if {c["id"] for c in item.choices} != {"true", "false"}:
            return Skipped(ident, where, "true/false item whose options are not True and False")
    if kind == "multiple_response" and "cps_item_id" not in meta:
        adds = [s for s in _find(el, "setvar") if (s.get("action") or "Set") == "Add"]
        item.scoring_rule = "partial" if adds else "all_or_nothing"
    return item


def _cps_metadata(item: ImportedItem, meta: dict[str, str]) -> None:
    item.status = meta.get("cps_status", "draft")
    if meta.get("cps_revision", "").isdigit():
        item.revision = int(meta["cps_revision"])
    item.domain = meta.get("cps_domain") or None
    item.objectives = meta.get("cps_objectives", "").split()
    item.cognitive_level = meta.get("cps_cognitive_level") or None
    item.difficulty = meta.get("cps_difficulty") or None
    item.sources = meta.get("cps_sources", "").split()
    item.scoring_rule = meta.get("cps_scoring_rule") or None
    item.jurisdiction = meta.get("cps_jurisdiction") or None
    if meta.get("cps_law_as_of"):
        try:
            item.law_as_of = date.fromisoformat(meta["cps_law_as_of"])
        except ValueError:
            item.law_as_of = None
    item.rubric = meta.get("cps_rubric") or None
    item.grader_notes = to_markdown(meta.get("cps_grader_notes", ""), item.removed) or None
    item.tags = meta.get("cps_tags", "").split()
    item.scenario = meta.get("cps_scenario") or None


def _question(item: ImportedItem, question_html: str) -> None:
    """Split our scenario / stem divs apart; a foreign question is all stem."""
    if 'class="cps-stem"' not in question_html:
        item.stem = to_markdown(question_html, item.removed)
        return
    root = html.fragment_fromstring(question_html, create_parent="div")
    for div in root:
        cls = div.get("class") or ""
        inner = (div.text or "") + "".join(etree.tostring(c, encoding="unicode", method="html") for c in div)
        if cls == "cps-stem":
            item.stem = to_markdown(inner, item.removed)
        elif cls == "cps-scenario" and len(div):
            title = div[0]
            item.scenario_title = plain_text(title, item.removed).strip()
            item.scenario_text = to_markdown("".join(etree.tostring(c, encoding="unicode", method="html")
                                                     for c in div[1:]), item.removed)


def _keys(item: etree._Element) -> set[str]:
    """The options a full-score condition requires; failing that, the options whose own condition adds a positive
    share (a partial multiple-response item written with Add only, as our Common Cartridge 1.3 does)."""
    maximum = "100"
    for decvar in _find(item, "decvar"):
        maximum = decvar.get("maxvalue") or maximum
    keys: set[str] = set()
    adding: set[str] = set()
    for cond in _find(item, "respcondition"):
        sets = [s for s in cond if _l(s) == "setvar" and (s.get("action") or "Set") == "Set"]
        if any(_number(s.text) >= _number(maximum) > 0 for s in sets):
            for var in _find(cond, "varequal"):
                if not any(_l(a) == "not" for a in var.iterancestors()) and var.text:
                    keys.add(var.text.strip())
        adds = [s for s in cond if _l(s) == "setvar" and s.get("action") == "Add" and _number(s.text) > 0]
        options = _find(cond, "varequal")
        if adds and len(options) == 1 and options[0].text:
            adding.add(options[0].text.strip())
    return keys or adding


def _number(text: str | None) -> float:
    try:
        return float(text or "0")
    except ValueError:
        return 0.0
