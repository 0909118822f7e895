"""The linter flags item-writing flaws with file:line and item id."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from item_bank.cli import main
from tests.item_bank.bank_edits import ITEMS, replace_once


def lint(bank: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["lint", str(bank)])
    return result.exit_code, result.output


def test_the_starter_bank_has_no_lint_errors(starter_bank_path) -> None:
    code, out = lint(starter_bank_path)
    assert code == 0, out
    assert "0 error(s)" in out


def test_all_of_the_above_is_an_error(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "text: The minimum legal requirements that apply to his agency",
                 "text: All of the above")
    code, out = lint(bank_copy)
    assert code == 1
    assert "choices.d: 'all/none of the above'" in out and "[cps-s-d1-001]" in out


def test_missing_sources_is_an_error(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "sources: [S9]", "sources: []")
    code, out = lint(bank_copy)
    assert code == 1
    assert "starter.yaml:55: sources: no sources" in out


def test_unemphasised_negative_is_an_error_and_capitals_pass(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "What is the **best** answer to Amara's request about social media?",
                 "Which answer to Amara's request is not appropriate?")
    code, out = lint(bank_copy)
    assert code == 1 and "negative lead-in word 'not'" in out
    replace_once(bank_copy / ITEMS, "is not appropriate?", "is NOT appropriate?")
    assert lint(bank_copy)[0] == 0


def test_duplicate_and_near_duplicate_options(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "text: Ignore the request and hope she forgets about it",
                 "text: Accept the request once her stay at the respite has ended")
    code, out = lint(bank_copy)
    assert code == 1 and "duplicates option a" in out
    replace_once(bank_copy / ITEMS, "text: Accept the request once her stay at the respite has ended\n        correct: "
                 "false\n        rationale: Avoiding", "text: Accept the request once her stay at the respite ends\n"
                 "        correct: false\n        rationale: Avoiding")
    code, out = lint(bank_copy)
    assert "nearly the same as option a" in out


def test_select_count_must_match_the_keys(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "Which responses fit the peer role? Select **TWO**.",
                 "Which responses fit the peer role? Select **THREE**.")
    code, out = lint(bank_copy)
    assert code == 1 and "asks to select THREE but the item has 2 correct choices" in out


def test_absolute_words_in_distractors_warn(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "text: Ignore the request and hope she forgets about it",
                 "text: Never answer requests like this at all")
    code, out = lint(bank_copy)
    assert code == 0 and "warning: choices.b: absolute word 'Never'" in out


def test_key_position_and_length_cues_across_the_bank(starter_bank_path) -> None:
    code, out = lint(starter_bank_path)
    assert "warning: key length: the key is the longest option in 83% of single-choice items" in out
    assert "[cps-s-d6-002]" in out and "length cue" in out


def test_long_stems_warn(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "What should be his **main** guide?",
                 "What should be his **main** guide? " + "More words here. " * 40)
    code, out = lint(bank_copy)
    assert "keep stems under 120" in out
