"""Adaptive practice: the targets a course builder can pick, the pool each practises, and the next question: from
the objective we know least about (the weakest of the about-equally unknown), never one answered in the window or an
enemy of one, the same for the same seed. Also the simulation benchmark, run small in its own process."""

from __future__ import annotations

import dataclasses
import random
import re
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from item_bank.enemies import are_enemies
from item_bank.mastery import Mastery, estimate, evidence_from_item, prior, update
from item_bank.model import EnemyGroup, Item, ItemType
from item_bank.practice import (
    DEFAULT_WINDOW,
    PRACTICE_ALL,
    choose_next,
    doubt,
    find_target,
    next_objectives,
    practice_pool,
    practice_targets,
)
from tests.conftest import REPO

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def item(item_id: str, objective: str, difficulty: str = "moderate") -> Item:
    return Item(id=item_id, type=ItemType.SINGLE_CHOICE, status="reviewed", revision=1, domain=objective.split(".")[0],
                objectives=(objective,), cognitive_level="application", difficulty=difficulty, points=1.0,
                stem="A stem.", feedback="Feedback.", sources=("S1",))


def answered(*results: tuple[Item, float]) -> dict[str, Mastery]:
    """Mastery after these answers, one a minute."""
    evidence = [evidence_from_item(i, fraction, NOW + timedelta(minutes=n)) for n, (i, fraction) in enumerate(results)]
    return estimate(evidence, sorted({o for i, _ in results for o in i.objectives}))


def practise(pool: tuple[Item, ...], enemies: tuple[EnemyGroup, ...], questions: int, seed: int,
             right: Callable[[Item], bool], window: int = DEFAULT_WINDOW) -> list[Item]:
    """A practice session as the tool runs it: choose, answer, update the mastery, repeat."""
    rng = random.Random(seed)
    mastery: dict[str, Mastery] = {}
    shown: list[Item] = []
    for n in range(questions):
        chosen = choose_next(pool, mastery, [i.id for i in shown], enemies, window, rng)
        if chosen is None:
            break
        shown.append(chosen)
        evidence = evidence_from_item(chosen, 1.0 if right(chosen) else 0.0, NOW + timedelta(minutes=n))
        for objective in chosen.objectives:
            mastery[objective] = update(mastery.get(objective) or prior(objective), evidence)
    return shown


def test_targets_are_the_whole_blueprint_then_each_domain(real_bank) -> None:
    targets = practice_targets(real_bank)
    domains = real_bank.blueprint.domains
    assert [t.id for t in targets] == [PRACTICE_ALL] + [d.id for d in domains]
    assert targets[0].title == "Adaptive practice: whole blueprint"
    assert set(targets[0].objectives) == set(real_bank.blueprint.objectives)
    d3 = find_target(real_bank, "D3")
    assert d3.title == f"Adaptive practice: D3 {real_bank.blueprint.domain('D3').title}"
    assert d3.objectives == tuple(o.id for o in real_bank.blueprint.domain("D3").objectives)


def test_an_unknown_target_names_the_known_ones(starter_bank) -> None:
    with pytest.raises(KeyError, match="no practice target 'D10'; use one of: all, D1, D2"):
        find_target(starter_bank, "D10")


def test_the_pool_holds_reviewed_items_the_tool_scores_and_no_drafts_or_essays(starter_bank) -> None:
    everything = practice_pool(starter_bank, find_target(starter_bank, PRACTICE_ALL))
    ids = [i.id for i in everything]
    assert "cps-s-d6-003" not in ids  # the draft essay
    assert "cps-s-d3-003" not in ids  # the reviewed essay: a person grades it
    assert ids == sorted(ids) and len(ids) == 10
    assert all(i.status == "reviewed" and i.type.has_choices for i in everything)
    assert [i.id for i in practice_pool(starter_bank, find_target(starter_bank, "D3"))] == ["cps-s-d3-001",
                                                                                             "cps-s-d3-002"]


def test_a_long_session_never_repeats_within_the_window_nor_lets_enemies_meet(real_bank) -> None:
    target = find_target(real_bank, "D3")
    pool = practice_pool(real_bank, target)
    assert len(pool) > DEFAULT_WINDOW and any(len({i.id for i in pool} & set(g.items)) > 1 for g in real_bank.enemies)
    shown = practise(pool, real_bank.enemies, 80, seed=3, right=lambda i: i.difficulty != "hard")
    assert len(shown) == 80 and {i.id for i in shown} <= {i.id for i in pool}
    for n, chosen in enumerate(shown):
        window = shown[max(0, n - DEFAULT_WINDOW):n]
        assert chosen.id not in {i.id for i in window}, f"question {n + 1} repeats {chosen.id} within the window"
        enemies = [i.id for i in window if are_enemies(chosen.id, i.id, real_bank.enemies)]
        assert not enemies, f"question {n + 1} ({chosen.id}) meets its enemy {enemies}"
    objectives = {i.primary_objective for i in pool}
    assert {i.primary_objective for i in shown[:2 * len(objectives)]} == objectives  # every objective gets measured


