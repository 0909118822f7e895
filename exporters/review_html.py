"""A self-contained, printable HTML review copy of the bank or one form, for content reviewers.

Stems, options with the key marked, rationales, general feedback, metadata (domain, objectives, difficulty, sources,
status) and scenarios. No external resources (inline CSS, no scripts, no fonts or images), every bank text goes
through the bank's sanitising renderer and every plain value through `html.escape`.
"""

from __future__ import annotations

import html
from typing import BinaryIO

from exporters import rich_text
from exporters.base import ExportSelection, Progress
from item_bank.licensing import content_license
from item_bank.model import Bank, Item, ItemType, ScoringRule
from item_bank.scoring import effective_rule

CSS = """
body { font: 11pt/1.45 Georgia, 'Times New Roman', serif; max-width: 48rem; margin: 2rem auto; color: #111; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; border-bottom: 1px solid #999; margin-top: 2rem; }
.item { border: 1px solid #bbb; border-radius: 4px; padding: .6rem 1rem; margin: 1rem 0; }
.meta { font: 9pt/1.3 Helvetica, Arial, sans-serif; color: #333; }
.meta dt { display: inline; font-weight: bold; } .meta dd { display: inline; margin: 0 .8rem 0 .2rem; }
.scenario { background: #f3f3f3; border-left: 4px solid #777; padding: .3rem .8rem; }
ol.choices { list-style: upper-alpha; } li.key { font-weight: bold; }
li.key::before { content: "\\2714  key: "; color: #060; }
.rationale { font-weight: normal; font-size: .92em; color: #333; margin: .1rem 0 .5rem; }
.feedback { border-top: 1px dashed #aaa; margin-top: .5rem; }
.draft { color: #a00; font-weight: bold; }
@media print { body { margin: 0; max-width: none; } .item { break-inside: avoid; } h2 { break-after: avoid; } }
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def item_html(item: Item, bank: Bank, number: int, rule: ScoringRule | None = None) -> str:
    out = [f'<section class="item" id="{_e(item.id)}"><h3>{number}. {_e(item.id)}</h3>', _meta(item, bank, rule)]
    scenario = bank.scenarios.get(item.scenario or "")
    if scenario is not None:
        out.append(f'<div class="scenario"><p><strong>Scenario: {_e(scenario.title)}</strong> '
                   f"({_e(scenario.id)})</p>{rich_text.html(scenario.text)}</div>")
    out.append(f'<div class="stem">{rich_text.html(item.stem)}</div>')
    if item.choices:
        out.append('<ol class="choices">')
        for choice in item.choices:
            cls = ' class="key"' if choice.correct else ""
            out.append(f"<li{cls}>{rich_text.inline_html(choice.text)} <small>[{_e(choice.id)}]</small>"
                       f'<div class="rationale">{rich_text.html(choice.rationale)}</div></li>')
        out.append("</ol>")
    if item.type is ItemType.EXTENDED_TEXT:
        out.append(f'<div class="grader"><strong>Grader notes</strong> (rubric {_e(item.rubric)}):'
                   f"{rich_text.html(item.grader_notes or '')}</div>")
    out.append(f'<div class="feedback"><strong>General feedback:</strong>{rich_text.html(item.feedback)}</div>'
               "</section>")
    return "\n".join(out)


def _meta(item: Item, bank: Bank, rule: ScoringRule | None) -> str:
    objectives = bank.blueprint.objectives
    fields = [
        ("Type", item.type.value),
        ("Status", item.status),
        ("Revision", item.revision),
        ("Domain", f"{item.domain} {_domain_title(bank, item.domain)}"),
        ("Objectives", "; ".join(f"{o} {objectives[o].text if o in objectives else ''}" for o in item.objectives)),
        ("Cognitive level", item.cognitive_level),
        ("Difficulty", item.difficulty),
        ("Points", f"{item.points:g}"),
        ("Sources", "; ".join(f"{s}: {bank.blueprint.sources.get(s, '')}" for s in item.sources)),
    ]
    if item.type is ItemType.MULTIPLE_RESPONSE:
        fields.append(("Scoring", effective_rule(item, rule).value))
    if item.jurisdiction:
        fields.append(("Law", f"{item.jurisdiction} as of {item.law_as_of}"))
    parts = []
    for label, value in fields:
        cls = ' class="draft"' if label == "Status" and value == "draft" else ""
        parts.append(f"<dt>{_e(label)}</dt><dd{cls}>{_e(value)}</dd>")
    return f'<dl class="meta">{"".join(parts)}</dl>'


def _domain_title(bank: Bank, domain_id: str) -> str:
    try:
        return bank.blueprint.domain(domain_id).title
    except KeyError:
        return ""


class ReviewHtmlExporter:
    name = "html"
    title = "Printable HTML review copy (stems, keys, rationales, metadata) for content reviewers"
    suffix = ".html"

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        bank = selection.bank
        form = selection.form
        title = f"Review copy: {form.title}" if form else "Review copy: CPS ethics item bank"
        rule = form.settings.multiple_response_scoring if form else None
        items = selection.items if form else sorted(bank.items, key=lambda i: i.domain)  # drafts too: it is for review

        def emit(text: str) -> None:
            out.write(text.encode("utf-8"))

        licence = content_license(bank)
        link = f'<link rel="license" href="{_e(licence.url)}">' if licence else ""
        licensed = (f' Content licence: <a rel="license" href="{_e(licence.url)}">{_e(licence.title)}</a> '
                    f"({_e(licence.spdx)})." if licence else "")
        emit(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
             f'<meta name="viewport" content="width=device-width, initial-scale=1">{link}'
             f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n<h1>{_e(title)}</h1>\n"
             f"<p>{len(items)} items, {sum(i.points for i in items):g} points.{licensed}</p>\n")
        current = None
        for number, item in enumerate(items, 1):
            if form is None and item.domain != current:
                current = item.domain
                emit(f"<h2>{_e(current)} {_e(_domain_title(bank, current))}</h2>\n")
            emit(item_html(item, bank, number, rule) + "\n")
            if progress:
                progress(1)
        emit("</body></html>\n")


EXPORTER = ReviewHtmlExporter()
