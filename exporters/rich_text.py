"""The bank's Markdown as HTML or plain text for exporters, skipping the renderer for text that is plain.

Most of a bank is prose that Markdown leaves as it is: single lines, and stems of a few lines in paragraphs
separated by a blank line. Rendering it through `item_bank.markup` (a Markdown parse, then a sanitiser pass) costs
far more than the export itself. `is_plain` recognises one plain line conservatively (any character that could
start a Markdown or HTML construct sends the text to the renderer) and `paragraphs` plain lines in paragraphs; for
such text `html`, `inline_html` and `plain_text` return exactly what `to_html`, `to_inline_html` and
`to_plain_text` would (tests/exporters/test_rich_text.py checks that on every text of the fixture bank and on
awkward cases, tests/exporters/test_plain_paragraphs.py on thousands of combinations of lines).
"""

from __future__ import annotations

import re

from item_bank.markup import to_html, to_inline_html, to_plain_text

# Anywhere: line breaks, emphasis, links, code, escapes, NUL (replaced by the renderer), `<` before a non-space
# (tags, autolinks, e-mail autolinks), entities. At the start: a block marker (heading, quote, list, setext
# underline, ordered list number) or whitespace. At the end: whitespace.
# One character set, and two patterns that start with a literal character, each searched only when the text holds
# that character: the regular-expression engine scans for a literal first character in C, far faster than for
# an alternation (tried at every position of the text), and `is_plain` runs on every text of a bank.
_MARKDOWN_CHARACTER = re.compile(r"[\n\r*_\[\]`\\\x00]")
_TAG = re.compile(r"<\S")
_ENTITY = re.compile(r"&#?\w+;")
_BLOCK_START = frozenset("#>+-=0123456789")
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&nbsp;"})


def is_plain(text: str) -> bool:
    """True when Markdown would render `text` as one paragraph holding exactly these characters."""
    return (bool(text) and text[0] not in _BLOCK_START and not text[0].isspace() and not text[-1].isspace()
            and not _MARKDOWN_CHARACTER.search(text) and not ("<" in text and _TAG.search(text))
            and not ("&" in text and _ENTITY.search(text)))


def paragraphs(text: str) -> list[str] | None:
    """The paragraphs of `text` when Markdown renders each as one `<p>` holding exactly its characters, its lines
    joined by their line breaks (soft breaks); None when the text needs the renderer.

    That is: plain lines (`is_plain`, so none starts with a block marker or whitespace, none ends with whitespace,
    the two spaces of a hard break included) separated by single line breaks or by empty lines.
    """
    if "\n" not in text:
        return [text] if is_plain(text) else None
    found: list[str] = []
    lines: list[str] = []
    for line in text.split("\n"):
        if not line:
            if not lines:
                return None  # a leading or doubled blank line: leave the text to the renderer
            found.append("\n".join(lines))
            lines = []
        elif is_plain(line):
            lines.append(line)
        else:
            return None
    if not lines:
        return None
    found.append("\n".join(lines))
    return found


def html(text: str) -> str:
    """`item_bank.markup.to_html(text)`, without the renderer when the text is plain paragraphs."""
    found = paragraphs(text)
    if found is None:
        return to_html(text)
    if len(found) == 1:
        return f"<p>{text.translate(_HTML_ESCAPES)}</p>"
    return "\n".join([f"<p>{p.translate(_HTML_ESCAPES)}</p>" for p in found])


def inline_html(text: str) -> str:
    """`item_bank.markup.to_inline_html(text)`, without the renderer when the text is plain paragraphs."""
    found = paragraphs(text)
    if found is None:
        return to_inline_html(text)
    if len(found) == 1:
        return text.translate(_HTML_ESCAPES)
    return "\n".join([f"<p>{p.translate(_HTML_ESCAPES)}</p>" for p in found])


def plain_text(text: str) -> str:
    """`item_bank.markup.to_plain_text(text)`, without the renderer when the text is plain paragraphs."""
    return " ".join(text.split()) if paragraphs(text) is not None else to_plain_text(text)
