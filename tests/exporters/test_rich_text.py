"""The exporters' plain-text shortcut gives exactly what the bank's Markdown renderer gives."""

from __future__ import annotations

import pytest

from exporters import rich_text
from item_bank.markup import to_html, to_inline_html, to_plain_text

AWKWARD = [
    "Plain sentence, with punctuation: yes; no. Ünïcödé — “quotes” 'single' \"double\" 1 + 1 = 2?",
    "A & B < C > D {gift} ~ = # : 日本語 ✓",
    "non\u00a0breaking and\u2028separator and\ttab",
    "AT&T and &copy without a semicolon",
    "<1@example.org> is an e-mail autolink",
    "<https://example.org> is a link",
    "An entity &amp; here",
    "Uses **bold**, *em*, `code` and a \\ backslash",
    "[a link](https://example.org)",
    "Two\n\nparagraphs",
    "1. numbered",
    "- a list",
    "# not a heading",
    "Ends with a space ",
    " starts with a space",
    "",
]


def _bank_texts(bank) -> list[str]:  # noqa: ANN001
    texts = [s.text for s in bank.scenarios.values()]
    for item in bank.items:
        texts += [item.stem, item.feedback, item.grader_notes or ""]
        texts += [t for c in item.choices for t in (c.text, c.rationale)]
    return texts


@pytest.mark.parametrize("text", AWKWARD)
def test_awkward_text_renders_as_the_markdown_renderer_renders_it(text):
    assert rich_text.html(text) == to_html(text)
    assert rich_text.inline_html(text) == to_inline_html(text)
    assert rich_text.plain_text(text) == to_plain_text(text)


def test_every_text_of_the_bank_renders_as_the_markdown_renderer_renders_it(starter_bank):
    texts = _bank_texts(starter_bank)
    assert any(rich_text.is_plain(t) for t in texts) and not all(rich_text.is_plain(t) for t in texts)
    for text in texts:
        assert (rich_text.html(text), rich_text.inline_html(text), rich_text.plain_text(text)) == (
            to_html(text), to_inline_html(text), to_plain_text(text)), text


@pytest.mark.parametrize("text", ["<1@example.org>", "a *b*", "x\ny", "&amp;", "[x](y)", "1. one", "end "])
def test_anything_markdown_could_change_goes_to_the_renderer(text):
    assert not rich_text.is_plain(text)