def test_an_enemy_of_a_recent_item_is_never_chosen_even_for_the_weakest_objective() -> None:
    weak, other, strong = item("a-1", "D3.1"), item("a-2", "D3.1"), item("b-1", "D3.2")
    mastery = answered((weak, 0.0), (weak, 0.0), (strong, 1.0))
    enemies = (EnemyGroup("pair", "one answers the other", ("a-2", "b-1")),)
    rng = random.Random(1)
    assert choose_next([weak, other, strong], mastery, ["a-1", "b-1"], (), 1, rng).id == "a-2"  # unseen first
    assert choose_next([weak, other, strong], mastery, ["a-1", "b-1"], enemies, 1, rng).id == "a-1"
    assert choose_next([weak, other, strong], mastery, ["a-1", "b-1"], enemies, 2, rng) is None


def test_nothing_eligible_gives_none_and_the_window_lets_items_back() -> None:
    pool = [item("a-1", "D3.1"), item("a-2", "D3.1")]
    assert choose_next(pool, {}, ["a-1", "a-2"], (), 2, random.Random(1)) is None
    assert choose_next([], {}, [], (), 2, random.Random(1)) is None
    assert choose_next(pool, {}, ["a-1", "a-2"], (), 1, random.Random(1)).id == "a-1"  # a-1 left the window


def test_the_weakest_of_equally_measured_objectives_comes_first() -> None:
    missed, got = item("m-1", "D3.1"), item("g-1", "D3.2")
    pool = [missed, item("m-2", "D3.1"), got, item("g-2", "D3.2")]
    mastery = answered((missed, 0.0), (got, 1.0))
    for seed in range(10):
        assert choose_next(pool, mastery, ["m-1", "g-1"], (), 2, random.Random(seed)).id == "m-2"


def test_a_missed_objective_comes_back_once_with_another_item() -> None:
    pool = [item("a-1", "D3.1"), item("a-2", "D3.1"), item("a-3", "D3.1"), *(item(f"o-{n}", f"D3.{n + 2}")
                                                                           for n in range(5))]
    missed_once = answered((pool[0], 0.0))
    assert next_objectives(pool, missed_once, ["a-1"], (), 20) == ["D3.1"]
    assert choose_next(pool, missed_once, ["a-1"], (), 20, random.Random(1)).id in {"a-2", "a-3"}
    missed_twice = answered((pool[0], 0.0), (pool[1], 0.0))
    assert "D3.1" not in next_objectives(pool, missed_twice, ["a-1", "a-2"], (), 20)  # once, then the others
    got_it = answered((pool[0], 1.0))
    assert "D3.1" not in next_objectives(pool, got_it, ["a-1"], (), 20)
    alone = [item("s-1", "D3.9"), *pool[3:]]  # nothing else on D3.9 to practise with
    assert "D3.9" not in next_objectives(alone, answered((alone[0], 0.0)), ["s-1"], (), 20)


def test_the_question_comes_from_the_objectives_next_objectives_names(real_bank) -> None:
    pool = practice_pool(real_bank, find_target(real_bank, "D3"))
    rng = random.Random(4)
    mastery: dict[str, Mastery] = {}
    shown: list[str] = []
    for n in range(40):
        allowed = next_objectives(pool, mastery, shown, real_bank.enemies, DEFAULT_WINDOW)
        chosen = choose_next(pool, mastery, shown, real_bank.enemies, DEFAULT_WINDOW, rng)
        assert chosen.primary_objective in allowed
        shown.append(chosen.id)
        evidence = evidence_from_item(chosen, float(n % 3 == 0), NOW + timedelta(minutes=n))
        for objective in chosen.objectives:
            mastery[objective] = update(mastery.get(objective) or prior(objective), evidence)
    assert next_objectives(pool[:2], {}, [i.id for i in pool[:2]], (), 2) == []


