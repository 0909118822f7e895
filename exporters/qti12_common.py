"""What the two QTI 1.2 writers (Canvas and Common Cartridge) share: element helpers, the question's presentation
and response processing.

Response processing is written from `item_bank.scoring` (`choice_weights`, `all_or_nothing`), so both formats
score exactly as the tool does.
"""

from __future__ import annotations

from fractions import Fraction

from lxml import etree

from exporters import rich_text
from item_bank.licensing import ContentLicense
from item_bank.model import Item, ItemType, ScoringRule
from item_bank.scoring import all_or_nothing, choice_weights

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
RESPONSE_ID = "response1"


def cc_manifest_lom(metadata: etree._Element, lom_ns: str, title: str, licence: ContentLicense | None) -> None:
    """The Common Cartridge manifest's LOM (Canvas writes the same): the title and the content licence as rights,
    appended to the manifest's `<metadata>` when the bank names its licence (item_bank.licensing)."""
    if licence is None:
        return
    ns = f"{{{lom_ns}}}"
    lom = etree.SubElement(metadata, f"{ns}lom", nsmap={"lomimscc": lom_ns})
    title_el = etree.SubElement(etree.SubElement(lom, f"{ns}general"), f"{ns}title")
    etree.SubElement(title_el, f"{ns}string", language="en").text = title
    rights = etree.SubElement(lom, f"{ns}rights")
    etree.SubElement(etree.SubElement(rights, f"{ns}copyrightAndOtherRestrictions"), f"{ns}value").text = "yes"
    etree.SubElement(etree.SubElement(rights, f"{ns}description"), f"{ns}string").text = licence.notice


def q(tag: str) -> str:
    return f"{{{QTI_NS}}}{tag}"


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, q(tag), attrs)
    if text is not None:
        el.text = text
    return el


def mattext(parent: etree._Element, html: str) -> None:
    sub(sub(parent, "material"), "mattext", html, texttype="text/html")


def presentation(el: etree._Element, item: Item, question_html: str) -> None:
    """The question and its response: a text box for essays, the choices (in bank order) otherwise."""
    shown = sub(el, "presentation")
    mattext(shown, question_html)
    if item.type is ItemType.EXTENDED_TEXT:
        response = sub(shown, "response_str", ident=RESPONSE_ID, rcardinality="Single")
        sub(sub(response, "render_fib"), "response_label", ident="answer1", rshuffle="No")
        return
    cardinality = "Multiple" if item.type is ItemType.MULTIPLE_RESPONSE else "Single"
    response = sub(shown, "response_lid", ident=RESPONSE_ID, rcardinality=cardinality)
    render = sub(response, "render_choice")
    for choice in item.choices:
        mattext(sub(render, "response_label", ident=choice.id), rich_text.inline_html(choice.text))


def percent(weight: Fraction) -> str:
    """A share of the item's points as the percentage QTI 1.2 SCORE adds (shortest exact-enough decimal)."""
    value = float(weight * 100)
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def resprocessing(el: etree._Element, item: Item, rule: ScoringRule | None, *, canvas: bool) -> None:
    """SCORE from 0 to 100: each chosen option adds its weight (partial), or the exact key set sets 100.

    Canvas also keeps the exact-key condition for partial items (so it can find the keys) and shows its
    correct / incorrect feedback; Common Cartridge needs neither.
    """
    proc = sub(el, "resprocessing")
    sub(sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = sub(proc, "respcondition", **{"continue": "Yes"})
    sub(sub(general, "conditionvar"), "other")
    sub(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    if item.type is ItemType.EXTENDED_TEXT:
        return
    partial = not all_or_nothing(item, rule)
    weights = choice_weights(item, rule)
    for choice in item.choices:
        cond = sub(proc, "respcondition", **{"continue": "Yes"})
        sub(sub(cond, "conditionvar"), "varequal", choice.id, respident=RESPONSE_ID)
        if partial:
            sub(cond, "setvar", percent(weights[choice.id]), action="Add", varname="SCORE")
        sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{choice.id}_fb")
    if partial and not canvas:
        return
    exact = sub(proc, "respcondition", **{"continue": "No"})
    condvar = sub(exact, "conditionvar")
    if item.type is ItemType.MULTIPLE_RESPONSE:
        both = sub(condvar, "and")
        for choice in item.choices:
            sub(both if choice.correct else sub(both, "not"), "varequal", choice.id, respident=RESPONSE_ID)
    else:
        sub(condvar, "varequal", item.keys[0].id, respident=RESPONSE_ID)
    sub(exact, "setvar", "100", action="Set", varname="SCORE")
    if not canvas:
        return
    sub(exact, "displayfeedback", feedbacktype="Response", linkrefid="correct_fb")
    wrong = sub(proc, "respcondition", **{"continue": "Yes"})
    sub(sub(wrong, "conditionvar"), "other")
    sub(wrong, "displayfeedback", feedbacktype="Response", linkrefid="general_incorrect_fb")
