"""`cc11`: an IMS Common Cartridge 1.1 (.imscc), the version Moodle's course restore converts.

Moodle recognises a cartridge by the manifest's namespace (CC 1.0 or 1.1 only; a 1.3 cartridge is "not a valid
Moodle backup file"), validates the manifest against the CC 1.1 schemas, then turns each assessment into a quiz and
the question bank into a question category. The package is `exporters.common_cartridge`'s (same files, same
organization) with the CC 1.1 namespaces and resource types, and items written in the CC 1.1 QTI profile's own
pattern, which is also what Moodle's reader understands:

- SCORE is only ever Set (the profile has no Add): the exact key set sets 100, anything else leaves 0. A
  multiple-response item under the partial rule is therefore all-or-nothing for a QTI 1.2 engine; Moodle itself
  gives each key 1/k of the points and each other option 0 (its own reading of the pattern, see docs/exports.md).
- Only the general-feedback condition continues: the key condition (single choice, true/false) shows the key's
  rationale, each other option has a condition of its own that shows its rationale. Moodle collects every
  continuing condition's feedback as the question's general feedback, so the rationales stay with their options.
- The key condition of a multiple-response item compares each key with `case="Yes"` (an `and`, the other options
  under `not`): that is how Moodle tells the keys of such an item.
"""

from __future__ import annotations

from lxml import etree

from exporters.common_cartridge import CommonCartridgeExporter, Flavour, item_feedback, item_shell
from exporters.qti12_common import RESPONSE_ID, sub
from item_bank.model import Choice, Item, ItemType, ScoringRule


def cc11_item(item: Item, bank_html: str, rule: ScoringRule | None) -> etree._Element:
    """One CC 1.1 profile item. The scoring rule does not change it: the profile scores the exact key set only."""
    el = item_shell(item, bank_html)
    proc = sub(el, "resprocessing")
    sub(sub(proc, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE", vartype="Decimal")
    general = sub(proc, "respcondition", **{"continue": "Yes"})
    sub(sub(general, "conditionvar"), "other")
    sub(general, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    if item.type is ItemType.MULTIPLE_RESPONSE:
        _exact_key_set(proc, item)
        for choice in item.choices:
            _option(proc, choice)
    elif item.type is not ItemType.EXTENDED_TEXT:
        for choice in item.choices:
            _option(proc, choice, key=choice.correct)
    item_feedback(el, item)
    return el


def _option(proc: etree._Element, choice: Choice, key: bool = False) -> None:
    """The condition for one chosen option: its rationale, and SCORE 100 when it is the key of a one-answer item."""
    cond = sub(proc, "respcondition", **{"continue": "No"})
    sub(sub(cond, "conditionvar"), "varequal", choice.id, respident=RESPONSE_ID)
    if key:
        sub(cond, "setvar", "100", action="Set", varname="SCORE")
    sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{choice.id}_fb")


def _exact_key_set(proc: etree._Element, item: Item) -> None:
    """SCORE 100 when the chosen options are exactly the keys, with every key's rationale."""
    cond = sub(proc, "respcondition", **{"continue": "No"})
    both = sub(sub(cond, "conditionvar"), "and")
    for choice in item.choices:
        sub(both if choice.correct else sub(both, "not"), "varequal", choice.id, respident=RESPONSE_ID, case="Yes")
    sub(cond, "setvar", "100", action="Set", varname="SCORE")
    for choice in item.keys:
        sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{choice.id}_fb")


CC11 = Flavour(
    name="cc11",
    title="IMS Common Cartridge 1.1 with the forms as quizzes (Moodle's course restore; also Canvas, Brightspace)",
    version="1.1.0",
    cc_ns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1",
    lom_ns="http://ltsc.ieee.org/xsd/imsccv1p1/LOM/manifest",
    cc_location="http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_imscp_v1p2_v1p0.xsd",
    qti_location="http://www.imsglobal.org/profile/cc/ccv1p1/ccv1p1_qtiasiv1p2p1_v1p0.xsd",
    item=cc11_item,
)

EXPORTER = CommonCartridgeExporter(CC11)
