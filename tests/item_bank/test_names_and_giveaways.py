"""Checks across items: one person per first name, and no scenario stem that answers a sibling's key."""

from __future__ import annotations

import pytest

from item_bank.giveaway import content_words, scenario_giveaways
from item_bank.lint import lint_bank
from item_bank.model import Bank, Blueprint, Choice, EnemyGroup, Item, ItemType, Scenario
from item_bank.names import name_clashes, people_introduced


def item(item_id: str, stem: str, key: str = "Tell her supervisor", file: str = "items/a.yaml", line: int = 1,
         scenario: str | None = None, feedback: str = "Feedback.") -> Item:
    choices = (Choice("a", key, True, "Right."), Choice("b", "Wait and see", False, "Wrong."),
               Choice("c", "Do nothing", False, "Wrong."))
    return Item(id=item_id, type=ItemType.SINGLE_CHOICE, status="reviewed", revision=1, domain="D1",
                objectives=("D1.1",), cognitive_level="application", difficulty="moderate", points=1.0, stem=stem,
                feedback=feedback, sources=("S1",), choices=choices, scenario=scenario, file=file, line=line)


def bank(*items: Item, scenarios: tuple[Scenario, ...] = (), enemies: tuple[EnemyGroup, ...] = ()) -> Bank:
    return Bank(Blueprint((), {}, {}), items, {s.id: s for s in scenarios}, (), "synthetic", enemies)


# -- one identity per name -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "names"), [
    ("Priya, 31, is the only peer worker on the team.", {"Priya"}),
    ("Mr. Okafor (58) lives alone.", {"Okafor"}),
    ("Luis is a Certified Peer Specialist in Springfield.", {"Luis"}),
    ("She tells Lena, a peer specialist, that nights are hard.", {"Lena"}),
    ("Grace meets each week with peer specialist Omar.", {"Omar"}),
    ("Its crisis plan names her cousin Amina.", {"Amina"}),
    ("At a clubhouse, a member named Chen says hello.", {"Chen"}),
    ("Another person she supports, Linh, got an apartment.", {"Linh"}),
    ("During group, Courtney says she left early.", {"Courtney"}),
    ("I saw Bao in the lobby.", {"Bao"}),
    ("Hyun-woo, 41, is staying at a peer respite.", {"Hyun-woo"}),
    ("Kofi is 34 and has been a member for a year. Ezra wants to leave.", {"Kofi", "Ezra"}),
    # not people: places, months, programmes, pronouns, acronyms, sentence openers
    ("In Massachusetts, 42 CFR Part 2 covers such programmes.", set()),
    ("March 4, 2 p.m.: the note was written.", set()),
    ("She is a peer specialist. He is a member.", set()),
    ("Intentional Peer Support (IPS) has four tasks; WRAP (2) is a plan.", set()),
    ("Online, the photo ties each member to the centre.", set()),
    ("Roles: Family Partner, Young Adult Peer Mentor, Older Adult Peer Mentor. Two volunteers help.", set()),
    ("The peer specialist on shift answers. Peer specialist Tom listens.", {"Tom"}),
])
def test_people_are_found_by_the_documented_heuristic(text: str, names: set[str]) -> None:
    assert people_introduced(text) == names


def test_a_name_used_in_two_items_is_an_error_naming_both() -> None:
    first = item("n-001", "Grace, 31, meets peer specialist Omar at a recovery centre.", file="items/a.yaml", line=2)
    second = item("n-002", "Peer specialist Grace supports Tom, 40, at a shelter.", file="items/b.yaml", line=9)
    found = name_clashes(bank(first, second))
    assert [str(p) for p in found] == [
        "items/b.yaml:9: names: 'Grace' is already a person in n-001 (items/a.yaml:2); give this person another "
        "name, so that each first name belongs to one item or one scenario set [n-002]"]
    assert found[0].severity == "error"


