"""Enemy items: the groups file, drawn forms that never hold two enemies, fixed forms that may not."""

from __future__ import annotations

import dataclasses
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from item_bank.assemble import FormUnsatisfiable, draw, form_items
from item_bank.cli import main
from item_bank.enemies import enemy_pairs
from item_bank.load import check_bank, load_bank
from item_bank.model import DrawRule, EnemyGroup, FormRules, Item, ItemType
from tests.conftest import CONTENT_BANK
from tests.item_bank.bank_edits import line_of

SEEDS = range(200)


def validate(bank: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(bank)])
    return result.exit_code, result.output


def write_enemies(bank: Path, text: str) -> Path:
    path = bank / "enemies.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def ids(items: list[Item]) -> list[str]:
    return [i.id for i in items]


# -- the groups file -------------------------------------------------------------------------------------------------

def test_no_groups_file_means_no_groups(starter_bank) -> None:
    assert starter_bank.enemies == ()


def test_groups_are_loaded_with_their_place(bank_copy: Path) -> None:
    path = write_enemies(bank_copy, "groups:\n  - id: pair\n    reason: one answers the other\n"
                                    "    items: [cps-s-d1-001, cps-s-d4-002]\n")
    bank = load_bank(bank_copy)
    assert bank.enemies == (EnemyGroup("pair", "one answers the other", ("cps-s-d1-001", "cps-s-d4-002"),
                                       bank.enemies[0].file, 2),)
    assert bank.enemies[0].file.endswith(str(path.relative_to(bank_copy)))


BAD_GROUPS = """\
groups:
  - id: unknown-item
    reason: names an item the bank does not have
    items: [cps-s-d1-001, cps-s-d9-999]
  - id: lonely
    reason: one item is not a group
    items: [cps-s-d1-003]
  - id: twice
    reason: the same item twice
    items:
      - cps-s-d3-001
      - cps-s-d3-002
      - cps-s-d3-001
  - id: retired
    reason: a retired id
    items: [cps-s-d4-001, cps-s-retired-001]
  - id: lonely
    reason: a second group with the same id
    items: [cps-s-d4-002, cps-s-d4-003]
  - id: no-reason
    items: [cps-s-d6-001, cps-s-d6-002]
  - id: not-a-list
    reason: items must be a list
    items: cps-s-d1-002
  - id: extra
    reason: an unknown field
    items: [cps-s-d1-001, cps-s-d1-002]
    why: typo
"""


@pytest.mark.parametrize(("anchor", "field", "message"), [
    ("cps-s-d9-999]", "items", r"group 'unknown-item': unknown item 'cps-s-d9-999'"),
    ("items: [cps-s-d1-003]", "items", r"group 'lonely' has 1 item\(s\); a group needs two or more"),
    ("      - cps-s-d3-001", "items", r"group 'twice' lists 'cps-s-d3-001' twice \(also line \d+\); list each item "
     "once"),
    ("cps-s-retired-001]", "items", r"group 'retired': 'cps-s-retired-001' was retired \(retired_ids.txt:2\)"),
    ("id: lonely", "id", r"duplicate enemy group id 'lonely' \(also line \d+\)"),
    ("id: no-reason", "reason", r"missing or empty"),
    ("items: cps-s-d1-002", "items", r"group 'not-a-list': give a list of two or more item ids"),
    ("why: typo", "groups.why", r"unknown field; allowed: id, items, reason"),
])
def test_each_defect_in_the_groups_file_is_reported_at_its_line(bank_copy: Path, anchor: str, field: str,
                                                                message: str) -> None:
    path = write_enemies(bank_copy, BAD_GROUPS)
    code, out = validate(bank_copy)
    assert code == 1
    match = re.search(rf"{re.escape(str(path))}:(\d+): {re.escape(field)}: {message}", out)
    assert match, out
    assert int(match.group(1)) == line_of(path, anchor)


def test_a_group_file_that_is_not_a_mapping_is_an_error(bank_copy: Path) -> None:
    path = write_enemies(bank_copy, "- [cps-s-d1-001, cps-s-d1-002]\n")
    code, out = validate(bank_copy)
    assert code == 1 and f"{path}:1: file: must be a mapping" in out


# -- fixed forms -----------------------------------------------------------------------------------------------------

def test_a_fixed_form_holding_two_enemies_is_refused(bank_copy: Path) -> None:
    enemies = write_enemies(bank_copy, "groups:\n  - id: same-case\n    reason: the same case and key\n"
                                       "    items: [cps-s-d1-001, cps-s-d3-003, cps-s-d4-001]\n")
    code, out = validate(bank_copy)
    assert code == 1
    forms = bank_copy / "forms.yaml"
    line = line_of(forms, "items: [cps-s-d1-001")
    assert (f"{forms}:{line}: items: form 'starter-quiz' holds cps-s-d3-003 and cps-s-d1-001, enemies in group "
            f"'same-case' (the same case and key; {enemies}:2); keep only one of them on the form") in out
    assert "holds cps-s-d4-001 and cps-s-d1-001" in out


