"""One identity per name: a first name stands for one person in one item, or in one scenario set.

When "Grace" is a peer specialist in one item and a guest in another, a learner who meets both on a form carries
the first person into the second. The lint check here finds first names used for people in more than one place.

People are found by a heuristic, applied to the plain text of scenario texts and of every item's stem, options,
rationales, feedback and grader notes:

1. a capitalised word introduced as a person: with an age (`Priya, 31,`, `Priya (31)`, `Kofi is 34`); with a role
   word after it (`Luis is a Certified Peer Specialist`, `Lena, a peer specialist`) or before it (`peer specialist
   Omar`, `her cousin Amina`, `his peer specialist, Jenna,`); `a member named Chen`; `another person she supports,
   Linh,`; before a verb of speech or feeling (`Courtney says`, `Ezra wants`); after `supports`, `meets with` or
   `saw`; after a title (`Mr. Okafor`);
2. every other appearance, in any text, of a name found that way (so `her friend Dmitri` in one item and
   `Dmitri is halfway through` in another are the same name);
3. names in `ALWAYS_PEOPLE` count even without an introduction; words in `NEVER_PEOPLE` (months, weekdays, places,
   programmes, faiths, languages) and words in capitals (acronyms) never do.

A scenario set (a scenario and the items that name it) is one place: its items may share their people. Any other
item is a place of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from item_bank.markup import to_plain_text
from item_bank.model import Bank, Item
from item_bank.problems import Problem

# A first name: a capital and at least one small letter, optionally hyphenated (Hyun-woo, Mei-Ling).
_NAME = r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ]+(?:-[A-Za-zÀ-ÖØ-öø-ÿ][a-zß-öø-ÿ]+)?"
_ROLE = (r"(?:(?:certified\s+)?peer\s+(?:specialist|worker|support\s+worker|mentor|supporter)|member|guest|resident"
         r"|caller|client|patient|participant|nurse|(?:case\s+)?manager|supervisor|co-?worker|colleague|volunteer"
         r"|clinician|therapist|counsell?or|doctor|prescriber|psychiatrist|sponsor|trainer|trainee|landlord|landlady"
         r"|officer|pastor|friend|neighbou?r|partner|husband|wife|son|daughter|mother|father|mom|dad|brother"
         r"|sister|cousin|aunt|uncle|niece|nephew|grandson|granddaughter|grandmother|grandfather|boss|teacher"
         r"|student|roommate|housemate|(?:team\s+)?leader|director|worker|specialist|advocate)")
_DET = r"(?:a|an|the|his|her|their|my|your|our)"
_INTRODUCTIONS = [
    re.compile(rf"(?<![\w-])(?P<name>{_NAME})(?:,|\s+is|\s+was)\s+(?:aged\s+)?\d{{1,3}}\b"),  # Priya, 31, / Kofi is 34
    re.compile(rf"(?<![\w-])(?P<name>{_NAME})\s+\(\s*(?:aged\s+)?\d{{1,3}}\s*\)"),  # Priya (31)
    re.compile(rf"(?<![\w-])(?P<name>{_NAME}),?\s+(?:is|was|works\s+as|worked\s+as|has\s+worked\s+as)\s+{_DET}\s+"
               rf"(?:[\w-]+\s+){{0,2}}?{_ROLE}\b", re.IGNORECASE),  # Luis is a Certified Peer Specialist
    re.compile(rf"(?<![\w-])(?P<name>{_NAME}),\s+{_DET}\s+(?:[\w-]+\s+){{0,2}}?{_ROLE}\b", re.IGNORECASE),
    # peer specialist Omar; his peer specialist, Jenna, ... (not "Family Partner, Young Adult Peer Mentor")
    re.compile(rf"\b{_ROLE}(?:\s+(?P<name>{_NAME})(?![\w-])|,\s+(?P<listed>{_NAME}),)", re.IGNORECASE),
    re.compile(rf"\b(?:named|called)\s+(?P<name>{_NAME})(?![\w-])"),  # a member named Chen
    # another person she supports, Linh, ...
    re.compile(rf"\b(?:person|man|woman|member|guest|resident)\b[^.,;:]{{0,30}},\s+(?P<name>{_NAME}),"),
    # Courtney says ... (verbs of speech and feeling, which take a person as subject)
    re.compile(rf"(?<![\w-])(?P<name>{_NAME})\s+(?:says|said|asks|asked|tells|told|replies|replied|feels|felt|wants"
               rf"|wanted|hopes|thinks|worries|agrees)\b"),
    # she supports Paulo; I saw Bao
    re.compile(rf"\b(?:supports|supported|saw|sees|meets\s+with|met\s+with)\s+(?P<name>{_NAME})(?![\w-])"),
    re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+(?P<name>{_NAME})(?![\w-])"),  # Mr. Okafor
]
# Names that count as people wherever they appear, even without an introduction (extend when the bank needs it).
ALWAYS_PEOPLE: frozenset[str] = frozenset()
NEVER_PEOPLE = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday Sundays Fridays Christmas Easter Ramadan "
    "Massachusetts Boston Springfield Worcester Lowell Lawrence Brockton Somerville Cambridge Quincy Lynn "
    "Somalia Haiti Vietnam America American English Spanish Portuguese Somali Haitian Creole Arabic "
    "Baptist Buddhist Catholic Christian Muslim Jewish Hindu God Bible Quran Allah "
    "Facebook Instagram Zoom Medicaid Medicare MassHealth Kiva Transformation Center Centers Centre Recovery Peer "
    "Certified Specialist Specialists Department Commission Services Program Programme Part Rule Law Code State "
    "Federal Court Human Rights Officer Privacy Protective Intentional Support Wellness Action Plan Smart Naloxone "
    "Narcan Alcoholics Anonymous Narcotics Twelve Step Yes No Ok Okay Thanks "
    # titles, pronouns and other words that open sentences
    "Mr Mrs Ms Miss Dr She He They It We You His Her Hers Him Them Their Its Our This That These Those There Then "
    "When What Which Who Whom Whose Why How Each Every Everyone Someone Somebody Nobody Anyone One Some Both All Any "
    "Another Other Later Today Tonight Yesterday Tomorrow Now Here Online Also Still Lately Instead Meanwhile After "
    "Before During Since While Because If As At In On Of For With By From To And But Or So Yet The Staff".split()
)


@dataclass(frozen=True)
class Place:
    """Where a name is used: an item on its own, or a scenario set (the first text in it that uses the name)."""

    key: str
    label: str
    file: str
    line: int
    item_id: str


def people_introduced(text: str) -> set[str]:
    """Capitalised words that `text` introduces as people (step 1 of the heuristic)."""
    found = set()
    for pattern in _INTRODUCTIONS:
        for m in pattern.finditer(text):
            name = m.group("name") or m.groupdict().get("listed") or ""  # patterns that ignore case may match a
            # small word here, so the name must still be capitalised
            if re.fullmatch(_NAME, name) and name not in NEVER_PEOPLE:
                found.add(name)
    return found


def name_clashes(bank: Bank) -> list[Problem]:
    """An error for each place that uses a first name already used for a person in another place."""
    texts = list(_texts(bank))
    names = set(ALWAYS_PEOPLE)
    for _, text in texts:
        names |= people_introduced(text)
    if not names:
        return []
    word = re.compile(r"(?<![\w-])(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True))
                      + r")(?![\w-])")
    places: dict[str, dict[str, Place]] = {}
    for place, text in texts:
        for m in word.finditer(text):
            places.setdefault(m.group(1), {}).setdefault(place.key, place)
    out = []
    for name, where in sorted(places.items()):
        if len(where) < 2:
            continue
        first, *others = sorted(where.values(), key=lambda p: (p.file, p.line))
        for place in others:
            out.append(Problem(
                place.file, place.line, "names",
                f"{name!r} is already a person in {first.label} ({first.file}:{first.line}); give this person another "
                f"name, so that each first name belongs to one item or one scenario set", "error", place.item_id))
    return out


def _texts(bank: Bank) -> Iterator[tuple[Place, str]]:
    for sc in bank.scenarios.values():
        yield Place(f"scenario:{sc.id}", f"scenario {sc.id}", sc.file, sc.line, sc.id), to_plain_text(sc.text)
    for item in bank.items:
        key = f"scenario:{item.scenario}" if item.scenario else f"item:{item.id}"
        label = f"{item.id} (scenario {item.scenario})" if item.scenario else item.id
        place = Place(key, label, item.file, item.line, item.id)
        for text in _item_texts(item):
            yield place, to_plain_text(text)


def _item_texts(item: Item) -> Iterator[str]:
    yield item.stem
    for c in item.choices:
        yield c.text
        yield c.rationale
    yield item.feedback
    if item.grader_notes:
        yield item.grader_notes
