"""HTML from a package back into the bank's Markdown subset, so imported text renders as it did when exported.

The bank's renderer (`item_bank.markup.to_html`) is the reference: for HTML that it produced, `to_html(convert(h))`
gives `h` again. Tags outside the subset (div, span, img, tables from other tools) keep their text and lose the tag;
Markdown characters in text are escaped so that they stay text.

Packages are untrusted, so nothing unsafe is carried over: `script` and `style` elements are dropped with their
contents, and links whose scheme the bank does not allow (javascript:, data:, vbscript:, ...) keep their text and
lose the link. Each removal is noted in the caller's `removed` list, so the importer can say which item it changed.
"""

from __future__ import annotations

import re
from html import unescape

from lxml import etree, html

from item_bank.markup import URL_SCHEMES

DROPPED_ELEMENTS = frozenset({"script", "style"})
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\x9f]+")  # spaces and controls, which browsers skip in a scheme
_ESCAPE = re.compile(r"([\\`*_\[\]<>!|~])")
_LINE_START = re.compile(r"(?m)^(\s*)([-+#>]|\d+[.)])(?=\s|$)")
BLOCKS = {"p", "div", "ul", "ol", "li", "blockquote", "section", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}


def escape_text(text: str) -> str:
    text = _ESCAPE.sub(r"\\\1", text)
    text = text.replace("&", "&amp;") if re.search(r"&(#?\w+);", text) else text
    return _LINE_START.sub(lambda m: m.group(1) + _escape_marker(m.group(2)), text)


def _escape_marker(marker: str) -> str:
    if marker[-1] in ".)":
        return marker[:-1] + "\\" + marker[-1]
    return "\\" + marker


def to_markdown(fragment: str, removed: list[str] | None = None) -> str:
    """Markdown for an HTML fragment (which may be plain text); what was left out as unsafe goes to `removed`."""
    if not fragment or not fragment.strip():
        return ""
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except etree.ParserError:
        return escape_text(fragment.strip())
    _sanitise(root, removed if removed is not None else [])
    return _blocks(root).strip()


def disallowed_scheme(href: str) -> str | None:
    """The scheme of a link the bank does not allow (`javascript`, `data`, ...), also when disguised with entities,
    case, spaces or control characters; None for http, https, mailto and relative links."""
    match = _SCHEME.match(_IGNORED_IN_URLS.sub("", unescape(href)))
    scheme = match.group(1).lower() if match else None
    return scheme if scheme and scheme not in URL_SCHEMES else None


def _sanitise(el: etree._Element, removed: list[str]) -> None:
    """Drop script and style elements (their tail text stays) and the href of links with a disallowed scheme."""
    for child in list(el):
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag in DROPPED_ELEMENTS:
            removed.append(f"<{tag}> element")
            child.drop_tree()
            continue
        if tag == "a" and child.get("href") is not None:
            scheme = disallowed_scheme(child.get("href") or "")
            if scheme:
                removed.append(f"{scheme}: link")
                del child.attrib["href"]
        _sanitise(child, removed)


def plain_text(el: etree._Element, removed: list[str] | None = None) -> str:
    """The text of an element (a title) without the contents of script and style elements."""
    parts = [el.text or ""]
    for child in el:
        tag = etree.QName(child).localname.lower() if isinstance(child.tag, str) else ""
        if tag in DROPPED_ELEMENTS:
            if removed is not None:
                removed.append(f"<{tag}> element")
        elif tag:
            parts.append(plain_text(child, removed))
        parts.append(child.tail or "")
    return "".join(parts)


def _blocks(el: etree._Element) -> str:
    """Children of a block container: paragraphs separated by blank lines."""
    out: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = "".join(inline).strip()
        if text:
            out.append(text)
        inline.clear()

    if el.text:
        inline.append(escape_text(el.text))
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in BLOCKS:
            flush()
            out.append(_block(child, tag))
        elif tag:
            inline.append(_inline(child, tag))
        if child.tail:
            inline.append(escape_text(_tail(child, tag)))
    flush()
    return "\n\n".join(b for b in out if b.strip())


def _block(el: etree._Element, tag: str) -> str:
    if tag == "ul" or tag == "ol":
        start = int(el.get("start", "1")) if tag == "ol" and (el.get("start") or "1").isdigit() else 1
        lines = []
        for n, li in enumerate((c for c in el if c.tag == "li"), start):
            marker = f"{n}. " if tag == "ol" else "- "
            body = _blocks(li).replace("\n", "\n" + " " * len(marker))
            lines.append(marker + body)
        return "\n".join(lines)
    if tag == "blockquote":
        return "\n".join("> " + line if line else ">" for line in _blocks(el).split("\n"))
    return _blocks(el)


def _inline(el: etree._Element, tag: str) -> str:
    inner = _inline_children(el)
    if tag == "strong" or tag == "b":
        return f"**{inner}**"
    if tag == "em" or tag == "i":
        return f"*{inner}*"
    if tag == "code":
        text = el.text_content()
        fence = "``" if "`" in text else "`"
        return f"{fence}{text}{fence}"
    if tag == "br":
        return "\\\n"
    if tag == "a" and el.get("href"):
        return f"[{inner}]({el.get('href')})"
    return inner


def _inline_children(el: etree._Element) -> str:
    parts = [escape_text(el.text or "")]
    for child in el:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag:
            parts.append(_inline(child, tag))
        if child.tail:
            parts.append(escape_text(_tail(child, tag)))
    return "".join(parts)


def _tail(child: etree._Element, tag: str) -> str:
    """Text after an element; after <br> the newline is already written as part of the Markdown break."""
    return child.tail.lstrip("\n") if tag == "br" else child.tail
