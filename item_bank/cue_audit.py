"""The cue audit: what separates keys from distractors on the surface, as a test-wise reader sees it.

A reader who knows no CPS ethics, only how keys tend to be worded, should not find the key. This module measures
how far the bank lets them:

- `option_cues` / `item_options`: surface features of every option, from its plain text and the item's stem;
- `feature_rates` / `key_length_ranks`: how often keys and distractors carry each feature; the key's length rank;
- `model_hits`: two logistic regressions that each predict which option is the key, cross-validated by item
  (one on the surface features, one on the options' words), with the items they crack most easily;
- `rule_hits`: a three-step rule a test-wise reader might use;
- `cue_warnings`: the per-item cues that `item_bank.lint` reports (pure Python, no numpy or scikit-learn);
- `cue_audit` / `format_audit`: all of it as plain data (`--json`) and as the text report.

The headline figures use reviewed single-choice items (one key each); multiple-response items get feature rates.
numpy and scikit-learn are the `authoring` extra: only `model_hits` (and so `cue_audit`) needs them, and it raises
`AuditUnavailable` with a one-line reason when they are missing.
"""

from __future__ import annotations

import random
import re
import statistics
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from item_bank.markup import to_plain_text
from item_bank.model import Bank, Item, ItemType

SEED = 0
FOLDS = 5
TOP = 10
CLEAR_LENGTH_MARGIN = 1.25  # "longest/shortest by a clear margin": 25% longer than the next option
CLEAR_ECHO_MARGIN = 0.20  # "highest stem echo by a clear margin": 20 points more of its words are in the stem
FEATURE_GAP_TARGET = 10.0  # points; the acceptance test's limit on |key rate - distractor rate|
INSTALL_HINT = "the cue audit needs numpy and scikit-learn: pip install -e '.[authoring]' (the authoring extra)"


class AuditUnavailable(RuntimeError):
    """numpy or scikit-learn is missing; the message says which extra to install."""


# --- surface features of one option -------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)*")
_PRONOUN = r"(?:i|you|he|she|they|we|it)"
_DETERMINER = r"(?:the|a|an|his|her|their|its|our|my|your|this|that|these|those|every|each|no)"

# Justification: the option argues for itself. "as" only when it gives a reason (", as he is leaving") or cites an
# authority ("as the policy asks"), not in "as long as", "such as", "as well as" or "as a peer".
_JUSTIFICATION = re.compile(
    r"\bbecause\b|\bsince\b|\bso that\b|\bin order to\b|\bto make sure\b|\bto ensure\b|\bgiven that\b"
    rf"|\bso (?:{_PRONOUN}|{_DETERMINER}|there|nobody|nothing|everyone|[A-Z][a-z]+)\b"
    r"|,\s*as (?!well\b|long\b|soon\b|if\b|though\b|much\b|many\b|such\b|a\b|an\b)\w+"
    r"|\bas (?:the |his |her |their |its )?(?:\w+ )?(?:policy|law|code|rules?|guidelines?|plan)"
    r" (?:asks|requires|says|allows|states|needs|expect|expects)\b"
    r"|(?:,\s*|\b)to (?:avoid|show|prove)\b|,\s*to (?:keep|protect|make|help|spare|stop|save)\b"
    r"|,\s*which (?:keeps|shows|helps|protects|means|makes|lets|gives|saves|stops)\b",
    re.IGNORECASE,
)

