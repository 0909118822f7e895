"""Draft items stay out of every export unless asked; asked, they sit in a category or bank named as drafts."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from click.testing import CliRunner
from lxml import etree

from item_bank.cli import main

DRAFT = "cps-s-d6-003"  # the starter bank's one draft (an essay in D6)
DRAFT_ROOT = "$course$/top/CPS ethics (draft, not reviewed)/"


def moodle_categories(xml: bytes) -> dict[str, str]:
    """Question name -> the category it is imported into."""
    found, current = {}, ""
    for q in etree.fromstring(xml).iter("question"):
        if q.get("type") == "category":
            current = q.findtext("category/text")
        else:
            found[q.findtext("name/text")] = current
    return found


def gift_categories(text: str) -> dict[str, str]:
    found, current = {}, ""
    for line in text.splitlines():
        if line.startswith("$CATEGORY: "):
            current = line.removeprefix("$CATEGORY: ")
        elif m := re.match(r"^::(.+?)::", line):
            found[m.group(1).replace("\\", "")] = current
    return found


def contents(exported: bytes) -> bytes:
    """A text export as it is, a package's entries one after the other (a zip compresses them)."""
    if not zipfile.is_zipfile(io.BytesIO(exported)):
        return exported
    z = zipfile.ZipFile(io.BytesIO(exported))
    return b"\n".join(z.read(name) for name in z.namelist())


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift", "canvas-qti12", "cc13", "qti21", "qti30"])
def test_a_whole_bank_export_holds_no_draft_by_default(export_bytes, fmt):
    assert DRAFT.encode() not in contents(export_bytes(fmt))


def test_moodle_xml_puts_asked_for_drafts_beside_the_reviewed_tree_not_inside_it(export_bytes, starter_bank):
    categories = moodle_categories(export_bytes("moodle-xml", include_drafts=True))
    assert categories[DRAFT] == DRAFT_ROOT + "D6 " + starter_bank.blueprint.domain("D6").title
    reviewed = {i.id for i in starter_bank.items if i.status == "reviewed"}
    assert all(categories[i].startswith("$course$/top/CPS ethics/") for i in reviewed)


def test_gift_puts_asked_for_drafts_in_a_category_of_their_own(export_bytes, starter_bank):
    categories = gift_categories(export_bytes("gift", include_drafts=True).decode("utf-8"))
    assert categories[DRAFT].startswith(DRAFT_ROOT + "D6 ")
    reviewed = {i.id for i in starter_bank.items if i.status == "reviewed"}
    assert all(categories[i].startswith("$course$/top/CPS ethics/") for i in reviewed)


def test_canvas_puts_asked_for_drafts_in_a_bank_named_as_drafts(export_bytes):
    z = zipfile.ZipFile(io.BytesIO(export_bytes("canvas-qti12", include_drafts=True)))
    draft_bank = z.read("cps-bank-D6-draft/cps-bank-D6-draft.xml").decode("utf-8")
    assert DRAFT in draft_bank and "(draft, not reviewed)" in draft_bank
    assert DRAFT not in z.read("cps-bank-D6/cps-bank-D6.xml").decode("utf-8")


def test_a_cartridge_never_takes_drafts_even_when_asked(export_bytes):
    assert DRAFT.encode() not in contents(export_bytes("cc13", include_drafts=True))


@pytest.fixture
def run(starter_bank_path, monkeypatch):
    monkeypatch.setenv("CPS_BANK", str(starter_bank_path))
    return lambda *args: CliRunner().invoke(main, list(args))


def test_export_says_how_many_drafts_it_left_out_and_how_to_include_them(run, tmp_path):
    target = tmp_path / "bank.gift.txt"
    result = run("export", "--format", "gift", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert "left out 1 draft item(s); --include-drafts" in result.output
    assert DRAFT not in target.read_text("utf-8")


def test_include_drafts_puts_them_in_the_draft_category(run, tmp_path):
    target = tmp_path / "bank.xml"
    result = run("export", "--format", "moodle-xml", "--include-drafts", "-o", str(target))
    assert result.exit_code == 0, result.output
    assert moodle_categories(target.read_bytes())[DRAFT].startswith(DRAFT_ROOT)


def test_include_drafts_with_a_form_is_a_one_line_usage_error(run, tmp_path):
    result = run("export", "--format", "gift", "--form", "starter-quiz", "--include-drafts",
                 "-o", str(tmp_path / "x.txt"))
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "--include-drafts applies to the whole bank" in result.output


@pytest.mark.parametrize("fmt", ["qti21", "qti30"])
def test_a_qti_package_titles_asked_for_drafts_as_drafts(export_bytes, fmt):
    z = zipfile.ZipFile(io.BytesIO(export_bytes(fmt, include_drafts=True)))
    draft = next(n for n in z.namelist() if DRAFT in n and n.startswith("items/"))
    assert f'title="{DRAFT} (draft, not reviewed): ' in z.read(draft).decode("utf-8")
