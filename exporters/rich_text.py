"""The bank's Markdown as HTML or plain text for exporters, skipping the renderer for text that is plain.

Most of a bank is single-line prose that Markdown leaves as it is: rendering it through `item_bank.markup` (a
Markdown parse, then a sanitiser pass) costs far more than the export itself. `is_plain` recognises such text
conservatively (any character that could start a Markdown or HTML construct sends the text to the renderer), and
for it `html`, `inline_html` and `plain_text` return exactly what `to_html`, `to_inline_html` and `to_plain_text`
would (tests/exporters/test_rich_text.py checks that on every text of the fixture bank and on awkward cases).
"""

from __future__ import annotations

import re

from item_bank.markup import to_html, to_inline_html, to_plain_text

# Anywhere: line breaks, emphasis, links, code, escapes, NUL (replaced by the renderer), `<` before a non-space
# (tags, autolinks, e-mail autolinks), entities. At the start: a block marker (heading, quote, list, setext
# underline, ordered list number) or whitespace. At the end: whitespace.
# Two searches rather than one alternation: a pattern that is one character set, or whose branches each start with
# a literal character, is scanned for in C a character at a time; an alternation mixing the two is tried at every
# position of the text, several times slower on the non-ASCII text of a bank (and `is_plain` runs on every text).
_MARKDOWN_CHARACTER = re.compile(r"[\n\r*_\[\]`\\\x00]")
_TAG_OR_ENTITY = re.compile(r"<\S|&#?\w+;")
_BLOCK_START = frozenset("#>+-=0123456789")
_HTML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\xa0": "&nbsp;"})


def is_plain(text: str) -> bool:
    """True when Markdown would render `text` as one paragraph holding exactly these characters."""
    return (bool(text) and text[0] not in _BLOCK_START and not text[0].isspace() and not text[-1].isspace()
            and not _MARKDOWN_CHARACTER.search(text) and not _TAG_OR_ENTITY.search(text))


def html(text: str) -> str:
    """`item_bank.markup.to_html(text)`, without the renderer when the text is plain."""
    return f"<p>{text.translate(_HTML_ESCAPES)}</p>" if is_plain(text) else to_html(text)


def inline_html(text: str) -> str:
    """`item_bank.markup.to_inline_html(text)`, without the renderer when the text is plain."""
    return text.translate(_HTML_ESCAPES) if is_plain(text) else to_inline_html(text)


def plain_text(text: str) -> str:
    """`item_bank.markup.to_plain_text(text)`, without the renderer when the text is plain."""
    return " ".join(text.split()) if is_plain(text) else to_plain_text(text)