# Verbs that start an action in this bank's options ("Tell ...", "Ask ...", "Thank him ... and decline ...").
_ACTION_VERBS = frozenset("""
accept acknowledge add admit advise affirm agree answer apologise apologize arrange ask assure avoid be book bring
call cancel change check choose clarify close come commit confirm connect consult contact continue copy correct
count cut decide decline delete describe discuss document draft draw drive email encourage end ensure explain
explore facilitate file find finish follow get give go greet hand hang have help hold ignore include inform
introduce invite keep learn leave lend let link listen look lower mail make meet mention move name note notify
offer open pass pause pay phone plan point post praise prepare promise protect provide put question raise read
reassure recommend record refer reflect refuse remain remind remove repeat reply report request respect respond
return review rewrite say schedule seek send set share show sign smile start stay step stop suggest support switch
take talk tell text thank treat try turn urge use validate visit wait walk warn work write alert amend ease
honour honor reset think watch sit spend pick act bring drop flag log mark jot
""".split())
# A second action after " and ", ", then", "then" or "; ", with an optional subject ("; she can ...").
_JOINER = re.compile(
    rf"(?:,?\s+and\s+(?:then\s+)?|,\s*then\s+|\s+then\s+|;\s+|,\s+)(?:{_PRONOUN}\s+(?:can\s+|will\s+|should\s+)?)?"
    r"([a-z]+)(?:\s+([a-z]+))?",
    re.IGNORECASE,
)
_WARM = re.compile(
    r"\b(?:kindly|gently|warmly|honestly|calmly|respectfully|openly|patiently|carefully|compassionately|sincerely"
    r"|thoughtfully|tactfully|politely|genuinely|sensitively|empathetically|supportively|warm|kind|gentle|caring"
    r"|with (?:empathy|care|compassion|respect|warmth|kindness)|without judg(?:e)?ment|non-?judg(?:e)?mental(?:ly)?)\b",
    re.IGNORECASE,
)
_ROLE = re.compile(
    r"\b(?:supervisors?|clinicians?|clinical team|team|doctors?|physicians?|nurses?|police|family|relatives?"
    r"|case managers?|therapists?|psychiatrists?|prescribers?|counsell?ors?|social workers?|managers?|directors?"
    r"|coordinators?|staff|colleagues?|co-?workers?|lawyers?|attorneys?|guardians?|crisis (?:team|line)|911"
    r"|emergency services|ombudsman|human rights officer|providers?)\b",
    re.IGNORECASE,
)
_SUPERVISOR = re.compile(r"\b(?:supervisors?|supervision)\b", re.IGNORECASE)
_ABSOLUTE = re.compile(r"\b(?:never|always|only|all|must|every|everyone|everything|nothing)\b", re.IGNORECASE)
_NEGATION = re.compile(
    r"\b(?:not|no|nor|neither|without|refus(?:e|es|ed|ing)|declin(?:e|es|ed|ing)|avoid(?:s|ed|ing)?)\b|n['’]t\b",
    re.IGNORECASE,
)
_HEDGE = re.compile(r"\b(?:may|might|usually|perhaps|possibly|probably|often|sometimes|generally|likely)\b",
                    re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:I|I['’](?:m|ll|ve|d)|me|my|mine|myself)\b")
_QUOTE = re.compile(r"[\"“”]|(?:^|\s)‘")
_CONDITION = re.compile(r"\b(?:if|unless|once|until|as long as|as soon as|only when)\b", re.IGNORECASE)
_ASKS = re.compile(r"\b(?:ask|asks|asking|check with|find out|explore)\b", re.IGNORECASE)
_OWN_CHOICE = re.compile(
    r"\b(?:(?:his|her|their|your) own|choice|choices|choose|chooses|decide|decides|wants?|wishes|prefers?|goals?)\b",
    re.IGNORECASE,
)
_URGENT = re.compile(r"\b(?:immediately|right away|at once|straight away|now|today|urgently)\b", re.IGNORECASE)
_STOPWORDS = frozenset("""
a about after all also an and any are as at be because been before being but by can could did do does for from had
has have he her here hers him his how i if in into is it its just let may me might more most my no not now of on
once one only or our out own she should since so some than that the their them then there these they this those
to too up us was we were what when where which while who whom why will with would you your
""".split())


@dataclass(frozen=True)
class Feature:
    name: str
    label: str
    detect: Callable[[str], bool]


def _has_joined_action(text: str) -> bool:
    """Two actions joined: " and " / ", then" / "then" / "; " followed (after an optional subject) by an action verb.

    A documented heuristic, not a parser: the word after the joiner must be in `_ACTION_VERBS` (or its -s form),
    so "mutuality, choice and purposeful sharing" is not a joined action and "thank him and decline the card" is;
    one "-ly" adverb or "to" may stand before the verb ("and gently change", "and to sit"). A comma alone joins
    too when a verb follows ("Stay calm, ask what he means").
    """
    for m in _JOINER.finditer(text):
        first, second = m.group(1).lower(), (m.group(2) or "").lower()
        if _is_action(first) or ((first == "to" or first.endswith("ly")) and _is_action(second)):
            return True
    return False


def _is_action(word: str) -> bool:
    return word in _ACTION_VERBS or (word.endswith("s") and (word[:-1] in _ACTION_VERBS or word[:-2] in _ACTION_VERBS))


FEATURES: tuple[Feature, ...] = (
    Feature("justification", "justification (because, since, so that, to avoid ...)",
            lambda t: bool(_JUSTIFICATION.search(t))),
    Feature("joined_action", "two actions joined (and / then / ;)", _has_joined_action),
    Feature("warm_tone", "warm tone word (kindly, gently, honestly ...)", lambda t: bool(_WARM.search(t))),
    Feature("role", "names a role (supervisor, team, family, police ...)", lambda t: bool(_ROLE.search(t))),
    Feature("supervisor", "names the supervisor or supervision", lambda t: bool(_SUPERVISOR.search(t))),
    Feature("absolute", "absolute (never, always, only, all, must, every)", lambda t: bool(_ABSOLUTE.search(t))),
    Feature("negation", "negation (not, n't, no, without, refuse, decline, avoid)",
            lambda t: bool(_NEGATION.search(t))),
    Feature("hedge", "hedge (may, might, usually, perhaps ...)", lambda t: bool(_HEDGE.search(t))),
    Feature("question", "question form (?)", lambda t: "?" in t),
    Feature("first_person", "first person (I, me, my)", lambda t: bool(_FIRST_PERSON.search(t))),
    Feature("quotation", "quoted speech", lambda t: bool(_QUOTE.search(t))),
    Feature("condition", "condition (if, unless, once, until, as long as)", lambda t: bool(_CONDITION.search(t))),
    Feature("asks", "asks or explores (ask, check with, find out)", lambda t: bool(_ASKS.search(t))),
    Feature("own_choice", "the person's own choice (own, choice, decide, wants, goals)",
            lambda t: bool(_OWN_CHOICE.search(t))),
    Feature("urgency", "urgency (immediately, right away, now, today)", lambda t: bool(_URGENT.search(t))),
)
FEATURE_NAMES = tuple(f.name for f in FEATURES)
FEATURE_LABELS = {f.name: f.label for f in FEATURES}


def option_cues(text: str) -> dict[str, bool]:
    """The binary surface features of one option's plain text."""
    return {f.name: f.detect(text) for f in FEATURES}


def content_words(text: str) -> set[str]:
    """Lower-cased words of three letters or more, not stop words, with a plural -s and a possessive removed."""
    out = set()
    for w in _WORD.findall(text.lower()):
        w = re.sub(r"['’]s$", "", w)
        if len(w) < 3 or w in _STOPWORDS:
            continue
        if len(w) > 3 and w.endswith("s") and not w.endswith("ss"):
            w = w[:-1]
        out.add(w)
    return out


def stem_echo(option: str, stem: str) -> float:
    """The share of the option's content words that also occur in the stem (0 when it has none)."""
    words = content_words(option)
    return len(words & content_words(stem)) / len(words) if words else 0.0


@dataclass(frozen=True)
class OptionCues:
    """One option of an item, as a test-wise reader sees it."""

    item_id: str
    choice_id: str
    position: int  # authored order, from 0
    correct: bool
    text: str  # plain text
    length: int  # characters of plain text
    length_rank: int  # 1 = longest; options of equal length share the better rank
    length_z: float  # (length - item mean) / item standard deviation (0 when all are equally long)
    echo: float
    cues: dict[str, bool] = field(default_factory=dict)


def item_options(item: Item) -> list[OptionCues]:
    """Every option of a choice item with its features (empty for an essay)."""
    if not item.type.has_choices:
        return []
    stem = to_plain_text(item.stem)
    texts = [to_plain_text(c.text) for c in item.choices]
    lengths = [len(t) for t in texts]
    mean = statistics.fmean(lengths)
    sd = statistics.pstdev(lengths)
    return [
        OptionCues(
            item_id=item.id, choice_id=c.id, position=n, correct=c.correct, text=texts[n], length=lengths[n],
            length_rank=1 + sum(1 for other in lengths if other > lengths[n]),
            length_z=(lengths[n] - mean) / sd if sd else 0.0,
            echo=stem_echo(texts[n], stem), cues=option_cues(texts[n]),
        )
        for n, c in enumerate(item.choices)
    ]


def audited_items(items: Iterable[Item], item_type: ItemType = ItemType.SINGLE_CHOICE) -> list[Item]:
    """The items the headline figures use: reviewed, of the type, with at least one key and one distractor."""
    return [i for i in items if i.type is item_type and i.status == "reviewed"
            and 0 < len(i.keys) < len(i.choices)]


# --- per-item warnings (used by lint; no numpy) ---------------------------------------------------------------------

_ONLY_WITH = ("justification", "joined_action", "role", "supervisor", "warm_tone", "absolute_or_negation")
_ONLY_WITHOUT = ("justification", "absolute_or_negation")
_WARNING_WORDS = {
    "justification": "a justification clause (because, since, so that ...)",
    "joined_action": "two actions joined (and / then)",
    "role": "a named role (supervisor, team, family ...)",
    "supervisor": "the supervisor named",
    "warm_tone": "a warm tone word (kindly, gently, honestly ...)",
    "absolute_or_negation": "an absolute or a negation (never, always, only, not, refuse ...)",
}


class CueWarning(NamedTuple):
    field: str  # "choices.<key ids>"
    cue: str  # "only_with:<feature>", "only_without:<feature>", "longest", "shortest" or "stem_echo"
    message: str


def cue_warnings(item: Item) -> list[CueWarning]:
    """A warning for each cue that singles out the key(s) of a single-choice or multiple-response item.

    "Only" means: the options with the feature are exactly the keys (or the options without it are). Length and
    stem echo are checked for single-choice items: the key is the longest or the shortest by 25% over the next
    option, or echoes the stem's words by 20 points more than any distractor.
    """
    if item.type not in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        return []
    options = item_options(item)
    keys = {o.choice_id for o in options if o.correct}
    if not keys or len(keys) == len(options):
        return []
    field_name = "choices." + ",".join(o.choice_id for o in options if o.correct)
    the_key = "the key is" if len(keys) == 1 else "the keys are"
    only = "the only option" if len(keys) == 1 else "the only options"
    has = {o.choice_id: dict(o.cues) for o in options}
    for cues in has.values():
        cues["absolute_or_negation"] = cues["absolute"] or cues["negation"]
    out = []
    tail = "; a test-wise reader picks it without knowing the content"
    for name in _ONLY_WITH:
        if name == "supervisor" and {cid for cid, c in has.items() if c["role"]} == keys:
            continue  # already said: the key is the only option naming a role
        if {cid for cid, c in has.items() if c[name]} == keys:
            out.append(CueWarning(field_name, f"only_with:{name}",
                                  f"cue: {the_key} {only} with {_WARNING_WORDS[name]}{tail}"))
    for name in _ONLY_WITHOUT:
        if {cid for cid, c in has.items() if not c[name]} == keys:
            out.append(CueWarning(field_name, f"only_without:{name}",
                                  f"cue: {the_key} {only} without {_WARNING_WORDS[name]}{tail}"))
    if len(keys) == 1 and len(options) >= 3:
        key = next(o for o in options if o.correct)
        others = [o for o in options if not o.correct]
        longest_other = max(o.length for o in others)
        shortest_other = min(o.length for o in others)
        if key.length >= CLEAR_LENGTH_MARGIN * longest_other:
            out.append(CueWarning(field_name, "longest", "cue: the key is the longest option by a clear margin "
                                  f"({key.length} characters, next {longest_other}); lengthen a distractor or "
                                  "shorten the key"))
        if shortest_other >= CLEAR_LENGTH_MARGIN * max(key.length, 1):
            out.append(CueWarning(field_name, "shortest", "cue: the key is the shortest option by a clear margin "
                                  f"({key.length} characters, next {shortest_other}); balance the lengths"))
        best_other = max(o.echo for o in others)
        if key.echo - best_other >= CLEAR_ECHO_MARGIN:
            out.append(CueWarning(field_name, "stem_echo", "cue: the key repeats the stem's words most "
                                  f"({key.echo:.0%} of its words, next {best_other:.0%}); reword it or echo the "
                                  "stem in a distractor"))
    return out


# --- key vs distractor rates ----------------------------------------------------------------------------------------

def feature_rates(items: Sequence[Item]) -> list[dict[str, Any]]:
    """For each feature: the share of keys and of distractors that have it, and the difference in points."""
    options = [o for item in items for o in item_options(item)]
    keys = [o for o in options if o.correct]
    distractors = [o for o in options if not o.correct]
    rows = []
    for name in FEATURE_NAMES:
        k = sum(1 for o in keys if o.cues[name])
        d = sum(1 for o in distractors if o.cues[name])
        key_rate, distractor_rate = _share(k, len(keys)), _share(d, len(distractors))
        rows.append({
            "feature": name, "label": FEATURE_LABELS[name], "keys_with": k, "distractors_with": d,
            "key_rate": key_rate, "distractor_rate": distractor_rate,
            "difference_points": round(100 * (key_rate - distractor_rate), 1),
        })
    return rows


def feature_means(items: Sequence[Item]) -> dict[str, dict[str, float | None]]:
    """Mean relative length (z within the item) and mean stem echo of keys and of distractors."""
    options = [o for item in items for o in item_options(item)]

    def mean(values: list[float]) -> float | None:
        return round(statistics.fmean(values), 3) if values else None

    return {
        name: {"keys": mean([get(o) for o in options if o.correct]),
               "distractors": mean([get(o) for o in options if not o.correct])}
        for name, get in (("length_z", lambda o: o.length_z), ("stem_echo", lambda o: o.echo))
    }


def key_length_ranks(items: Sequence[Item]) -> dict[str, Any]:
    """Where the key's length ranks in single-key items: longest, 2nd, 3rd, 4th or lower."""
    labels = ("longest", "2nd", "3rd", "4th+")
    counts = dict.fromkeys(labels, 0)
    singles = [i for i in items if len(i.keys) == 1]
    for item in singles:
        rank = next(o.length_rank for o in item_options(item) if o.correct)
        counts[labels[min(rank, 4) - 1]] += 1
    return {
        "items": len(singles),
        "counts": counts,
        "shares": {k: _share(n, len(singles)) for k, n in counts.items()},
        "key_longest_share": _share(counts["longest"], len(singles)),
    }


# --- the three-step rule --------------------------------------------------------------------------------------------

_AND = re.compile(r"\band\b", re.IGNORECASE)
RULE_DESCRIPTION = ("drop the options with a justification clause (unless that drops all); drop the longest of "
                    "those left (unless only one is left); then prefer an option containing \"and\"; ties go to "
                    "the first option in authored order")


def rule_pick(options: Sequence[OptionCues]) -> tuple[int, list[int]]:
    """The position the three-step rule picks, and the positions it was left choosing between."""
    left = list(options)
    unjustified = [o for o in left if not o.cues["justification"]]
    if unjustified:
        left = unjustified
    if len(left) > 1:
        longest = max(o.length for o in left)
        shorter = [o for o in left if o.length < longest]
        if shorter:
            left = shorter
    with_and = [o for o in left if _AND.search(o.text)]
    if with_and:
        left = with_and
    return left[0].position, [o.position for o in left]


def rule_hits(items: Sequence[Item]) -> dict[str, Any]:
    """How often the three-step rule picks the key of a single-key item.

    `hit_share` breaks ties by authored order; `hit_share_random_ties` is what a reader who guesses among the
    options still tied would score on average (1/k for an item whose key is one of k tied options).
    """
    singles = [i for i in items if len(i.keys) == 1]
    hits, expected = 0, 0.0
    for item in singles:
        options = item_options(item)
        key = next(o.position for o in options if o.correct)
        pick, tied = rule_pick(options)
        hits += pick == key
        expected += (1 / len(tied)) if key in tied else 0.0
    return {
        "description": RULE_DESCRIPTION,
        "items": len(singles),
        "hits": hits,
        "hit_share": _share(hits, len(singles)),
        "hit_share_random_ties": round(expected / len(singles), 3) if singles else 0.0,
        "chance": _chance(singles),
    }


# --- the two models -------------------------------------------------------------------------------------------------

def surface_vectors(options: Sequence[OptionCues]) -> list[list[float]]:
    """The surface model's inputs for the options of one item.

    Each binary feature; whether the option is the only one in its item with it, or the only one without it;
    relative length (z), length rank (longest, 2nd, 3rd, 4th+), shortest; stem echo and its lead over the item's
    other options.
    """
    n = len(options)
    rows = []
    for o in options:
        row: list[float] = []
        for name in FEATURE_NAMES:
            count = sum(1 for p in options if p.cues[name])
            has = o.cues[name]
            row += [float(has), float(has and count == 1), float(not has and count == n - 1)]
        shortest = min(p.length for p in options)
        best_other_echo = max((p.echo for p in options if p is not o), default=0.0)
        row += [o.length_z, float(o.length_rank == 1), float(o.length_rank == 2), float(o.length_rank == 3),
                float(o.length_rank >= 4), float(o.length == shortest), o.echo, o.echo - best_other_echo]
        rows.append(row)
    return rows


def fold_of(items: Sequence[Item], folds: int = FOLDS, seed: int = SEED) -> dict[str, int]:
    """Fixed folds by item: ids sorted, shuffled with `seed`, dealt round-robin; an item's options stay together."""
    ids = sorted(i.id for i in items)
    random.Random(seed).shuffle(ids)
    return {item_id: n % folds for n, item_id in enumerate(ids)}


def _require_sklearn() -> None:
    try:
        import numpy  # noqa: F401
        import sklearn  # noqa: F401
    except ImportError as e:
        raise AuditUnavailable(INSTALL_HINT) from e


def model_hits(items: Sequence[Item], kind: str, *, folds: int = FOLDS, seed: int = SEED,
               top: int = TOP) -> dict[str, Any]:
    """Cross-validated by item: how often a model on `kind` ("surface" or "words") ranks the key first.

    For each fold a logistic regression is fitted on the options of the other folds' items (for "words", the
    TF-IDF vocabulary too) and scores the held-out options; an item's prediction is its highest-scoring option
    (ties: the first in authored order). The margin is the key's score minus the best distractor's.
    """
    _require_sklearn()
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    singles = [i for i in items if len(i.keys) == 1]
    result: dict[str, Any] = {"items": len(singles), "chance": _chance(singles), "folds": 0, "hits": 0,
                              "hit_share": None, "easiest": []}
    if len(singles) < 2:
        result["note"] = "fewer than 2 single-key items: nothing to cross-validate"
        return result
    k = min(folds, len(singles))
    fold = fold_of(singles, k, seed)
    per_item = [item_options(i) for i in singles]
    rows: list[Any] = []
    if kind == "surface":
        rows = [v for options in per_item for v in surface_vectors(options)]
    elif kind == "words":
        rows = [o.text for options in per_item for o in options]
    else:
        raise ValueError(f"unknown model kind {kind!r}")
    labels = np.array([int(o.correct) for options in per_item for o in options])
    groups = np.array([fold[o.item_id] for options in per_item for o in options])
    scores = np.zeros(len(labels))
    for f in range(k):
        train, test = groups != f, groups == f
        if kind == "surface":
            model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000))
            x = np.array(rows, dtype=float)
            model.fit(x[train], labels[train])
            scores[test] = model.decision_function(x[test])
        else:
            texts = np.array(rows, dtype=object)
            model = make_pipeline(
                TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"[A-Za-z']+"),
                LogisticRegression(C=1.0, max_iter=2000),
            )
            model.fit(list(texts[train]), labels[train])
            scores[test] = model.decision_function(list(texts[test]))
    hits, margins, start = 0, [], 0
    for item, options in zip(singles, per_item, strict=True):
        s = scores[start:start + len(options)]
        start += len(options)
        key = next(o.position for o in options if o.correct)
        hits += int(np.argmax(s)) == key
        margins.append((round(float(s[key] - max(v for n, v in enumerate(s) if n != key)), 3), item.id))
    cracked = sorted((m for m in margins if m[0] > 0), key=lambda m: (-m[0], m[1]))[:top]
    result.update(folds=k, hits=hits, hit_share=_share(hits, len(singles)),
                  easiest=[{"id": item_id, "margin": margin} for margin, item_id in cracked])
    return result


