"""The shipped CPS ethics bank meets its blueprint: size, mix, coverage, readability, balance, forms."""

from __future__ import annotations

import json
import re
import statistics
import subprocess
import sys

import pytest

from item_bank.assemble import form_items
from item_bank.lint import lint_bank
from item_bank.model import ItemType
from item_bank.stats import bank_stats
from tests.conftest import CONTENT_BANK


@pytest.fixture(scope="module")
def bank(real_bank):
    """The shipped bank (`real_bank`, loaded once per session in tests/conftest.py)."""
    return real_bank


@pytest.fixture(scope="module")
def stats(bank):
    return bank_stats(bank)


def test_at_least_180_items_with_the_mix(stats) -> None:
    total = stats["total_items"]
    types = {k: v["count"] for k, v in stats["by_type"].items()}
    assert total >= 180
    assert 0.75 <= types["single_choice"] / total <= 0.85
    assert 0.08 <= types["multiple_response"] / total <= 0.12
    assert types["true_false"] / total <= 0.06 and types["true_false"] % 2 == 0
    assert types["extended_text"] >= 8
    assert stats["by_cognitive_level"]["application"]["share"] >= 0.70


def test_domains_follow_the_blueprint_weights(stats) -> None:
    for row in stats["domain_coverage"]:
        assert abs(row["items"] - row["target"]) <= 2, row


def test_every_objective_has_two_items(stats) -> None:
    assert min(stats["objective_coverage"].values()) >= 2


def test_shared_scenarios(stats) -> None:
    used = [n for n in stats["scenarios"].values() if n >= 3]
    assert len(used) >= 5


def test_plain_language(stats) -> None:
    assert stats["readability"]["median"] <= 9
    assert stats["readability"]["max"] <= 12


def test_no_cueing(stats) -> None:
    balance = stats["key_balance"]
    assert balance["key_longest_share"] <= 0.30
    for share in balance["position_shares"].values():
        assert 0.20 <= share <= 0.30


def test_no_lint_errors(bank) -> None:
    assert [str(f) for f in lint_bank(bank) if f.severity == "error"] == []


def test_choice_items_are_well_formed(bank) -> None:
    for item in bank.items:
        if item.type is ItemType.SINGLE_CHOICE:
            assert len(item.choices) == 4, item.id
        if item.type is ItemType.MULTIPLE_RESPONSE:
            assert 5 <= len(item.choices) <= 6 and 2 <= len(item.keys) <= 3, item.id
        assert all(c.rationale for c in item.choices) and item.sources, item.id
        if item.jurisdiction:
            assert item.law_as_of is not None, item.id


def test_drafts_say_why(bank) -> None:
    for item in bank.items:
        if item.status == "draft":
            assert item.notes and re.search(r"§7|section 7", item.notes), item.id


def test_the_forms_exist_and_assemble(bank) -> None:
    sizes = {f.id: len(form_items(f, bank)) for f in bank.forms}
    assert sizes["practice-exam"] == 60
    assert all(sizes[f"quiz-d{n}"] == 10 for n in range(1, 10))
    assert sizes["quick-check-role-boundaries"] == 10
    assert sizes["case-studies"] >= 15 and sizes["scenario-essays"] >= 1
    assert {f.title for f in bank.forms} >= {"CPS Ethics Practice Exam", "Case studies",
                                             "Quick check: role identity and boundaries"}
    essays = form_items(bank.form("scenario-essays"), bank)
    assert all(i.type is ItemType.EXTENDED_TEXT for i in essays)
    case = form_items(bank.form("case-studies"), bank)
    assert all(i.scenario for i in case)


def test_the_practice_exam_is_drawn_by_weight_and_the_same_on_every_run(bank) -> None:
    items = form_items(bank.form("practice-exam"), bank)
    counts = {d.id: sum(1 for i in items if i.domain == d.id) for d in bank.blueprint.domains}
    for d in bank.blueprint.domains:
        assert abs(counts[d.id] - d.weight * 60 / 100) <= 1
    assert all(i.status == "reviewed" for i in items)
    code = ("from item_bank.load import load_bank; from item_bank.assemble import form_items; "
            f"b = load_bank({str(CONTENT_BANK)!r}); print([i.id for i in form_items(b.form('practice-exam'), b)])")
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert runs == {str([i.id for i in items]) + "\n"}


def test_stats_json_reports_the_figures() -> None:
    done = subprocess.run([sys.executable, "-m", "item_bank.cli", "stats", "--json", str(CONTENT_BANK)],
                          capture_output=True, text=True, timeout=120, check=True)
    data = json.loads(done.stdout)
    assert {"by_type", "domain_coverage", "objective_coverage", "readability", "key_balance", "items",
            "forms"} <= set(data)
    assert statistics.median(i["fk_grade"] for i in data["items"]) == data["readability"]["median"]
