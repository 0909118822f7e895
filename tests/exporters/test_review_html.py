"""The HTML review copy: self-contained, escaped, printable, with keys, rationales, metadata and scenarios."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest

from exporters.review_html import item_html


class Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN201
        self.tags.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def page(export_bytes) -> str:
    return export_bytes("html").decode("utf-8")


def test_no_external_resources_or_scripts(page):
    parser = Collect()
    parser.feed(page)
    tags = {t for t, _ in parser.tags}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert "@import" not in page and "url(" not in page
    assert all(not (a.get("src") or "") for _, a in parser.tags)


def test_print_css_is_inline(page):
    assert "<style>" in page and "@media print" in page


def test_every_item_with_key_marked_and_rationales(page, starter_bank):
    for item in starter_bank.items:
        assert f'id="{item.id}"' in page
    section = page.split('id="cps-s-d1-001"')[1].split("</section>")[0]
    keys = re.findall(r'<li class="key">(.*?) <small>', section)
    assert keys == ["The peer values of mutuality, choice and purposeful sharing"]
    assert section.count('class="rationale"') == 4


def test_metadata_and_scenarios_are_shown(page):
    section = page.split('id="cps-s-d3-001"')[1].split("</section>")[0]
    for label in ("Domain", "Objectives", "Difficulty", "Sources", "Status"):
        assert f"<dt>{label}</dt>" in section
    assert "D3.4" in section and "S12" in section
    assert "Scenario: A stay at the peer respite" in section


def test_drafts_stand_out(page):
    section = page.split('id="cps-s-d6-003"')[1].split("</section>")[0]
    assert '<dd class="draft">draft</dd>' in section


def test_a_form_copy_lists_only_its_items(export_bytes, starter_bank):
    page = export_bytes("html", "starter-quiz").decode("utf-8")
    assert page.count('<section class="item"') == 7
    assert "Review copy: Starter quiz" in page


def test_everything_is_escaped(starter_bank):
    item = starter_bank.item("cps-s-d1-001")
    hostile = replace(item, id="x<script>", tags=("<b>",), jurisdiction="<img src=x>", law_as_of=None,
                      stem="Ask <script>alert(1)</script> & more")
    html = item_html(hostile, starter_bank, 1)
    assert "<script>" not in html and "<img" not in html
    assert "x&lt;script&gt;" in html