# --- the whole audit ------------------------------------------------------------------------------------------------

def cue_audit(bank_or_items: Bank | Iterable[Item], *, folds: int = FOLDS, seed: int = SEED,
              top: int = TOP) -> dict[str, Any]:
    """Every figure of the audit as plain data; raises `AuditUnavailable` without numpy and scikit-learn."""
    _require_sklearn()
    root = bank_or_items.root if isinstance(bank_or_items, Bank) else ""
    items = list(bank_or_items.items if isinstance(bank_or_items, Bank) else bank_or_items)
    singles = audited_items(items, ItemType.SINGLE_CHOICE)
    multiples = audited_items(items, ItemType.MULTIPLE_RESPONSE)
    rates = feature_rates(singles)
    return {
        "bank": root,
        "scope": "reviewed single-choice items",
        "items": len(singles),
        "options": sum(len(i.choices) for i in singles),
        "chance": _chance(singles),
        "seed": seed,
        "folds": min(folds, len(singles)),
        "features": rates,
        "worst_features": [r["feature"] for r in sorted(rates, key=lambda r: -abs(r["difference_points"]))[:5]],
        "features_over_target": [r["feature"] for r in rates if abs(r["difference_points"]) > FEATURE_GAP_TARGET],
        "feature_gap_target_points": FEATURE_GAP_TARGET,
        "means": feature_means(singles),
        "key_length_rank": key_length_ranks(singles),
        "models": {
            "surface": model_hits(singles, "surface", folds=folds, seed=seed, top=top),
            "words": model_hits(singles, "words", folds=folds, seed=seed, top=top),
        },
        "rule": rule_hits(singles),
        "multiple_response": {
            "scope": "reviewed multiple-response items",
            "items": len(multiples),
            "features": feature_rates(multiples),
        },
    }