def test_a_scenario_set_may_share_its_people_but_no_one_else_may() -> None:
    case = Scenario("sc-x", "A case", "Priya, 31, is a peer specialist. She supports Mr. Okafor, 58.",
                    "scenarios/x.yaml", 2)
    in_set = [item("s-001", "What should Priya do?", scenario="sc-x", line=5),
              item("s-002", "Mr. Okafor asks Priya for help.", scenario="sc-x", line=20)]
    alone = item("s-003", "Okay. Priya, 45, joins a clubhouse in May.", file="items/z.yaml", line=7)
    found = name_clashes(bank(*in_set, alone, scenarios=(case,)))
    assert [(p.file, p.line, p.item_id) for p in found] == [("scenarios/x.yaml", 2, "sc-x")]
    assert "'Priya' is already a person in s-003 (items/z.yaml:7)" in found[0].message
    assert name_clashes(bank(*in_set, scenarios=(case,))) == []


def test_names_in_options_rationales_and_feedback_count() -> None:
    first = item("o-001", "Dana, 24, asks for help.")
    second = item("o-002", "A peer specialist is asked to help.", key="Ask Dana what she wants",
                  file="items/b.yaml")
    third = item("o-003", "A question.", feedback="Dana would say so.", file="items/c.yaml")
    assert [p.item_id for p in name_clashes(bank(first, second, third))] == ["o-002", "o-003"]


def test_name_clashes_are_lint_errors() -> None:
    findings = lint_bank(bank(item("l-001", "Rosa, 57, works nights."),
                              item("l-002", "Rosa, 72, joins a group.", file="items/b.yaml")))
    assert [f.field for f in findings if f.severity == "error"] == ["names"]


# -- scenario give-aways ---------------------------------------------------------------------------------------------

CASE = Scenario("sc-y", "A home visit", "Noor, 31, says she has saved up pills. Agency policy says staff must call "
                "the on-call clinician at once.", "scenarios/y.yaml", 2)
KEYED = item("g-001", "What should Janelle do first?", scenario="sc-y", line=3,
             key="Say gently that she cannot keep this secret, stay with Noor and call the clinician together")


def test_a_stem_that_repeats_a_siblings_key_is_a_warning() -> None:
    telling = item("g-002", "Janelle has told Noor she cannot keep this secret. They will stay together. What next?",
                   scenario="sc-y", line=30)
    found = scenario_giveaways(bank(KEYED, telling, scenarios=(CASE,)))
    assert len(found) == 1
    warning = found[0]
    assert (warning.file, warning.line, warning.field, warning.severity, warning.item_id) == (
        "items/a.yaml", 3, "choices.a", "warning", "g-001")
    assert warning.message.startswith("the stem of g-002 (items/a.yaml:30), in the same scenario set, repeats 5 of "
                                      "this key's 6 content words (keep, not, secret, stay, together)")
    assert any(f.field == "choices.a" and "same scenario set" in f.message
               for f in lint_bank(bank(KEYED, telling, scenarios=(CASE,))))


def test_scenario_words_and_a_few_shared_words_do_not_count() -> None:
    # "call", "clinician" and "Noor" are in the scenario text; "keep" alone is below the threshold
    near = item("g-003", "Noor asks Janelle to keep it quiet and call nobody but the clinician. What now?",
                scenario="sc-y", line=40)
    assert scenario_giveaways(bank(KEYED, near, scenarios=(CASE,))) == []


def test_declared_enemies_and_other_sets_are_not_checked() -> None:
    telling = item("g-002", "Janelle has gently told Noor she cannot keep this secret. They will stay together.",
                   scenario="sc-y", line=30)
    enemies = (EnemyGroup("noor", "one answers the other", ("g-001", "g-002")),)
    assert scenario_giveaways(bank(KEYED, telling, scenarios=(CASE,), enemies=enemies)) == []
    elsewhere = item("g-004", "Janelle has gently told Noor she cannot keep this secret. They will stay together.")
    assert scenario_giveaways(bank(KEYED, elsewhere, scenarios=(CASE,))) == []


def test_content_words_drop_stop_words_and_keep_negations() -> None:
    assert content_words("She can't keep the rules; he is knocking and planning calls.") == {
        "not", "keep", "rule", "knock", "plan", "call"}
