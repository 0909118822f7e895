"""Export a bank in a QTI flavour, import it back with `cps-assess import`, and list every difference."""

from __future__ import annotations

import io
from pathlib import Path

from click.testing import CliRunner

from exporters.base import ExportSelection, get_exporter
from item_bank.cli import main
from item_bank.load import load_bank
from item_bank.markup import to_html, to_inline_html
from item_bank.model import Bank, Item
from item_bank.scoring import effective_rule

# What each format carries back (text, keys, rationales and these fields); the rest is documented as lost.
COMMON_FIELDS = ("type", "domain", "objectives", "difficulty", "cognitive_level", "revision", "points", "scenario",
                 "tags", "rubric", "status", "sources", "jurisdiction", "law_as_of")
CANVAS_ONLY_FIELDS = ("scoring_rule",)


def export_and_import(bank: Bank, fmt: str, tmp: Path) -> Bank:
    package = tmp / f"{fmt}.zip"
    with package.open("wb") as out:
        get_exporter(fmt).write(ExportSelection(bank, include_drafts=True), out)
    target = tmp / f"imported-{fmt}"
    result = CliRunner().invoke(main, ["import", str(package), "-o", str(target), "--blueprint",
                                       str(Path(bank.root) / "blueprint.yaml")])
    assert result.exit_code == 0, result.output
    return load_bank(target)


def differences(original: Bank, imported: Bank, fmt: str) -> list[str]:
    found: list[str] = []
    fields = COMMON_FIELDS + (CANVAS_ONLY_FIELDS if fmt == "canvas-qti12" else ())
    ids = {i.id for i in imported.items}
    for item in original.items:
        if item.id not in ids:
            found.append(f"{item.id}: missing after import")
            continue
        found += _item_differences(item, imported.item(item.id), fields, original, imported)
    return found


def _item_differences(a: Item, b: Item, fields: tuple[str, ...], bank_a: Bank, bank_b: Bank) -> list[str]:
    out = [f"{a.id}.{f}: {getattr(a, f)!r} != {getattr(b, f)!r}" for f in fields if getattr(a, f) != getattr(b, f)]
    for name in ("stem", "feedback"):
        if to_html(getattr(a, name)) != to_html(getattr(b, name)):
            out.append(f"{a.id}.{name}: {to_html(getattr(a, name))!r} != {to_html(getattr(b, name))!r}")
    if (a.grader_notes and to_html(a.grader_notes)) != (b.grader_notes and to_html(b.grader_notes)):
        out.append(f"{a.id}.grader_notes differ: {a.grader_notes!r} != {b.grader_notes!r}")
    if effective_rule(a) != effective_rule(b):
        out.append(f"{a.id}: scoring rule {effective_rule(a)} != {effective_rule(b)}")
    if [c.id for c in a.choices] != [c.id for c in b.choices]:
        out.append(f"{a.id}: choice ids {[c.id for c in a.choices]} != {[c.id for c in b.choices]}")
    for ca, cb in zip(a.choices, b.choices, strict=False):
        if ca.correct != cb.correct:
            out.append(f"{a.id}/{ca.id}: key {ca.correct} != {cb.correct}")
        if to_inline_html(ca.text) != to_inline_html(cb.text):
            out.append(f"{a.id}/{ca.id}: text {ca.text!r} != {cb.text!r}")
        if to_html(ca.rationale) != to_html(cb.rationale):
            out.append(f"{a.id}/{ca.id}: rationale {ca.rationale!r} != {cb.rationale!r}")
    if a.scenario:
        sa, sb = bank_a.scenarios[a.scenario], bank_b.scenarios.get(a.scenario)
        if sb is None or sa.title != sb.title or to_html(sa.text) != to_html(sb.text):
            out.append(f"{a.id}: scenario {a.scenario} differs after import")
    return out


def export_bytes(bank: Bank, fmt: str) -> bytes:
    out = io.BytesIO()
    get_exporter(fmt).write(ExportSelection(bank), out)
    return out.getvalue()
