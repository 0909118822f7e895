"""Forms assemble the same way every time; attempts shuffle the same way for the same seed."""

from __future__ import annotations

from item_bank.assemble import delivery_order, form_items
from item_bank.load import load_bank


def test_a_drawn_form_is_the_same_on_every_load(starter_bank_path) -> None:
    first = [i.id for i in form_items(load_bank(starter_bank_path).form("starter-draw"), load_bank(starter_bank_path))]
    again = load_bank(starter_bank_path)
    assert [i.id for i in form_items(again.form("starter-draw"), again)] == first
    assert len(first) == 5


def test_draw_respects_rules_and_status(starter_bank) -> None:
    items = form_items(starter_bank.form("starter-draw"), starter_bank)
    domains = [i.domain for i in items]
    assert domains.count("D1") == 2 and domains.count("D4") == 2 and domains.count("D6") == 1
    assert all(i.status == "reviewed" for i in items)
    assert "cps-s-d6-003" not in {i.id for i in items}  # the draft essay is never drawn


def test_attempt_order_repeats_for_the_same_seed_and_keeps_scenarios_together(starter_bank) -> None:
    form = starter_bank.form("starter-draw")
    items = form_items(form, starter_bank)
    a = delivery_order(form, items, "attempt-1")
    assert [(p.item.id, p.choice_order) for p in a] == [(p.item.id, p.choice_order) for p in
                                                         delivery_order(form, items, "attempt-1")]
    orders = {tuple(p.item.id for p in delivery_order(form, items, f"attempt-{n}")) for n in range(20)}
    assert len(orders) > 1


def test_choices_shuffle_but_true_false_stays(starter_bank) -> None:
    form = starter_bank.form("starter-quiz")
    items = form_items(form, starter_bank)
    orders = {}
    for n in range(10):
        for p in delivery_order(form, items, f"s{n}"):
            orders.setdefault(p.item.id, set()).add(p.choice_order)
    assert orders["cps-s-d1-003"] == {("true", "false")}
    assert len(orders["cps-s-d1-001"]) > 1
    assert [p.item.id for p in delivery_order(form, items, "x")] == list(form.items)
