"""XML documents of one shape with different values, written from a template serialized once.

Why: a big export writes tens of thousands of documents that differ only in a few values (identifiers, titles,
texts) while their structure, the bulk of each, repeats. In lxml, copying a finished subtree and serializing it
costs about a microsecond per attribute, every time; the bytes of the shared structure never change. So the shape
is built once with lxml, with a `slot` marker where each value goes, serialized once, and cut at the markers; each
document is then the template's parts joined with its values, escaped exactly as lxml escapes them (text: `&`,
`<`, `>`, CR; attribute values also `"`, tab and LF), and refused, as lxml refuses them, when they hold characters
XML cannot carry. tests/exporters/test_xml_template.py checks the bytes against lxml's.

    skeleton = etree.Element("item", identifier=slot("id"))
    etree.SubElement(skeleton, "p").text = slot("text")
    template = Template(skeleton)
    template.fill({"id": "q-1", "text": "A & B"})      # b'<item identifier="q-1"><p>A &amp; B</p></item>'

A value is a `str` (escaped for where its slot stands) or `bytes` (markup already serialized, for content slots
only). An empty value in a slot that is its element's whole content gives `<p/>`, as lxml writes an empty element.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from lxml import etree

_OPEN, _CLOSE = "\ue000", "\ue001"  # private-use characters: no bank text reaches the skeleton
_MARKER = re.compile(f"{_OPEN}([^{_CLOSE}]+){_CLOSE}".encode())
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_END_TAG = re.compile(rb"\A</[^<>]+>")
NOT_XML_MESSAGE = "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"


def slot(name: str) -> str:
    """The marker to put where the value `name` goes: as an attribute value or as an element's text or tail."""
    return f"{_OPEN}{name}{_CLOSE}"


def escape_text(value: str) -> bytes:
    """`value` as lxml writes it in element content (UTF-8)."""
    if not value.isprintable() and _NOT_XML.search(value):  # printable characters are all XML's
        raise ValueError(NOT_XML_MESSAGE)
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return value.encode("utf-8")


def escape_attribute(value: str) -> bytes:
    """`value` as lxml writes it inside a double-quoted attribute value (UTF-8)."""
    if not value.isprintable() and _NOT_XML.search(value):
        raise ValueError(NOT_XML_MESSAGE)
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    if "\r" in value or "\n" in value or "\t" in value:
        value = value.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#9;")
    return value.encode("utf-8")


class Template:
    """One serialized skeleton, cut at its slots; `fill` writes a document (or fragment) with given values."""

    def __init__(self, skeleton: etree._Element, *, xml_declaration: bool = False, encoding: str = "UTF-8"
                 ) -> None:
        attributes, alone = _slot_places(skeleton)
        pieces = _MARKER.split(etree.tostring(skeleton, xml_declaration=xml_declaration, encoding=encoding))
        self.parts: list[bytes] = pieces[0::2]
        self.names: list[str] = [name.decode("utf-8") for name in pieces[1::2]]
        if len(set(self.names)) != len(self.names):
            raise ValueError(f"a slot is used twice in one template: {sorted(self.names)}")
        # per slot: its name, whether it is an attribute value, whether it is its element's whole content, and the
        # part that follows it
        self._slots = [(name, name in attributes, name in alone, after)
                       for name, after in zip(self.names, self.parts[1:], strict=True)]

    def fill(self, values: Mapping[str, str | bytes]) -> bytes:
        """The document with every slot replaced by its value (see the module docstring)."""
        out = [self.parts[0]]
        for name, attribute, alone, after in self._slots:
            value = values[name]
            if type(value) is str:
                value = escape_attribute(value) if attribute else escape_text(value)
            elif attribute:
                raise TypeError(f"slot {name!r} is an attribute value: give text, not markup")
            if not value and alone:
                out[-1] = out[-1][:-1] + b"/>"
                out.append(_END_TAG.sub(b"", after, count=1))
                continue
            out.append(value)
            out.append(after)
        return b"".join(out)


def _slot_places(skeleton: etree._Element) -> tuple[set[str], set[str]]:
    """The slots that are attribute values, and the slots that are the whole content of their element."""
    attributes: set[str] = set()
    alone: set[str] = set()
    for element in skeleton.iter():
        for value in element.attrib.values():
            attributes.update(_names(value))
        text = element.text
        if text and len(element) == 0 and _MARKER.fullmatch(text.encode("utf-8")):
            alone.update(_names(text))
    return attributes, alone


def _names(value: str) -> list[str]:
    return [name.decode("utf-8") for name in _MARKER.findall(value.encode("utf-8"))]
