"""GIFT: Moodle's plain-text question format, with the same content as the Moodle XML export.

Texts are written as `[html]` so the bank's rich text survives; every GIFT special character (`~ = # { } :` and
backslash) is escaped with a backslash, and newlines become spaces (a blank line would end the question).
Fractions are the Moodle XML ones (`exporters.moodle_xml.answer_fractions`), so both Moodle formats score alike;
GIFT has no tags or grader information, so metadata and grader notes go into `//` comment lines.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from exporters import rich_text
from exporters.base import ExportSelection, Progress, is_draft
from exporters.moodle_xml import APPROXIMATION_NOTE, answer_fractions, category_root, item_tags, stem_html
from item_bank.licensing import content_license
from item_bank.model import Bank, Item, ItemType, ScoringRule
from item_bank.scoring import all_or_nothing
from item_bank.snapshot import bank_version

_SPECIAL = re.compile(r"([~=#{}:\\])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def escape(text: str) -> str:
    """Backslash-escape every GIFT special character and fold newlines, so text never breaks the syntax."""
    return _SPECIAL.sub(r"\\\1", _NEWLINES.sub(" ", text))


def _comment(text: str) -> str:
    return "// " + _NEWLINES.sub(" ", text)


def question(item: Item, bank: Bank, rule: ScoringRule | None = None) -> str:
    lines = [_comment(" ".join(item_tags(item)))]
    if item.type is ItemType.EXTENDED_TEXT and item.grader_notes:
        lines.append(_comment("grader notes: " + rich_text.plain_text(item.grader_notes)))
    approximated = item.type is ItemType.MULTIPLE_RESPONSE and all_or_nothing(item, rule)
    general = rich_text.html(item.feedback) + (APPROXIMATION_NOTE if approximated else "")
    head = f"::{escape(item.id)}::[html]{escape(stem_html(item, bank))}"
    lines.append(f"{head} {{{_answers(item, rule)}\n\t####{escape(general)}\n}}")
    return "\n".join(lines) + "\n\n"


def _answers(item: Item, rule: ScoringRule | None) -> str:
    if item.type is ItemType.EXTENDED_TEXT:
        return ""
    if item.type is ItemType.TRUE_FALSE:
        key = item.keys[0]
        other = next(c for c in item.choices if not c.correct)
        # {TRUE#feedback when answered wrongly#feedback when answered rightly}
        return (f"{'TRUE' if key.id == 'true' else 'FALSE'}#{escape(rich_text.html(other.rationale))}"
                f"#{escape(rich_text.html(key.rationale))}")
    fractions = answer_fractions(item, rule)
    parts = []
    for choice in item.choices:
        text = escape(rich_text.inline_html(choice.text))
        feedback = escape(rich_text.html(choice.rationale))
        if item.type is ItemType.SINGLE_CHOICE:
            mark = "=" if choice.correct else "~"
        else:
            mark = f"~%{fractions[choice.id]}%"
        parts.append(f"\n\t{mark}{text}#{feedback}")
    return "".join(parts)


def category(bank: Bank, domain_id: str, draft: bool = False) -> str:
    try:
        title = f"{domain_id} {bank.blueprint.domain(domain_id).title}"
    except KeyError:
        title = domain_id
    return f"$CATEGORY: $course$/top/{category_root(draft)}/{title.replace('/', '//')}\n\n"


class GiftExporter:
    name = "gift"
    title = "GIFT text (Moodle: Question bank > Import > GIFT format)"
    suffix = ".gift.txt"

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        bank = selection.bank
        rule = selection.form.settings.multiple_response_scoring if selection.form else None
        items = selection.items
        licence = content_license(bank)
        notice = f"// Content licence: {licence.notice}\n" if licence else ""
        out.write(f"// CPS ethics item bank, version {bank_version(bank)}\n{notice}\n".encode())
        for draft, domain_id in sorted({(is_draft(i), i.domain) for i in items}):
            out.write(category(bank, domain_id, draft).encode("utf-8"))
            for item in (i for i in items if i.domain == domain_id and is_draft(i) == draft):
                out.write(question(item, bank, rule).encode("utf-8"))
                if progress:
                    progress(1)


EXPORTER = GiftExporter()
