"""HTML from a package back into the bank's Markdown subset, so imported text renders as it did when exported.

The bank's renderer (`item_bank.markup.to_html`) is the reference: for HTML that it produced, `to_html(convert(h))`
gives `h` again. Tags outside the subset (div, span, img, tables from other tools) keep their text and lose the tag;
Markdown characters in text are escaped so that they stay text.
"""

from __future__ import annotations

import re

from lxml import etree, html

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


def to_markdown(fragment: str) -> str:
    """Markdown for an HTML fragment (which may be plain text)."""
    if not fragment or not fragment.strip():
        return ""
    try:
        root = html.fragment_fromstring(fragment, create_parent="div")
    except etree.ParserError:
        return escape_text(fragment.strip())
    return _blocks(root).strip()


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
