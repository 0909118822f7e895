"""Item versions are enforced: a changed item must carry a new revision, recorded in revisions.lock."""

from __future__ import annotations

import re

from click.testing import CliRunner

from item_bank.cli import main
from item_bank.load import check_bank

ITEM = "cps-s-d3-001"


def lock(bank) -> str:
    result = CliRunner().invoke(main, ["revisions", "lock", str(bank)])
    assert result.exit_code == 0, result.output
    return result.output


def rekey(bank, revision: int | None = None) -> None:
    """Move cps-s-d3-001's key from c to a (and set a revision when given)."""
    path = bank / "items" / "starter.yaml"
    text = path.read_text()
    start = text.index(f"  - id: {ITEM}\n")
    end = text.index("\n  - id:", start + 1)
    block = text[start:end].replace("correct: true", "correct: TRUE_").replace("correct: false", "correct: true", 1)
    block = block.replace("correct: TRUE_", "correct: false")
    if revision is not None:
        block = re.sub(r"\n    revision: \d+", "", block)
        block = block.replace(f"  - id: {ITEM}\n", f"  - id: {ITEM}\n    revision: {revision}\n")
    path.write_text(text[:start] + block + text[end:])


def test_a_changed_item_that_kept_its_revision_is_refused_with_where_and_how(bank_copy):
    assert "recorded 12 new revision(s)" in lock(bank_copy)
    rekey(bank_copy)
    bank, problems = check_bank(bank_copy)
    assert bank is None
    [problem] = [p for p in problems if p.field == "revision"]
    assert problem.item_id == ITEM and problem.file.endswith("items/starter.yaml") and problem.line > 0
    assert "revision is still 1" in problem.message and "set `revision: 2`" in problem.message
    assert "cps-assess revisions lock" in problem.message
    result = CliRunner().invoke(main, ["validate", str(bank_copy)])
    assert result.exit_code == 1
    assert f"starter.yaml:{problem.line}: revision: " in result.output


def test_a_new_revision_is_accepted_then_recorded(bank_copy):
    lock(bank_copy)
    rekey(bank_copy, revision=2)
    bank, problems = check_bank(bank_copy)
    assert bank is not None
    assert [p.severity for p in problems if p.item_id == ITEM] == ["warning"]
    assert "recorded 1 new revision(s)" in lock(bank_copy)
    assert check_bank(bank_copy)[1] == []
    lines = (bank_copy / "revisions.lock").read_text().splitlines()
    assert [line.split()[1] for line in lines if line.startswith(ITEM)] == ["1", "2"]


def test_going_back_to_a_recorded_revision_with_other_content_is_refused(bank_copy):
    lock(bank_copy)
    rekey(bank_copy, revision=2)
    lock(bank_copy)
    rekey(bank_copy, revision=1)  # the key moves again and the revision goes back to 1
    bank, problems = check_bank(bank_copy)
    assert bank is None
    assert any(p.item_id == ITEM and p.field == "revision" for p in problems)


def test_a_bank_without_a_lock_is_not_checked(bank_copy):
    rekey(bank_copy)
    assert check_bank(bank_copy)[0] is not None
