"""Moodle XML: the format Moodle's question bank imports (Moodle has no QTI importer in core).

One question category per domain; tags for domain, objectives, difficulty and cognitive level; per-answer feedback
from the rationales; general feedback; essays carry the rubric and grader notes as `graderinfo`. Text is HTML in
CDATA with format="html".

Fractions come from `item_bank.scoring` and must be values Moodle accepts (`MOODLE_FRACTIONS`, Moodle's fixed
list; Moodle refuses an import with any other value):
- single choice and true/false: 100 for the key, 0 for the rest (a wrong answer scores 0, as in `score_response`);
- multiple response, partial: `choice_weights` (+100/keys for a key, -100/keys for a distractor); Moodle sums the
  chosen fractions and clamps the total to 0..100, which is exactly the partial rule;
- multiple response, all-or-nothing: core `multichoice` cannot express it. We write `choice_weights` (a key
  +100/keys, a distractor -100): any wrong option still scores 0, but a correct subset of the keys earns its
  share instead of 0. Such questions get the tag `cps-scoring-approximated` and a note in the general feedback
  so a Moodle admin can find them (or switch them to the all-or-nothing plugin qtype `multichoiceset`).
"""

from __future__ import annotations

import html
from fractions import Fraction
from typing import BinaryIO

from lxml import etree

from exporters import rich_text
from exporters.base import DRAFT_LABEL, ExportSelection, Progress, is_draft
from item_bank.model import Bank, Item, ItemType, ScoringRule
from item_bank.scoring import all_or_nothing, choice_weights
from item_bank.snapshot import bank_version

# Moodle's question_bank::fraction_options_full(), in percent; negatives are the same values below zero.
MOODLE_FRACTIONS = (100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333, 30, 25, 20, 16.66667, 14.28571,
                    12.5, 11.11111, 10, 5, 0)
APPROXIMATED_TAG = "cps-scoring-approximated"
APPROXIMATION_NOTE = ("<p><em>Scoring note: this question is all-or-nothing in the item bank; Moodle's multiple "
                      "choice gives a share for a correct subset of the keys.</em></p>")


class FractionNotInMoodle(ValueError):
    """A weight with no Moodle equivalent: Moodle would refuse the whole file, so we refuse to write it."""


def moodle_fraction(share: Fraction) -> str:
    """A choice's share (-1..1) as the nearest Moodle fraction string; refuse anything Moodle's list lacks."""
    percent = float(share * 100)
    for allowed in MOODLE_FRACTIONS:
        if abs(abs(percent) - allowed) < 0.001:
            value = allowed if percent >= 0 else -allowed
            return f"{value:g}" if value == int(value) else f"{value:.5f}".rstrip("0")
    raise FractionNotInMoodle(f"fraction {percent:.4f}% is not one Moodle accepts")


def answer_fractions(item: Item, rule: ScoringRule | None = None) -> dict[str, str]:
    if item.type is ItemType.MULTIPLE_RESPONSE:
        return {cid: moodle_fraction(w) for cid, w in choice_weights(item, rule).items()}
    return {c.id: "100" if c.correct else "0" for c in item.choices}


def _text(parent: etree._Element, tag: str, html: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, format="html", **attrs)
    etree.SubElement(el, "text").text = etree.CDATA(html)
    return el


