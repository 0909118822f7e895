"""An item document written from its shape's template is byte for byte the tree built element by element."""

from __future__ import annotations

import pytest
from lxml import etree

from exporters.qti21 import QTI21
from exporters.qti30 import QTI30
from exporters.qti_common import plain_title
from exporters.qti_items import ItemWriter, item_skeleton
from exporters.qti_markup import append_markup
from exporters.xml_template import slot
from item_bank.model import Bank, Item, ItemType, ScoringRule
from item_bank.scoring import effective_rule


def _values(bank: Bank, item: Item) -> dict[str, tuple[str, bool | None]]:
    """Each slot's value: (text, None) for plain text, (Markdown, inline?) for rendered content."""
    values: dict[str, tuple[str, bool | None]] = {"identifier": (item.id, None), "title": (plain_title(item), None),
                                                   "stem": (item.stem, False), "feedback": (item.feedback, False)}
    if item.scenario:
        scenario = bank.scenarios[item.scenario]
        values |= {"scenario-id": (f"scenario-{scenario.id}", None), "scenario-title": (scenario.title, None),
                   "scenario-text": (scenario.text, False)}
    if item.type is ItemType.EXTENDED_TEXT:
        values["grader-notes"] = (item.grader_notes or "", False)
    for n, choice in enumerate(item.choices):
        values[f"choice-{n}"] = (choice.text, True)
        values[f"rationale-{n}"] = (choice.rationale, False)
    return values


def _built(writer: ItemWriter, bank: Bank, item: Item, rule: ScoringRule) -> bytes:
    """The item's skeleton with every slot filled through lxml: attributes set, Markdown appended element-wise."""
    tree = item_skeleton(writer.builder, writer.shape(item, rule))
    ns = writer.builder.d.ns
    values = {slot(name): value for name, value in _values(bank, item).items()}
    for element in list(tree.iter()):
        for name, value in element.attrib.items():
            if value in values:
                element.set(name, values[value][0])
        for where in ("text", "tail"):
            marker = getattr(element, where)
            if marker not in values:
                continue
            setattr(element, where, None)
            text, inline = values[marker]
            if inline is None:
                setattr(element, where, text)
            elif where == "tail":  # the content follows the element, inside its parent
                append_markup(element.getparent(), text, ns, inline)
            else:  # the content comes first, before the element's children
                children = list(element)
                for child in children:
                    element.remove(child)
                append_markup(element, text, ns, inline)
                element.extend(children)
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("dialect", [QTI21, QTI30], ids=["qti21", "qti30"])
@pytest.mark.parametrize("bank_name", ["starter_bank", "real_bank"])
def test_every_item_from_its_template_is_the_tree_built_element_by_element(dialect, bank_name, request):
    bank = request.getfixturevalue(bank_name)
    for shuffle in (False, True):
        writer = ItemWriter(dialect, bank, shuffle)
        for item in bank.items:
            rules = [effective_rule(item)]
            if item.type is ItemType.MULTIPLE_RESPONSE:
                rules = list(ScoringRule)
            for rule in rules:
                written = writer(item, rule, item.id, plain_title(item))
                assert written == _built(writer, bank, item, rule), f"{item.id} under {rule.value}"
