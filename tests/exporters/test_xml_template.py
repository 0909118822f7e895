"""A template filled with values gives the bytes lxml gives for the same tree with those values in it."""

from __future__ import annotations

import pytest
from lxml import etree

from exporters.xml_template import Template, escape_attribute, escape_text, slot

NS = "urn:test"


def _every_xml_character() -> str:
    """Every character lxml accepts in text, in one string (surrogates and the 30 it refuses left out)."""
    accepted = []
    for code in range(1, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        try:
            etree.Element("x").text = chr(code)
        except ValueError:
            continue
        accepted.append(chr(code))
    return "".join(accepted)


def test_text_and_attribute_values_are_escaped_as_lxml_escapes_them():
    text = _every_xml_character()
    element = etree.Element("x", a=text)
    element.text = text
    assert etree.tostring(element, encoding="UTF-8") == b'<x a="' + escape_attribute(text) + b'">' + \
        escape_text(text) + b"</x>"


@pytest.mark.parametrize("bad", ["\x00", "a\x01b", "\x1f", "\ufffe", "tab\tok but \x0b not"])
def test_characters_xml_cannot_carry_are_refused_as_lxml_refuses_them(bad):
    with pytest.raises(ValueError) as from_lxml:
        etree.Element("x").text = bad
    for escape in (escape_text, escape_attribute):
        with pytest.raises(ValueError) as from_template:
            escape(bad)
        assert str(from_template.value) == str(from_lxml.value)


def _skeleton(values: dict[str, str] | None = None) -> etree._Element:
    """A small document with attribute, text, tail and nested slots; with `values`, the values themselves (an
    empty text left unset: nothing was written there)."""
    def put(name: str) -> str | None:
        return slot(name) if values is None else values[name] or None

    root = etree.Element(f"{{{NS}}}item", nsmap={None: NS}, identifier=put("id") or "", title=put("title") or "")
    body = etree.SubElement(root, f"{{{NS}}}body")
    etree.SubElement(body, f"{{{NS}}}p").text = put("alone")
    strong = etree.SubElement(etree.SubElement(body, f"{{{NS}}}p"), f"{{{NS}}}strong")
    strong.text = "Title"
    strong.tail = put("tail")
    etree.SubElement(root, f"{{{NS}}}end", kind="fixed")
    return root


@pytest.mark.parametrize("values", [
    {"id": "q-1", "title": 'A & B < C > D "quoted"\ttab\nline', "alone": "Ünïcödé & <b>", "tail": " after\r"},
    {"id": "", "title": "", "alone": "", "tail": ""},
])
def test_a_filled_template_is_the_tree_lxml_serializes(values):
    template = Template(_skeleton(), xml_declaration=True)
    expected = etree.tostring(_skeleton(values), xml_declaration=True, encoding="UTF-8")
    assert template.fill(values) == expected
    if not values["alone"]:
        assert b"<p/>" in expected  # an empty element is written short, as lxml writes it


def test_markup_goes_into_content_slots_as_it_is_and_never_into_attributes():
    template = Template(_skeleton())
    filled = template.fill({"id": "q", "title": "t", "alone": b"<em>x</em>", "tail": b"<br/>"})
    assert b"<p><em>x</em></p>" in filled and b"</strong><br/></p>" in filled
    with pytest.raises(TypeError):
        template.fill({"id": b"<x/>", "title": "t", "alone": "", "tail": ""})


def test_a_slot_used_twice_is_refused():
    root = etree.Element("x", a=slot("same"))
    root.text = slot("same")
    with pytest.raises(ValueError, match="twice"):
        Template(root)