def test_fixed_form_pairs_point_at_the_later_item_on_a_block_list(bank_copy: Path) -> None:
    forms = bank_copy / "forms.yaml"
    text = forms.read_text(encoding="utf-8")
    listed = "items: [cps-s-d1-001, cps-s-d1-002, cps-s-d1-003, cps-s-d3-001, cps-s-d3-003, cps-s-d4-001, cps-s-d4-003]"
    block = "items:\n" + "".join(f"      - {i}\n" for i in listed[8:-1].split(", "))
    forms.write_text(text.replace(listed + "\n", block), encoding="utf-8")
    write_enemies(bank_copy, "groups:\n  - {id: g, reason: r, items: [cps-s-d4-003, cps-s-d1-002]}\n")
    code, out = validate(bank_copy)
    assert code == 1
    assert f"{forms}:{line_of(forms, '- cps-s-d4-003')}: items: form 'starter-quiz' holds cps-s-d4-003 and " \
           "cps-s-d1-002" in out


# -- drawn forms -----------------------------------------------------------------------------------------------------

def test_a_rule_that_enemies_leave_short_names_the_form_the_rule_and_the_groups(bank_copy: Path) -> None:
    write_enemies(bank_copy, "groups:\n"
                             "  - {id: d1-mcq, reason: r, items: [cps-s-d1-001, cps-s-d1-002]}\n"
                             "  - {id: d1-tf, reason: r, items: [cps-s-d1-002, cps-s-d1-003, cps-s-d1-001]}\n")
    code, out = validate(bank_copy)
    assert code == 1
    forms = bank_copy / "forms.yaml"
    line = line_of(forms, "{domain: D1, count: 2}")
    assert (f"{forms}:{line}: rules.draw: form 'starter-draw': the rule (count 2; domain D1) asks for 2 items but "
            "only 1 of the 3 that match and are not drawn already can share a form; these enemy groups block the "
            "rest: d1-mcq (cps-s-d1-001, cps-s-d1-002); d1-tf (cps-s-d1-002, cps-s-d1-003, cps-s-d1-001); lower its "
            "count, add items, or take an item out of a group") in out


def test_a_starter_form_draw_avoids_a_declared_pair(bank_copy: Path) -> None:
    write_enemies(bank_copy, "groups:\n  - {id: d4, reason: r, items: [cps-s-d4-001, cps-s-d4-002]}\n")
    bank = load_bank(bank_copy)
    rules = bank.form("starter-draw").rules
    for seed in SEEDS:
        drawn = ids(draw(dataclasses.replace(rules, seed=seed), bank.items, bank.enemies))
        assert len(drawn) == 5 and not {"cps-s-d4-001", "cps-s-d4-002"} <= set(drawn)
        assert "cps-s-d4-003" in drawn  # only d4-003 can stand beside either of the pair


def _item(item_id: str, domain: str = "D1") -> Item:
    return Item(id=item_id, type=ItemType.SINGLE_CHOICE, status="reviewed", revision=1, domain=domain,
                objectives=(f"{domain}.1",), cognitive_level="application", difficulty="moderate", points=1.0,
                stem="A stem.", feedback="Feedback.", sources=("S1",))


# A tight synthetic pool: twelve D1 items on a chain (each an enemy of the next), whose largest enemy-free set is
# six, plus four D1 items with no enemies; a rule for ten leaves exactly one way to fill each half of the chain's
# alternation. Drawing another item when an enemy is already on the form often runs dry here, so the exact search
# has to step in. Two D2 items, one an enemy of a chain item, test enemies across rules.
CHAIN = [_item(f"x-{n:02d}") for n in range(12)]
LOOSE = [_item(f"x-l{n}") for n in range(4)]
OTHER = [_item("y-0", "D2"), _item("y-1", "D2"), _item("y-2", "D2")]
POOL = CHAIN + LOOSE + OTHER
GROUPS = tuple(EnemyGroup(f"link-{n:02d}", "neighbours on the chain", (CHAIN[n].id, CHAIN[n + 1].id))
               for n in range(11)) + (EnemyGroup("cross", "across domains", ("x-00", "y-0")),)


def tight_rules(seed: int, first: int = 10, second: int = 2) -> FormRules:
    return FormRules(seed, (DrawRule(first, domain="D1", line=3), DrawRule(second, domain="D2", line=4)))


