"""The cue audit: what a test-wise reader sees in the options, on hand-made options, synthetic banks and the banks."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from item_bank.cli import main
from item_bank.cue_audit import (
    FEATURE_NAMES,
    cue_audit,
    cue_warnings,
    format_audit,
    item_options,
    option_cues,
    rule_pick,
    stem_echo,
)
from item_bank.model import Choice, Item, ItemType
from tests.conftest import REPO
from tests.item_bank.bank_edits import ITEMS, replace_once

# --- features on hand-made options ----------------------------------------------------------------------------------

FEATURE_CASES = {
    "justification": [
        ("Tell her about the group, because it meets near her home", True),
        ("Take the card since he is leaving services today", True),
        ("Call the team so that nothing is missed", True),
        ("Send a summary so the agency can follow its steps", True),
        ("Write it down in order to remember it", True),
        ("Decline the card, as the policy asks", True),
        ("Say nothing, to keep her history private", True),
        ("Accept it to show mutuality", True),
        ("Share only general news, as long as he leaves out details", False),
        ("Explore other options, such as secular groups", False),
        ("Ask what she wants to do next", False),
    ],
    "joined_action": [
        ("Thank him warmly and decline the card", True),
        ("Take it to supervision, then reset contact openly", True),
        ("Say his doubt makes sense; ask what he would need", True),
        ("Stay calm, ask what he means, and alert her supervisor", True),
        ("Say warmly that it can wait, and gently change the topic", True),
        ("The peer values of mutuality, choice and purposeful sharing", False),
        ("Ask what she wants to do next", False),
    ],
    "warm_tone": [
        ("Explain kindly that it is outside her role", True),
        ("Listen with empathy to what he says", True),
        ("Be honest about the limits of the role", False),  # "honest" is a stance, "honestly" the tone word
        ("Explain that it is outside her role", False),
    ],
    "role": [
        ("Ask the case manager to call her", True),
        ("Talk it through with his supervisor", True),
        ("Call the police right away", True),
        ("Ask what she wants to do next", False),
    ],
    "supervisor": [
        ("Take the question to supervision", True),
        ("Tell her supervisor what happened", True),
        ("Tell the team what happened", False),
    ],
    "absolute": [
        ("Never share anything about her", True),
        ("Tell every member of the group", True),
        ("Share what she agreed to share", False),
    ],
    "negation": [
        ("Do not answer the phone", True),
        ("He can't discuss it", True),
        ("Decline the gift", True),
        ("Leave without a word", True),
        ("Answer the phone", False),
    ],
    "hedge": [
        ("It may be abuse of an elder", True),
        ("Perhaps wait a week", True),
        ("Report it today", False),
    ],
    "question": [
        ("Is it done openly?", True),
        ("It is done openly", False),
    ],
    "first_person": [
        ("Say, I hear you and I'm here", True),
        ("Tell her about my own recovery", True),
        ("Tell her about his own recovery", False),
    ],
    "quotation": [
        ('Say "That sounds hard"', True),
        ("Say “That sounds hard”", True),
        ("Say that it sounds hard; it's fine", False),
    ],
    "condition": [
        ("Agree only if he promises", True),
        ("Wait until she asks", True),
        ("Agree and move on", False),
    ],
    "asks": [
        ("Ask how she defines recovery", True),
        ("Check with the person first", True),
        ("Tell her how to recover", False),
    ],
    "own_choice": [
        ("Support her own plan", True),
        ("Ask what she wants", True),
        ("Follow the team's plan", False),
    ],
    "urgency": [
        ("Call the crisis line immediately", True),
        ("Report it right away", True),
        ("Report it at the next meeting", False),
    ],
}


def test_every_feature_has_cases() -> None:
    assert set(FEATURE_CASES) == set(FEATURE_NAMES)


@pytest.mark.parametrize(("feature", "text", "expected"),
                         [(f, t, e) for f, cases in FEATURE_CASES.items() for t, e in cases])
def test_feature_detected_and_not(feature: str, text: str, expected: bool) -> None:
    assert option_cues(text)[feature] is expected


def test_stem_echo_is_the_share_of_option_words_in_the_stem() -> None:
    stem = "Amara's sister calls the respite and asks how Amara is doing."
    assert stem_echo("Tell the sister how Amara is doing", stem) == pytest.approx(3 / 4)  # tell, sister, amara, doing
    assert stem_echo("Decline politely", stem) == 0.0
    assert stem_echo("and the", stem) == 0.0  # no content words


def test_length_rank_and_z_within_the_item() -> None:
    item = make_item(0, ["Short one", "A much longer option text here", "Middle length text", "Tiny"], key=2)
    options = item_options(item)
    assert [o.length_rank for o in options] == [3, 1, 2, 4]
    assert options[1].length_z > 0 > options[3].length_z
    assert abs(sum(o.length_z for o in options)) < 1e-9
    assert [o.correct for o in options] == [False, False, True, False]


def test_the_rule_drops_justified_then_the_longest_then_prefers_and() -> None:
    options = item_options(make_item(0, [
        "Tell her, because the policy says so",  # justified: dropped
        "Tell the whole team about it at the next meeting",  # longest of those left: dropped
        "Thank her and decline",  # has "and": picked
        "Decline the gift",
    ], key=2))
    assert rule_pick(options) == (2, [2])
    # nothing to prefer: the first left in authored order, with the tie reported
    options = item_options(make_item(0, ["Decline it", "Accept it", "Ignore the whole request", "Tell her"], key=0))
    assert rule_pick(options) == (0, [0, 1, 3])


def test_cue_warnings_name_the_lone_key() -> None:
    lone_justified = make_item(0, ["Call her, because it helps", "Call him", "Call them", "Call us"], key=0)
    assert "only_with:justification" in {w.cue for w in cue_warnings(lone_justified)}
    lone_unjustified = make_item(0, ["Call her", "Call him, because", "Call them, since", "Call us so that"], key=0)
    assert "only_without:justification" in {w.cue for w in cue_warnings(lone_unjustified)}
    longest = make_item(0, ["Call her supervisor and ask the team today", "Call him", "Call them", "Call us"], key=0)
    cues = {w.cue for w in cue_warnings(longest)}
    assert {"longest", "only_with:role", "only_with:joined_action"} <= cues and "only_with:supervisor" not in cues
    shortest = make_item(0, ["Wait", "Call him now", "Call them now", "Call us right now"], key=0)
    assert "shortest" in {w.cue for w in cue_warnings(shortest)}
    echo = make_item(0, ["Answer the sister's call", "Wait a week", "Stay quiet", "Leave it"], key=0,
                     stem="The sister calls. How should he answer the call?")
    assert "stem_echo" in {w.cue for w in cue_warnings(echo)}
    balanced = make_item(0, ["Call her today", "Call him today", "Call them today", "Call us today"], key=1)
    assert cue_warnings(balanced) == []


# --- synthetic banks --------------------------------------------------------------------------------------------------

VERBS = ["Tell", "Ask", "Offer", "Explain", "Suggest", "Share", "Invite", "Remind", "Show", "Give"]
OBJECTS = ["her the group times", "him the plan", "the person a ride", "her the choices", "him the form",
           "the group a break", "her a copy", "him the meeting notes", "the person a summary", "her the rules"]
REASONS = ["because it helps her", "since the plan allows it", "so that nothing is missed",
           "because the policy says so", "so the team knows"]


def make_item(n: int, texts: list[str], key: int, stem: str = "What should the peer specialist do next?") -> Item:
    return Item(
        id=f"syn-{n:03d}", type=ItemType.SINGLE_CHOICE, status="reviewed", revision=1, domain="D1",
        objectives=("D1.1",), cognitive_level="application", difficulty="moderate", points=1.0, stem=stem,
        feedback="", sources=("S1",),
        choices=tuple(Choice(chr(97 + i), text, i == key, "") for i, text in enumerate(texts)),
    )


def _phrase(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}"


def longest_justified_bank(n: int = 120, seed: int = 1) -> list[Item]:
    """The key is always the longest option and always justified; the distractors are bare actions."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        key = rng.randrange(4)
        texts = [_phrase(rng) for _ in range(4)]
        texts[key] = f"{texts[key]} at the next meeting, {rng.choice(REASONS)}"
        items.append(make_item(i, texts, key))
    return items


