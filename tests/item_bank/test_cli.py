"""The bank commands: help on each, exit statuses, and the stats JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from item_bank.cli import main


@pytest.mark.parametrize("command", [[], ["validate"], ["lint"], ["stats"], ["forms"]])
def test_every_command_has_help(command) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_usage_errors_exit_2() -> None:
    assert CliRunner().invoke(main, ["stats", "--no-such-flag"]).exit_code == 2
    assert CliRunner().invoke(main, ["no-such-command"]).exit_code == 2


def test_stats_json_carries_every_field(starter_bank_path) -> None:
    result = CliRunner().invoke(main, ["stats", "--json", str(starter_bank_path)])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["total_items"] == 12
    item = next(i for i in data["items"] if i["id"] == "cps-s-d1-002")
    assert item | {"words": 0, "fk_grade": 0} == item | {
        "type": "multiple_response", "domain": "D1", "objectives": ["D1.5"], "difficulty": "moderate", "keys": 2,
        "words": 0, "fk_grade": 0}
    assert item["words"] > 10
    assert {f["id"]: f["size"] for f in data["forms"]} == {"starter-quiz": 7, "starter-draw": 5}
    assert {f["id"]: f["title"] for f in data["forms"]}["starter-quiz"] == "Starter quiz"
    assert data["by_domain"] == {"D1": 3, "D3": 3, "D4": 3, "D6": 3}
    assert {r["domain"] for r in data["domain_coverage"]} == {f"D{n}" for n in range(1, 10)}
    assert data["key_balance"]["positions"] == {"A": 2, "B": 2, "C": 1, "D": 1}
    assert data["readability"]["median"] is not None


def test_stats_text_report(starter_bank_path) -> None:
    result = CliRunner().invoke(main, ["stats", str(starter_bank_path)])
    assert result.exit_code == 0
    assert "Blueprint coverage" in result.output and "Readability" in result.output


def test_stats_takes_the_bank_as_path_like_the_other_bank_commands(starter_bank_path) -> None:
    for command in ("validate", "lint", "forms", "stats"):
        result = CliRunner().invoke(main, [command, str(starter_bank_path)])
        assert result.exit_code == 0, (command, result.output)
    assert json.loads(CliRunner().invoke(main, ["stats", "--json", str(starter_bank_path)]).stdout)["total_items"] == 12


def test_stats_bank_option_still_works_with_a_deprecation_note(starter_bank_path) -> None:
    result = CliRunner().invoke(main, ["stats", "--json", "--bank", str(starter_bank_path)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["total_items"] == 12
    note = f"note: `stats --bank PATH` is deprecated; use `cps-assess stats {starter_bank_path}`"
    assert result.stderr.strip() == note


def test_stats_refuses_two_banks_at_once(starter_bank_path, tmp_path) -> None:
    result = CliRunner().invoke(main, ["stats", str(starter_bank_path), "--bank", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: two banks given") and len(result.output.splitlines()) == 1


def test_the_console_script_runs_and_fails_cleanly(tmp_path) -> None:
    done = subprocess.run([sys.executable, "-m", "item_bank.cli", "validate", str(tmp_path / "missing")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "no such folder" in done.stderr