def cue_audit_or_reason(bank: Bank, **kwargs: Any) -> dict[str, Any]:
    """The audit, or `{"available": false, "reason": ...}` when numpy or scikit-learn is missing (for `stats`)."""
    try:
        return {"available": True} | cue_audit(bank, **kwargs)
    except AuditUnavailable as e:
        return {"available": False, "reason": str(e)}


def format_audit(data: dict[str, Any]) -> str:
    """The text report: feature table, length ranks, the models and the rule, the easiest items."""
    n, chance = data["items"], data["chance"]
    lines = [f"Cue audit: {data['bank']}" if data["bank"] else "Cue audit",
             f"Headline figures: {n} {data['scope']} ({data['options']} options); chance {chance:.0%}.", ""]
    lines += _rate_table(data["features"], data["feature_gap_target_points"])
    means = data["means"]
    lines.append(f"  {'mean relative length (z in item)':<58} {_num(means['length_z']['keys']):>6} "
                 f"{_num(means['length_z']['distractors']):>11}")
    lines.append(f"  {'mean stem echo (share of words in the stem)':<58} {_num(means['stem_echo']['keys']):>6} "
                 f"{_num(means['stem_echo']['distractors']):>11}")
    lines.append(f"  ! = keys and distractors differ by more than {data['feature_gap_target_points']:g} points")
    ranks = data["key_length_rank"]
    lines.append("")
    lines.append(f"Key length rank ({ranks['items']} items; chance 25% each with 4 options): " + ", ".join(
        f"{k} {ranks['counts'][k]} ({ranks['shares'][k]:.0%})" for k in ranks["counts"]))
    lines.append("")
    lines.append(f"Who finds the key without knowing the content (cross-validated by item, {data['folds']} folds, "
                 f"seed {data['seed']}; aim: near chance, and at most 35% for a model, 30% for the rule):")
    names = {"surface": "surface model (logistic regression on the features above)",
             "words": "words model (logistic regression on the options' words, TF-IDF)"}
    for kind, model in data["models"].items():
        share = "n/a" if model["hit_share"] is None else f"{model['hit_share']:.0%}"
        lines.append(f"  {names[kind]:<66} {share:>4} ({model['hits']}/{model['items']}), "
                     f"chance {model['chance']:.0%}")
    rule = data["rule"]
    lines.append(f"  {'three-step rule':<66} {rule['hit_share']:>4.0%} ({rule['hits']}/{rule['items']}); "
                 f"{rule['hit_share_random_ties']:.0%} guessing among ties")
    lines += textwrap.wrap(rule["description"], 116, initial_indent="    rule: ", subsequent_indent="      ")
    for kind, model in data["models"].items():
        lines.append("")
        lines.append(f"Easiest to crack, {kind} model (key's score minus the best distractor's):")
        if not model["easiest"]:
            lines.append("  none")
        for row in model["easiest"]:
            lines.append(f"  {row['id']:<24} {row['margin']:>7.2f}")
    mr = data["multiple_response"]
    lines.append("")
    lines.append(f"Multiple-response items ({mr['items']} {mr['scope']}): keys vs distractors")
    lines += _rate_table(mr["features"], data["feature_gap_target_points"])
    lines.append(f"  ! = keys and distractors differ by more than {data['feature_gap_target_points']:g} points")
    return "\n".join(lines)


def _rate_table(rows: list[dict[str, Any]], target: float) -> list[str]:
    lines = [f"  {'feature':<58} {'keys':>6} {'distractors':>11} {'difference':>11}"]
    for r in rows:
        flag = "  !" if abs(r["difference_points"]) > target else ""
        lines.append(f"  {r['label']:<58} {r['key_rate']:>6.0%} {r['distractor_rate']:>11.0%} "
                     f"{round(r['difference_points']) or 0:>+8d} pts{flag}")
    return lines


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _chance(items: Sequence[Item]) -> float:
    return round(statistics.fmean(1 / len(i.choices) for i in items), 3) if items else 0.0


def _share(n: int, total: int) -> float:
    return round(n / total, 3) if total else 0.0
