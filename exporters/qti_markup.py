"""The bank's Markdown as QTI XHTML: into an lxml element (`append_markup`) or as bytes for a template slot
(`markup_bytes`, see `exporters.xml_template`).

Plain text (`exporters.rich_text.paragraphs`: nothing Markdown would change) skips the renderer: it is the bulk of
a bank and the result is the same, one `<p>` per paragraph, or the bare text inline. Anything else goes through
`item_bank.markup` (Markdown, then the sanitiser) and its HTML is copied element by element, keeping only the
attributes QTI allows.
"""

from __future__ import annotations

import lxml.html
from lxml import etree

from exporters.rich_text import is_plain, paragraphs
from exporters.xml_template import escape_text
from item_bank.markup import to_html, to_inline_html

HTML_ATTRIBUTES = {"a": ("href",)}


def append_markup(parent: etree._Element, text: str, ns: str, inline: bool = False, html: str | None = None
                  ) -> None:
    """Render Markdown through `item_bank.markup` and copy the HTML into `parent` in the namespace `ns` (no
    namespace when `ns` is empty). `html`, when given, is `to_html(text)` rendered earlier."""
    tag = f"{{{ns}}}p" if ns else "p"
    if html is None:
        found = paragraphs(text)
        if found is not None and (len(found) == 1 or not inline):
            if inline:
                _append_text(parent, found[0])
                return
            for n, paragraph in enumerate(found):
                etree.SubElement(parent, tag).text = paragraph
                if n:
                    parent[-2].tail = "\n"
            return
        html = to_inline_html(text) if inline else to_html(text)
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    _append_text(parent, fragment.text)
    for child in fragment:
        _copy_html(child, parent, ns)


def markup_bytes(text: str, inline: bool = False, html: str | None = None) -> bytes:
    """What `append_markup` would add to an element of the document's default namespace, serialized as lxml
    serializes it there (UTF-8): the content of a template slot."""
    if html is None:
        if "\n" not in text and is_plain(text):  # the bulk of a bank: one plain line
            return escape_text(text) if inline else b"<p>" + escape_text(text) + b"</p>"
        found = paragraphs(text)
        if found is not None:
            if inline and len(found) == 1:
                return escape_text(found[0])
            return b"\n".join([b"<p>" + escape_text(p) + b"</p>" for p in found])
    holder = etree.Element("holder")
    append_markup(holder, text, "", inline, html)  # no namespace: written unprefixed, as in the default one
    return escape_text(holder.text or "") + b"".join([etree.tostring(child, encoding="UTF-8") for child in holder])


def _append_text(parent: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _copy_html(node: etree._Element, parent: etree._Element, ns: str) -> None:
    if not isinstance(node.tag, str):
        _append_text(parent, node.tail)
        return
    allowed = HTML_ATTRIBUTES.get(node.tag, ())
    attrs = {k: v for k, v in node.attrib.items() if k in allowed}
    copy = etree.SubElement(parent, f"{{{ns}}}{node.tag}" if ns else node.tag, attrs)
    copy.text = node.text
    for child in node:
        _copy_html(child, copy, ns)
    copy.tail = node.tail