def test_a_tight_pool_is_filled_without_enemies_on_every_seed() -> None:
    forms = set()
    for seed in SEEDS:
        drawn = ids(draw(tight_rules(seed), POOL, GROUPS))
        assert len(drawn) == 12 and len(set(drawn)) == 12
        assert enemy_pairs(drawn, GROUPS) == [], (seed, drawn)
        assert set(ids(LOOSE)) <= set(drawn)
        assert ids(draw(tight_rules(seed), POOL, GROUPS)) == drawn  # the same seed, the same form
        forms.add(tuple(drawn))
    assert len(forms) > 5  # still a seeded draw, not one fixed answer


def test_an_enemy_drawn_by_an_earlier_rule_blocks_a_later_rule() -> None:
    saw_block = False
    for seed in SEEDS:
        drawn = ids(draw(tight_rules(seed, first=8), POOL, GROUPS))
        assert not {"x-00", "y-0"} <= set(drawn)
        saw_block = saw_block or "x-00" in drawn
    assert saw_block


def test_a_pool_too_tight_for_the_rule_is_a_clear_error() -> None:
    with pytest.raises(FormUnsatisfiable) as caught:
        draw(tight_rules(1, first=11), POOL, GROUPS)
    exc = caught.value
    assert (exc.rule.count, exc.available, exc.drawable) == (11, 16, 10)
    assert str(exc).startswith("asks for 11 items but only 10 of the 16 that match and are not drawn already can "
                               "share a form; these enemy groups block the rest: link-00 (x-00, x-01); link-01")
    assert "cross" not in str(exc)
    assert "enemies.yaml" in exc.fix


def test_a_later_rule_blocked_by_an_earlier_draw_names_the_group() -> None:
    pool = [_item("a-1"), _item("b-1", "D2")]
    groups = (EnemyGroup("ab", "r", ("a-1", "b-1")),)
    with pytest.raises(FormUnsatisfiable) as caught:
        draw(FormRules(1, (DrawRule(1, domain="D1"), DrawRule(1, domain="D2"))), pool, groups)
    assert "only 0 of the 1" in str(caught.value) and "ab (a-1, b-1)" in str(caught.value)


def _old_draw(rules: FormRules, items: list[Item]) -> list[str]:
    """The draw before enemies existed: a bank without enemies must still get exactly these forms."""
    rng = random.Random(f"cps-form:{rules.seed}")
    pool = sorted((i for i in items if i.status == rules.status), key=lambda i: i.id)
    taken: set[str] = set()
    out: list[str] = []
    for rule in rules.draw:
        candidates = [i for i in pool if i.id not in taken and rule.matches(i)]
        picked = sorted(rng.sample(candidates, rule.count), key=lambda i: i.id)
        taken.update(i.id for i in picked)
        out.extend(i.id for i in picked)
    return out


def test_a_bank_without_enemies_draws_as_before() -> None:
    unrelated = (EnemyGroup("elsewhere", "r", ("z-1", "z-2")),)
    for seed in SEEDS:
        rules = tight_rules(seed)
        assert ids(draw(rules, POOL)) == _old_draw(rules, POOL) == ids(draw(rules, POOL, unrelated))


# -- the shipped bank ------------------------------------------------------------------------------------------------

def test_the_shipped_bank_declares_the_known_enemies(real_bank) -> None:
    bank = real_bank
    pairs = [("cps-d2-013", "cps-d2-014"), ("cps-d4-010", "cps-d4-011"), ("cps-d6-008", "cps-d6-009"),
             ("cps-d7-017", "cps-d7-018"), ("cps-d2-019", "cps-d8-011"), ("cps-d6-004", "cps-d6-006"),
             ("cps-d7-001", "cps-d7-005")]
    for a, b in pairs:
        assert any(a in g.items and b in g.items for g in bank.enemies), (a, b)
    assert all(g.reason for g in bank.enemies)


def test_no_shipped_form_holds_an_enemy_pair_on_any_of_200_seeds(real_bank) -> None:
    bank = real_bank
    for form in bank.forms:
        if form.rules is None:
            assert enemy_pairs(list(form.items), bank.enemies) == [], form.id
            continue
        size = sum(r.count for r in form.rules.draw)
        assert enemy_pairs(ids(form_items(form, bank)), bank.enemies) == [], form.id
        for seed in SEEDS:
            drawn = ids(draw(dataclasses.replace(form.rules, seed=seed), bank.items, bank.enemies))
            assert len(drawn) == size and enemy_pairs(drawn, bank.enemies) == [], (form.id, seed)


def test_the_shipped_groups_file_loads_without_problems() -> None:
    _, problems = check_bank(CONTENT_BANK)
    assert [str(p) for p in problems if "enemies.yaml" in p.file] == []
