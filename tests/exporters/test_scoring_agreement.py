"""For every item and a right, wrong, partial and empty response: item_bank's score, the QTI 2.1 response
processing (evaluated by tests/exporters/qti_rp.py) and a real QTI 3 player (@citolab/qti-components in headless
Chromium, answered by clicking) give the same score."""

from __future__ import annotations

import io
import zipfile
from fractions import Fraction

import pytest
from lxml import etree

from exporters.base import ExportSelection, get_exporter
from exporters.qti_common import choice_identifier, item_href, item_identifier
from item_bank.model import Item, ItemType, ScoringRule
from item_bank.scoring import effective_rule, score_response
from tests.exporters.qti_rp import ItemEvaluator

TOLERANCE = Fraction(1, 10_000)
# qti-components reports float outcomes rounded to 3 decimals (1/3 of a point comes back as "0.333")
PLAYER_TOLERANCE = Fraction(1, 2000)


def responses(item: Item) -> dict[str, list[str]]:
    """Right, wrong, partial and empty answers (as bank choice ids) that make sense for the item's type."""
    if item.type is ItemType.EXTENDED_TEXT:
        return {"empty": []}
    keys = [c.id for c in item.choices if c.correct]
    wrong = [c.id for c in item.choices if not c.correct]
    cases = {"right": keys, "wrong": wrong[:1], "empty": []}
    if item.type is ItemType.MULTIPLE_RESPONSE:
        cases |= {"partial": keys[:1], "partial-with-wrong": keys[:1] + wrong[:1], "all": keys + wrong,
                  "keys-and-wrong": keys + wrong[:1]}
    return cases


def cases(bank) -> list[tuple[Item, ScoringRule | None, str, list[str]]]:  # noqa: ANN001
    """Every item under its own rule, and every multiple-response item under both form rules."""
    out = []
    for item in bank.items:
        rules: list[ScoringRule | None] = [None]
        if item.type is ItemType.MULTIPLE_RESPONSE and item.scoring_rule is None:
            rules = [ScoringRule.PARTIAL, ScoringRule.ALL_OR_NOTHING]
        for rule in rules:
            out += [(item, rule, name, chosen) for name, chosen in responses(item).items()]
    return out


def package(bank, fmt: str) -> dict[str, bytes]:  # noqa: ANN001
    """Item documents of the whole-bank export plus every form's (form rules create scoring variants)."""
    files: dict[str, bytes] = {}
    for form in [None, *bank.forms]:
        out = io.BytesIO()
        get_exporter(fmt).write(ExportSelection(bank, form, include_drafts=True), out)
        with zipfile.ZipFile(out) as zf:
            files |= {n: zf.read(n) for n in zf.namelist() if n.startswith("items/")}
    return files


def document(files: dict[str, bytes], item: Item, rule: ScoringRule | None) -> bytes:
    return files[item_href(item_identifier(item, effective_rule(item, rule)))]


def bank_score(item: Item, rule: ScoringRule | None, chosen: list[str]) -> Fraction:
    return score_response(item, chosen, rule).score


@pytest.fixture(scope="module")
def qti21_files(starter_bank) -> dict[str, bytes]:
    return package(starter_bank, "qti21")


@pytest.fixture(scope="module")
def qti30_files(starter_bank) -> dict[str, bytes]:
    return package(starter_bank, "qti30")


def test_the_cases_cover_every_item_and_response_kind(starter_bank):
    all_cases = cases(starter_bank)
    assert {c[0].id for c in all_cases} == {i.id for i in starter_bank.items}
    assert {c[2] for c in all_cases} >= {"right", "wrong", "partial", "empty"}


def test_qti21_response_processing_agrees_with_item_bank(starter_bank, qti21_files):
    for item, rule, name, chosen in cases(starter_bank):
        evaluator = ItemEvaluator(etree.fromstring(document(qti21_files, item, rule)))
        got = Fraction(evaluator.run([choice_identifier(c) for c in chosen])["SCORE"]).limit_denominator(10_000)
        assert abs(got - bank_score(item, rule, chosen)) <= TOLERANCE, (item.id, rule, name, got)


def test_qti3_player_agrees_with_item_bank_and_qti21(starter_bank, qti21_files, qti30_files, qti3_player):
    checked: set[str] = set()
    player = qti3_player
    for item, rule, name, chosen in cases(starter_bank):
        qti_chosen = [choice_identifier(c) for c in chosen]
        essay = "My answer." if item.type is ItemType.EXTENDED_TEXT else None
        result = player.answer(document(qti30_files, item, rule), qti_chosen, essay)
        assert result["choices"] == len(item.choices), item.id
        player_score = Fraction(result["score"]).limit_denominator(10_000)
        qti21 = ItemEvaluator(etree.fromstring(document(qti21_files, item, rule))).run(qti_chosen)["SCORE"]
        expected = bank_score(item, rule, chosen)
        assert abs(player_score - expected) <= PLAYER_TOLERANCE, (item.id, rule, name, player_score, expected)
        assert abs(player_score - Fraction(qti21).limit_denominator(10_000)) <= PLAYER_TOLERANCE
        if item.choices:
            response = result["response"]
            clicked = sorted(response if isinstance(response, list) else [response] if response else [])
            assert clicked == sorted(qti_chosen), (item.id, name, response)
        checked.add(item.type.value)
    assert checked == {t.value for t in ItemType}


def test_qti21_agrees_with_item_bank_on_the_real_bank(real_bank):
    files = package(real_bank, "qti21")
    for item, rule, name, chosen in cases(real_bank):
        evaluator = ItemEvaluator(etree.fromstring(document(files, item, rule)))
        got = Fraction(evaluator.run([choice_identifier(c) for c in chosen])["SCORE"]).limit_denominator(10_000)
        assert abs(got - bank_score(item, rule, chosen)) <= TOLERANCE, (item.id, rule, name, got)


def test_qti3_player_agrees_with_item_bank_on_the_real_bank(real_bank, qti3_player):
    files = package(real_bank, "qti30")
    player = qti3_player
    for item, rule, name, chosen in cases(real_bank):
        result = player.answer(document(files, item, rule), [choice_identifier(c) for c in chosen])
        got = Fraction(result["score"]).limit_denominator(10_000)
        assert abs(got - bank_score(item, rule, chosen)) <= PLAYER_TOLERANCE, (item.id, rule, name, got)
