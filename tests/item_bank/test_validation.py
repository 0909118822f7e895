"""Each defect the validator knows, injected into a copy of the starter bank: a file:line message and exit 1."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from item_bank.cli import main
from item_bank.load import check_bank
from tests.item_bank.bank_edits import ITEMS, line_of, replace_once


def validate(bank: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(bank)])
    return result.exit_code, result.output


def test_the_starter_bank_is_valid(starter_bank_path: Path) -> None:
    code, out = validate(starter_bank_path)
    assert code == 0, out
    assert "12 items, 1 scenarios, 2 forms" in out


DEFECTS = [
    pytest.param(
        ITEMS, "  - id: cps-s-d3-001\n", "  - id: cps-s-d1-001\n", "- id: cps-s-d1-001", "id",
        r"duplicate item id 'cps-s-d1-001' \(also .*starter.yaml:\d+\)", id="duplicate-id-same-file",
    ),
    pytest.param(
        ITEMS, "    domain: D3\n    objectives: [D3.4]", "    domain: D12\n    objectives: [D3.4]",
        "domain: D12", "domain", r"unknown domain 'D12'", id="unknown-domain",
    ),
    pytest.param(
        ITEMS, "objectives: [D3.4]", "objectives: [D3.9]", "objectives: [D3.9]", "objectives",
        r"unknown objective 'D3.9'", id="unknown-objective",
    ),
    pytest.param(
        ITEMS, "scenario: sc-starter-respite\n    stem: What", "scenario: sc-nowhere\n    stem: What",
        "scenario: sc-nowhere", "scenario", r"unknown scenario 'sc-nowhere'", id="unknown-scenario",
    ),
    pytest.param(
        ITEMS, "text: The peer values of mutuality, choice and purposeful sharing\n        correct: true",
        "text: The peer values of mutuality, choice and purposeful sharing\n        correct: false",
        "first:    choices:", "choices", r"single_choice items need exactly one correct choice, not 0", id="no-key",
    ),
    pytest.param(
        ITEMS, "text: The clinical goals the team has set for each person\n        correct: false",
        "text: The clinical goals the team has set for each person\n        correct: true",
        "first:    choices:", "choices", r"single_choice items need exactly one correct choice, not 2", id="two-keys",
    ),
    pytest.param(
        ITEMS, "rationale: Law is a floor; it does not cover duties such as self-determination (S10).",
        "rationale: ''", "rationale: ''", "choices[3].rationale", r"a missing rationale", id="missing-rationale",
    ),
    pytest.param(
        ITEMS, "text: The minimum legal requirements that apply to his agency", "text: '  '", "text: '  '",
        "choices[3].text", r"an empty option", id="empty-option",
    ),
    pytest.param(
        ITEMS, "What should be his **main** guide?", "What should be his <script>alert(1)</script> guide?",
        "first:stem: |", "stem", r"unsafe or unsupported markup: <script> is not allowed", id="script-tag",
    ),
    pytest.param(
        ITEMS, "What should be his **main** guide?", 'What should be his <em onclick="x()">main</em> guide?',
        "first:stem: |", "stem", r"unsafe or unsupported markup: event-handler attribute onclick= is not allowed",
        id="event-handler",
    ),
    pytest.param(
        ITEMS, "What should be his **main** guide?", "What should be his [main](javascript:alert(1)) guide?",
        "first:stem: |", "stem", r"unsafe or unsupported markup: javascript: links are not allowed",
        id="javascript-url",
    ),
]


@pytest.mark.parametrize(("rel", "old", "new", "anchor", "field", "message"), DEFECTS)
def test_an_injected_defect_is_reported_at_its_line(bank_copy: Path, rel: Path, old: str, new: str, anchor: str,
                                                     field: str, message: str) -> None:
    path = bank_copy / rel
    replace_once(path, old, new)
    code, out = validate(bank_copy)
    assert code == 1
    pattern = re.compile(rf"{re.escape(str(path))}:(\d+): {re.escape(field)}: {message}")
    match = pattern.search(out)
    assert match, out
    assert int(match.group(1)) == line_of(path, anchor)


def test_duplicate_ids_across_files_name_both_places(bank_copy: Path) -> None:
    extra = bank_copy / "items" / "more.yaml"
    extra.write_text((bank_copy / ITEMS).read_text(encoding="utf-8"), encoding="utf-8")
    code, out = validate(bank_copy)
    assert code == 1
    assert re.search(r"more\.yaml:\d+: id: duplicate item id 'cps-s-d1-001' \(also .*starter\.yaml:2\)", out) or \
        re.search(r"starter\.yaml:\d+: id: duplicate item id 'cps-s-d1-001' \(also .*more\.yaml:2\)", out), out


def test_every_problem_is_reported_at_once(bank_copy: Path) -> None:
    path = bank_copy / ITEMS
    replace_once(path, "domain: D3\n    objectives: [D3.4]", "domain: D12\n    objectives: [D3.4]")
    replace_once(path, "objectives: [D4.5]", "objectives: [D4.99]")
    replace_once(path, "sources: [S19]", "sources: [S99]")
    _, problems = check_bank(bank_copy)
    messages = "\n".join(map(str, problems))
    assert "unknown domain 'D12'" in messages
    assert "unknown objective 'D4.99'" in messages
    assert "unknown source key 'S99'" in messages


def test_a_form_that_the_bank_cannot_satisfy_is_reported(bank_copy: Path) -> None:
    forms = bank_copy / "forms.yaml"
    replace_once(forms, "- {domain: D6, count: 1}", "- {domain: D6, count: 5}")
    code, out = validate(bank_copy)
    assert code == 1
    line = line_of(forms, "{domain: D6, count: 5}")
    assert f"forms.yaml:{line}: rules.draw: form 'starter-draw': the rule (count 5; domain D6) asks for 5 items" in out


def test_a_form_listing_an_unknown_item_is_reported(bank_copy: Path) -> None:
    forms = bank_copy / "forms.yaml"
    replace_once(forms, "cps-s-d4-003]", "cps-s-d4-404]")
    code, out = validate(bank_copy)
    assert code == 1
    assert re.search(r"forms\.yaml:5: items: unknown item 'cps-s-d4-404' in form 'starter-quiz'", out), out


def test_yaml_syntax_error_is_one_line_with_its_line(bank_copy: Path) -> None:
    path = bank_copy / ITEMS
    replace_once(path, "    type: true_false\n", "    type: [true_false\n")
    code, out = validate(bank_copy)
    assert code == 1
    assert re.search(r"starter\.yaml:\d+: yaml: YAML syntax: ", out), out
    assert "Traceback" not in out


def test_a_retired_id_cannot_come_back(bank_copy: Path) -> None:
    replace_once(bank_copy / ITEMS, "id: cps-s-d6-003", "id: cps-s-retired-001")
    code, out = validate(bank_copy)
    assert code == 1
    assert "'cps-s-retired-001' was retired (retired_ids.txt:2)" in out


def test_unknown_fields_are_errors_not_ignored(bank_copy: Path) -> None:
    replace_once(bank_copy / ITEMS, "    difficulty: easy\n", "    difficulty: easy\n    dificulty: easy\n")
    code, out = validate(bank_copy)
    assert code == 1
    assert "dificulty: unknown field" in out


def test_law_items_need_a_date(bank_copy: Path) -> None:
    replace_once(bank_copy / ITEMS, "    law_as_of: 2026-11-01\n", "")
    code, out = validate(bank_copy)
    assert code == 1
    assert "law_as_of: law items need both jurisdiction and law_as_of" in out


def test_a_missing_bank_folder_is_a_clear_error(tmp_path: Path) -> None:
    code, out = validate(tmp_path / "nowhere")
    assert code == 1
    assert "no such folder" in out