def rule_pattern_bank(n: int = 120, seed: int = 2) -> list[Item]:
    """The pattern the three-step rule was written for: two distractors justify themselves, the third is the longest,
    and the key joins two actions with "and"."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        key = rng.randrange(4)
        others = [p for p in range(4) if p != key]
        rng.shuffle(others)
        texts = [""] * 4
        texts[key] = f"{_phrase(rng)} and ask what she wants"
        texts[others[0]] = f"{_phrase(rng)}, {rng.choice(REASONS)}"
        texts[others[1]] = f"{_phrase(rng)}, {rng.choice(REASONS)}"
        texts[others[2]] = f"{_phrase(rng)} at the start of the very next group meeting this week"
        items.append(make_item(i, texts, key))
    return items


def identical_bank(n: int = 250, seed: int = 3) -> list[Item]:
    """Keys and distractors drawn from one distribution: the key is just one of four options picked at random."""
    rng = random.Random(seed)

    def option() -> str:
        text = _phrase(rng)
        if rng.random() < 0.3:
            text += f" and {_phrase(rng).lower()}"
        if rng.random() < 0.3:
            text += f", {rng.choice(REASONS)}"
        if rng.random() < 0.2:
            text = f"Kindly {text[0].lower()}{text[1:]}"
        if rng.random() < 0.2:
            text += " with her supervisor"
        return text

    return [make_item(i, [option() for _ in range(4)], rng.randrange(4)) for i in range(n)]


def test_a_longest_justified_key_is_cracked_by_the_models() -> None:
    data = cue_audit(longest_justified_bank())
    assert data["key_length_rank"]["key_longest_share"] == 1.0
    assert data["models"]["surface"]["hit_share"] >= 0.95
    assert data["models"]["words"]["hit_share"] >= 0.95
    justification = next(r for r in data["features"] if r["feature"] == "justification")
    assert justification["key_rate"] == 1.0 and justification["distractor_rate"] == 0.0
    # The three-step rule is one particular reader's rule: it drops justified options and the longest, so this
    # bank defeats it; it cracks the pattern it was written for (next test).
    assert data["rule"]["hit_share"] == 0.0


def test_the_rule_and_the_surface_model_crack_the_rules_own_pattern() -> None:
    data = cue_audit(rule_pattern_bank())
    assert data["rule"]["hit_share"] == 1.0
    assert data["models"]["surface"]["hit_share"] >= 0.95


def test_identically_drawn_options_score_near_chance() -> None:
    started = time.perf_counter()
    data = cue_audit(identical_bank())
    assert time.perf_counter() - started < 10  # ~250 items
    assert data["items"] == 250 and data["chance"] == 0.25
    for share in (data["models"]["surface"]["hit_share"], data["models"]["words"]["hit_share"],
                  data["rule"]["hit_share"], data["rule"]["hit_share_random_ties"]):
        assert 0.15 <= share <= 0.35, data
    assert all(abs(r["difference_points"]) <= 10 for r in data["features"]), data["features"]


def test_the_audit_is_deterministic() -> None:
    items = identical_bank(80)
    assert cue_audit(items) == cue_audit(items)


# --- the audit on the banks -------------------------------------------------------------------------------------------

def assert_all_figures(data: dict) -> None:
    assert data["items"] > 0 and data["options"] >= 3 * data["items"] and 0 < data["chance"] < 1
    assert [r["feature"] for r in data["features"]] == list(FEATURE_NAMES)
    for row in data["features"]:
        assert {"key_rate", "distractor_rate", "difference_points", "keys_with", "distractors_with"} <= set(row)
    assert len(data["worst_features"]) == 5
    ranks = data["key_length_rank"]
    assert sum(ranks["counts"].values()) == data["items"] and set(ranks["counts"]) == {"longest", "2nd", "3rd", "4th+"}
    for kind in ("surface", "words"):
        model = data["models"][kind]
        assert model["items"] == data["items"] and 0 <= model["hit_share"] <= 1 and model["folds"] >= 2
        assert all({"id", "margin"} == set(row) and row["margin"] > 0 for row in model["easiest"])
    assert 0 <= data["rule"]["hit_share"] <= 1 and data["rule"]["items"] == data["items"]
    assert data["multiple_response"]["features"]
    text = format_audit(data)
    assert "surface model" in text and "three-step rule" in text and "Key length rank" in text


def test_the_audit_runs_on_the_fixture_bank(starter_bank) -> None:
    data = cue_audit(starter_bank)
    assert_all_figures(data)
    assert data["items"] == 6 and data["multiple_response"]["items"] == 2


@pytest.fixture(scope="module")
def shipped_audit(real_bank) -> dict:
    return cue_audit(real_bank)


def test_the_audit_runs_on_the_shipped_bank(shipped_audit) -> None:
    assert_all_figures(shipped_audit)
    assert shipped_audit["items"] >= 100


def test_shipped_bank_gives_no_key_away(shipped_audit) -> None:
    """Issue 11's acceptance test: a reader who knows only how keys are worded does little better than chance."""
    data = shipped_audit
    figures = (f"surface {data['models']['surface']['hit_share']}, words {data['models']['words']['hit_share']}, "
               f"rule {data['rule']['hit_share']}, features over 10 points: "
               + ", ".join(f"{r['feature']} {r['difference_points']:+}" for r in data["features"]
                           if abs(r["difference_points"]) > 10))
    assert data["models"]["surface"]["hit_share"] <= 0.35, figures
    assert data["models"]["words"]["hit_share"] <= 0.35, figures
    assert data["rule"]["hit_share"] <= 0.30, figures
    for row in data["features"]:
        assert abs(row["difference_points"]) <= 10, figures