def _plain(parent: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(parent, tag).text = value


def category_root(draft: bool) -> str:
    """The top category: drafts (exported only when asked) sit beside the reviewed tree, not inside it, so that a
    random question drawing from 'CPS ethics' and its subcategories never draws one."""
    return f"CPS ethics ({DRAFT_LABEL})" if draft else "CPS ethics"


def category_element(bank: Bank, domain_id: str, draft: bool = False) -> etree._Element:
    q = etree.Element("question", type="category")
    try:
        title = f"{domain_id} {bank.blueprint.domain(domain_id).title}"
    except KeyError:
        title = domain_id
    cat = etree.SubElement(q, "category")
    etree.SubElement(cat, "text").text = f"$course$/top/{category_root(draft)}/{title.replace('/', '//')}"
    _text(q, "info", f"<p>CPS ethics item bank, version {bank_version(bank)}</p>")
    return q


def stem_html(item: Item, bank: Bank) -> str:
    scenario = bank.scenarios.get(item.scenario or "")
    lead = ""
    if scenario is not None:
        lead = f"<div class=\"cps-scenario\"><p><strong>{_escape(scenario.title)}</strong></p>" \
               f"{rich_text.html(scenario.text)}</div>"
    return lead + rich_text.html(item.stem)


def _escape(text: str) -> str:
    return html.escape(text, quote=True)


def question_element(item: Item, bank: Bank, rule: ScoringRule | None = None) -> etree._Element:
    kind = {ItemType.SINGLE_CHOICE: "multichoice", ItemType.MULTIPLE_RESPONSE: "multichoice",
            ItemType.TRUE_FALSE: "truefalse", ItemType.EXTENDED_TEXT: "essay"}[item.type]
    q = etree.Element("question", type=kind)
    name = etree.SubElement(q, "name")
    etree.SubElement(name, "text").text = item.id
    _text(q, "questiontext", stem_html(item, bank))
    approximated = item.type is ItemType.MULTIPLE_RESPONSE and all_or_nothing(item, rule)
    _text(q, "generalfeedback", rich_text.html(item.feedback) + (APPROXIMATION_NOTE if approximated else ""))
    _plain(q, "defaultgrade", f"{item.points:g}")
    _plain(q, "penalty", "0")
    _plain(q, "hidden", "0")
    _plain(q, "idnumber", item.id)
    if item.type is ItemType.EXTENDED_TEXT:
        _plain(q, "responseformat", "editor")
        _plain(q, "responserequired", "1")
        _plain(q, "responsefieldlines", "15")
        _plain(q, "attachments", "0")
        _plain(q, "attachmentsrequired", "0")
        _text(q, "graderinfo", _grader_info(item, bank))
        _text(q, "responsetemplate", "")
    elif item.type is ItemType.TRUE_FALSE:
        for choice in item.choices:
            answer = _text(q, "answer", choice.id, fraction="100" if choice.correct else "0")
            answer.set("format", "moodle_auto_format")
            _text(answer, "feedback", rich_text.html(choice.rationale))
    else:
        _plain(q, "single", "true" if item.type is ItemType.SINGLE_CHOICE else "false")
        _plain(q, "shuffleanswers", "true")
        _plain(q, "answernumbering", "abc")
        _plain(q, "showstandardinstruction", "0")
        _text(q, "correctfeedback", "<p>Your answer is correct.</p>")
        _text(q, "partiallycorrectfeedback", "<p>Your answer is partially correct.</p>")
        _text(q, "incorrectfeedback", "<p>Your answer is incorrect.</p>")
        etree.SubElement(q, "shownumcorrect")
        fractions = answer_fractions(item, rule)
        for choice in item.choices:
            answer = _text(q, "answer", rich_text.inline_html(choice.text), fraction=fractions[choice.id])
            _text(answer, "feedback", rich_text.html(choice.rationale))
    tags = etree.SubElement(q, "tags")
    for tag in item_tags(item) + ([APPROXIMATED_TAG] if approximated else []):
        etree.SubElement(etree.SubElement(tags, "tag"), "text").text = tag
    return q


def item_tags(item: Item) -> list[str]:
    tags = [f"domain:{item.domain}", *(f"objective:{o}" for o in item.objectives), f"difficulty:{item.difficulty}",
            f"cognitive:{item.cognitive_level}", f"status:{item.status}", f"revision:{item.revision}",
            *(f"source:{s}" for s in item.sources)]
    return tags + list(item.tags)


def _grader_info(item: Item, bank: Bank) -> str:
    parts = [rich_text.html(item.grader_notes or "")]
    rubric = bank.blueprint.rubrics.get(item.rubric or "")
    if rubric is not None:
        rows = "".join(f"<li><strong>{_escape(d.title)}</strong> (0–{rubric.levels}): {_escape(d.full_credit)}</li>"
                       for d in rubric.dimensions)
        parts.append(f"<p>Rubric: {_escape(rubric.title)} ({rubric.max_points} points, scaled to "
                     f"{item.points:g})</p><ul>{rows}</ul>")
    return "".join(parts)


class MoodleXmlExporter:
    name = "moodle-xml"
    title = "Moodle XML (Question bank > Import > Moodle XML format)"
    suffix = ".xml"

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        bank = selection.bank
        rule = selection.form.settings.multiple_response_scoring if selection.form else None
        items = selection.items
        with etree.xmlfile(out, encoding="UTF-8") as xf:
            xf.write_declaration()
            with xf.element("quiz"):
                for draft, domain_id in sorted({(is_draft(i), i.domain) for i in items}):
                    xf.write(category_element(bank, domain_id, draft), pretty_print=True)
                    for item in (i for i in items if i.domain == domain_id and is_draft(i) == draft):
                        xf.write(question_element(item, bank, rule), pretty_print=True)
                        if progress:
                            progress(1)


EXPORTER = MoodleXmlExporter()