def test_a_well_measured_weak_objective_gives_way_to_one_we_know_nothing_about() -> None:
    measured = [item(f"w-{n}", "D3.1") for n in range(4)]
    unknown = item("u-1", "D3.2")
    mastery = answered(*((measured[n % 4], float(n % 3 == 0)) for n in range(12)))  # D3.1: 4 right of 12
    assert mastery["D3.1"].mean < 0.5 and mastery["D3.1"].evidence == 12
    assert choose_next([*measured, unknown], mastery, [], (), 0, random.Random(1)).id == "u-1"


def test_answers_that_disagree_with_the_rest_of_the_learners_answers_make_an_estimate_doubtful() -> None:
    one_wrong, one_right = answered((item("x", "D3.1"), 0.0))["D3.1"], answered((item("y", "D3.2"), 1.0))["D3.2"]
    assert doubt(one_wrong, rate=0.8) > doubt(one_right, rate=0.8)  # a strong learner missed this one
    assert doubt(one_right, rate=0.2) > doubt(one_wrong, rate=0.2)  # a weak learner got this one
    assert doubt(prior("D3.3"), rate=0.8) > doubt(one_right, rate=0.8) > 0  # nothing known beats one agreeing answer


def test_unseen_items_come_first_then_the_one_answered_longest_ago() -> None:
    pool = [item("a-1", "D3.1"), item("a-2", "D3.1"), item("a-3", "D3.1")]
    assert choose_next(pool, {}, ["a-2", "a-1"], (), 0, random.Random(1)).id == "a-3"
    assert choose_next(pool, {}, ["a-2", "a-3", "a-1", "a-3"], (), 0, random.Random(1)).id == "a-2"


def test_the_difficulty_follows_a_thin_estimate_then_turns_moderate_and_one_objective_comes_first() -> None:
    easy, moderate, hard = item("e", "D3.1", "easy"), item("m", "D3.1"), item("h", "D3.1", "hard")
    practised = [item(f"p-{n}", "D3.1") for n in range(6)]
    pool = [easy, moderate, hard, *practised]
    for answers in (3, 6):
        strong = answered(*((p, 1.0) for p in practised[:answers]))
        weak = answered(*((p, 0.0) for p in practised[:answers]))
        recent = [p.id for p in practised[:answers]]
        assert choose_next(pool, strong, recent, (), 0, random.Random(1)).id == ("h" if answers == 3 else "m")
        assert choose_next(pool, weak, recent, (), 0, random.Random(1)).id == ("e" if answers == 3 else "m")
    assert choose_next([easy, moderate, hard], {}, [], (), 0, random.Random(1)).id == "m"
    shared = dataclasses.replace(moderate, id="s", objectives=("D3.1", "D3.2"))
    assert choose_next([shared, hard], {}, [], (), 0, random.Random(1)).id == "h"  # its objective alone first
    assert choose_next([shared], {}, [], (), 0, random.Random(1)).id == "s"  # else a shared one


def test_the_same_seed_gives_the_same_session(real_bank) -> None:
    pool = practice_pool(real_bank, find_target(real_bank, PRACTICE_ALL))

    def session(seed: int) -> list[str]:
        return [i.id for i in practise(pool, real_bank.enemies, 30, seed, right=lambda i: i.id[-1] in "02468")]

    assert session(7) == session(7)
    assert len({tuple(session(seed)) for seed in (1, 2, 3)}) > 1


def test_the_simulation_benchmark_prints_both_figures_and_the_saving() -> None:
    result = subprocess.run([sys.executable, str(REPO / "bench" / "practice_sim.py"), "--learners", "4", "--seed",
                             "3", "--accuracy", "0.2,0.18", "--max-questions", "400"],
                            capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr
    rows = re.findall(r"^\s+(0\.\d\d)\s+(\d+\.\d)\s+(\d+\.\d)\s+(-?\d+\.\d)%", result.stdout, re.MULTILINE)
    assert [r[0] for r in rows] == ["0.20", "0.18"], result.stdout
    assert all(0 < float(r[1]) <= 400 and 0 < float(r[2]) <= 400 for r in rows)
    summary = re.search(r"at the stated target 0\.20: adaptive (\d+\.\d) questions, random (\d+\.\d), saving "
                        r"(-?\d+\.\d)%", result.stdout)
    assert summary, result.stdout
    adaptive, uniform, saving = (float(x) for x in summary.groups())
    assert saving == pytest.approx(100 * (1 - adaptive / uniform), abs=0.5)  # from the unrounded averages


def test_the_simulation_benchmark_refuses_a_bad_option_in_one_line() -> None:
    result = subprocess.run([sys.executable, str(REPO / "bench" / "practice_sim.py"), "--accuracy", "high"],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "give numbers separated by commas, like 0.15,0.12" in result.stderr
