"""Plain lines in paragraphs (most stems of the shipped bank) skip the Markdown renderer and give what it gives."""

from __future__ import annotations

import random

import pytest

from exporters import rich_text
from exporters.qti_markup import markup_bytes
from item_bank.markup import to_html, to_inline_html, to_plain_text

# Lines that are plain and lines that Markdown changes, to be combined into texts of a few lines.
LINES = ["a", "b c", "A & B < C > D", 'q "t"', "Ünïcödé 日本語", "\u00a0starts with nbsp", "ends with nbsp\u00a0",
         "1. one", "1) one", "12 monkeys", "- item", "+ item", "# heading", "> quote", "~~~", "=", "--", "***",
         "  indented", "two spaces at the end  ", "one at the end ", "back\\", "*em*", "<b>", "&amp;",
         "tab\tinside", "line\u2028separator", "<!-- comment -->", "[link]", "http://example.org", "", ""]


def _texts(count: int, seed: int = 13) -> list[str]:
    chance = random.Random(seed)
    return ["\n".join(chance.choice(LINES) for _ in range(chance.randint(1, 5))) for _ in range(count)]


def test_a_stem_in_paragraphs_is_recognised():
    text = 'Leilani, 45, sees a therapist and has\na case manager. She asks, "So what do you do?"\n\nWhat is best?'
    assert rich_text.paragraphs(text) == ['Leilani, 45, sees a therapist and has\na case manager. She asks, "So what '
                                          'do you do?"', "What is best?"]
    assert rich_text.html(text) == to_html(text)


@pytest.mark.parametrize("text", ["\nleading", "trailing\n", "doubled\n\n\nblank", "a\n  indented", "a\n- list"])
def test_what_markdown_could_change_goes_to_the_renderer(text):
    assert rich_text.paragraphs(text) is None


def test_every_combination_renders_as_the_markdown_renderer_renders_it():
    texts = _texts(3000)
    assert 100 < sum(rich_text.paragraphs(t) is not None for t in texts) < len(texts)  # taken, and not always
    for text in texts:
        assert (rich_text.html(text), rich_text.inline_html(text), rich_text.plain_text(text)) == (
            to_html(text), to_inline_html(text), to_plain_text(text)), repr(text)


def test_qti_markup_of_paragraphs_is_the_rendered_html_copied(real_bank):
    """`markup_bytes` takes the shortcut for the shipped bank's stems; given the rendered HTML it must agree."""
    for item in real_bank.items:
        assert markup_bytes(item.stem) == markup_bytes(item.stem, html=to_html(item.stem)), item.id
