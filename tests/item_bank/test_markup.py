"""The Markdown subset renders to safe HTML; anything outside it is reported, never dropped."""

from __future__ import annotations

import pytest

from item_bank.markup import markup_problems, to_html, to_inline_html, to_plain_text


def test_the_subset_renders() -> None:
    html = to_html("A **bold** and *soft* word.\n\n- one\n- two\n\n> a chart note\n\n[site](https://example.org)")
    assert "<strong>bold</strong>" in html and "<em>soft</em>" in html
    assert "<ul>" in html and "<blockquote>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">site</a>' in html
    assert markup_problems("A **bold** <em>word</em> and <br> a break") == []


@pytest.mark.parametrize(("text", "problem"), [
    ("<script>alert(1)</script>", "<script> is not allowed"),
    ('<p onmouseover="x()">hi</p>', "event-handler attribute onmouseover= is not allowed"),
    ("[x](javascript:alert(1))", "javascript: links are not allowed"),
    ("<a href='JaVaScRiPt:alert(1)'>x</a>", "javascript: links are not allowed"),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data: links are not allowed"),
    ("<img src=x>", "<img> is not allowed"),
    ("<table><tr><td>1</td></tr></table>", "<table> is not allowed"),
    ("<iframe src='https://example.org'></iframe>", "<iframe> is not allowed"),
    ('<span style="color:red">x</span>', "<span> is not allowed"),
])
def test_markup_outside_the_subset_is_reported(text: str, problem: str) -> None:
    assert problem in " ".join(markup_problems(text))


def test_disabled_markdown_stays_text() -> None:
    assert to_html("# not a heading") == "<p># not a heading</p>"
    assert "<img" not in to_html("![alt](https://example.org/x.png)")


def test_plain_text_and_inline_html() -> None:
    assert to_plain_text("Select **TWO**.") == "Select TWO."
    assert to_inline_html("a *b*") == "a <em>b</em>"
    assert to_plain_text("Fish &amp; chips <3") == "Fish & chips <3"
