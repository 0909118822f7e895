"""Parsing untrusted XML: no DTDs, no entities, no network, bounded size and depth.

Why: a QTI package is XML from anywhere. The parser never loads a DTD or resolves an entity (so no XXE and no
"billion laughs"), never touches the network, refuses documents with a DOCTYPE at all (QTI needs none), and refuses
documents larger or deeper than any real item, before building a tree that could exhaust memory.
"""

from __future__ import annotations

from lxml import etree

MAX_XML_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 200


class UnsafeXml(ValueError):
    """The document is refused; the message is one line naming the file and the reason."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True)


def parse(data: bytes, where: str, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """The root element of `data`, or `UnsafeXml` saying why it was refused."""
    if len(data) > max_bytes:
        raise UnsafeXml(f"{where}: {len(data)} bytes, more than {max_bytes} for one XML file; refusing it")
    try:
        tree = etree.fromstring(data, _parser()).getroottree()
    except etree.XMLSyntaxError as exc:
        if "amplification" in str(exc.msg).lower() or "entity" in str(exc.msg).lower():
            raise UnsafeXml(f"{where}: entity expansion (an XML bomb?); refusing it") from None
        if "depth" in str(exc.msg).lower():
            raise UnsafeXml(f"{where}: nested deeper than the parser allows; refusing it") from None
        raise UnsafeXml(f"{where}: not well-formed XML ({exc.msg}); fix or re-export the package") from None
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXml(f"{where}: has a DOCTYPE / DTD declaration (entities are not allowed in QTI); refusing it")
    root = tree.getroot()
    for el in root.iter():
        if isinstance(el, etree._Entity):
            raise UnsafeXml(f"{where}: uses an XML entity; refusing it")
    _check_depth(root, where, max_depth)
    return root


def _check_depth(root: etree._Element, where: str, max_depth: int) -> None:
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > max_depth:
            raise UnsafeXml(f"{where}: nested deeper than {max_depth} elements; refusing it")
        stack.extend((child, depth + 1) for child in el)