# --- command line and lint --------------------------------------------------------------------------------------------

def test_audit_has_help() -> None:
    result = CliRunner().invoke(main, ["audit", "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output and "--top" in result.output


def test_audit_command_prints_the_table(starter_bank_path) -> None:
    result = CliRunner().invoke(main, ["audit", str(starter_bank_path), "--top", "2"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "reviewed single-choice items" in out and "justification" in out and "Key length rank" in out
    assert "surface model" in out and "words model" in out and "three-step rule" in out
    assert "Multiple-response items" in out
    section = out.split("Easiest to crack, surface model")[1].split("Easiest to crack, words model")[0]
    assert len([line for line in section.splitlines() if line.startswith("  cps-")]) == 2


def test_audit_json(starter_bank_path) -> None:
    result = CliRunner().invoke(main, ["audit", str(starter_bank_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert_all_figures(data)


def test_stats_json_has_the_cue_audit(starter_bank_path) -> None:
    result = CliRunner().invoke(main, ["stats", "--json", str(starter_bank_path)])
    assert result.exit_code == 0
    audit = json.loads(result.output)["cue_audit"]
    assert audit["available"] is True
    assert_all_figures(audit)
    text = CliRunner().invoke(main, ["stats", str(starter_bank_path)]).output
    assert "Cue audit (6 reviewed single-choice items" in text


def test_without_scikit_learn_the_audit_says_which_extra_and_exits_2(starter_bank_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import sklearn now raises ImportError
    result = CliRunner().invoke(main, ["audit", str(starter_bank_path)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "authoring" in result.output
    assert "Traceback" not in result.output
    stats = json.loads(CliRunner().invoke(main, ["stats", "--json", str(starter_bank_path)]).output)
    assert stats["cue_audit"] == {"available": False, "reason": stats["cue_audit"]["reason"]}
    assert "authoring" in stats["cue_audit"]["reason"]


def test_lint_cue_warnings_need_neither_numpy_nor_scikit_learn(starter_bank_path) -> None:
    code = ("import sys; sys.modules['numpy'] = None; sys.modules['sklearn'] = None\n"
            "from item_bank.load import load_bank\nfrom item_bank.lint import lint_bank\n"
            f"print(sum('cue:' in str(p) for p in lint_bank(load_bank({str(starter_bank_path)!r}))))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 0


def test_lint_warns_when_the_key_alone_is_justified(bank_copy) -> None:
    replace_once(bank_copy / ITEMS, "text: The peer values of mutuality, choice and purposeful sharing",
                 "text: The peer values of mutuality, choice and purposeful sharing, because they define the role")
    result = CliRunner().invoke(main, ["lint", str(bank_copy)])
    assert result.exit_code == 0, result.output  # warnings only
    lines = [line for line in result.output.splitlines() if "[cps-s-d1-001]" in line]
    assert any("starter.yaml:" in line and "warning: choices.b: cue: the key is the only option with a "
               "justification clause" in line for line in lines), result.output
