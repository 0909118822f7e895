"""QTI 2.1 / 3.0 item documents: the scoring model in QTI terms, and each item written from a template of its shape.

Scoring comes from `item_bank.scoring` and nowhere else:
- single choice, true/false, all-or-nothing multiple response: `match` against the correct response (the keys)
  gives the item's points, anything else 0;
- partial multiple response: `mapResponse` with `choice_weights` (+1/k for a key, -1/k for a distractor),
  lowerBound 0, upperBound 1, times the points;
- essays: no response processing for SCORE (QTI 3 also marks it `external-scored="human"`), with the rubric
  and grader notes in a `rubricBlock view="scorer"`.
An empty response scores 0 (the response processing tests `isNull` first).

Identifiers: the item's (see `exporters.qti_common`); choice `choice_<choice id>`; general feedback `GENERAL`;
feedback outcomes `FEEDBACK` (multiple) holds the chosen options' identifiers, set from `RESPONSE` alone, and
`FEEDBACK_GENERAL` holds `GENERAL` after every answer. No `multiple` ever nests a variable: a player that keeps a
nested container as one joined string (qti-components does) would show no option's feedback for two choices.
Scenario text: a `div` with `id="scenario-<scenario id>"` and class `cps-scenario` before the stem `div` (class
`cps-stem`).

Why templates: items that are scored alike, have the same choice ids, a scenario or not, the same rubric, share
everything but their identifiers and texts (declarations, response processing, interaction, feedback shells: most
of each document). `ItemWriter` builds that shape once with lxml, with slots for the texts, serializes it once
(`exporters.xml_template`), and writes each item as the template filled with its values: the same bytes as
building and serializing the item's tree, without doing it 50,000 times.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from fractions import Fraction

from lxml import etree

from exporters.qti_dialect import Builder, Dialect
from exporters.qti_markup import markup_bytes
from exporters.xml_template import Template, slot
from item_bank.model import Bank, Item, ItemType, Rubric, ScoringRule
from item_bank.scoring import all_or_nothing, choice_weights, effective_rule

GENERAL_FEEDBACK = "GENERAL"
CHOSEN_OUTCOME = "FEEDBACK"  # the chosen options' identifiers: each option's modalFeedback shows when it is chosen
GENERAL_OUTCOME = "FEEDBACK_GENERAL"  # GENERAL after every answer: the general modalFeedback


def choice_identifier(choice_id: str) -> str:
    return f"choice_{choice_id}"


def item_identifier(item: Item, rule: ScoringRule) -> str:
    """The bank id, or a variant id when a form scores this item under a rule other than its default."""
    if item.type is not ItemType.MULTIPLE_RESPONSE or rule is effective_rule(item):
        return item.id
    return f"{item.id}--{rule.value}"


def decimal(value: Fraction | float | int) -> str:
    """A number as QTI writes it: integers without a point, others with the shortest exact float repr."""
    f = Fraction(value)
    return str(f.numerator) if f.denominator == 1 else repr(float(f))


# -- the scoring model --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Scoring:
    """How an item is scored in QTI terms, derived from `item_bank.scoring` only."""

    kind: str  # "match" | "map" | "human"
    cardinality: str  # "single" | "multiple"
    points: Fraction
    keys: tuple[str, ...]  # choice identifiers, in the bank's order
    mapping: tuple[tuple[str, Fraction], ...] = ()


def scoring_for(item: Item, rule: ScoringRule) -> Scoring:
    points = Fraction(item.points).limit_denominator(1000)
    if item.type is ItemType.EXTENDED_TEXT:
        return Scoring("human", "single", points, ())
    cardinality = "multiple" if item.type is ItemType.MULTIPLE_RESPONSE else "single"
    keys = tuple(choice_identifier(c.id) for c in item.keys)
    if all_or_nothing(item, rule):
        return Scoring("match", cardinality, points, keys)
    weights = choice_weights(item, rule)
    mapping = tuple((choice_identifier(c.id), weights[c.id]) for c in item.choices)
    return Scoring("map", cardinality, points, keys, mapping)


# -- the shape of an item document --------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemShape:
    """Everything that fixes an item document's bytes but its slots: identifier, title and the texts."""

    scoring: Scoring
    scenario: bool
    rubric: Rubric | None  # an essay's rubric, listed in the scorer's block
    choices: tuple[tuple[str, bool], ...]  # (choice id, has a rationale)
    feedback: bool
    shuffle: bool


def shape_key(item: Item, rule: ScoringRule) -> Hashable:
    """What `ItemShape` is made of, read cheaply from the item: equal keys give equal shapes (the rule as scoring
    applies it: an item's own rule wins over the form's)."""
    return (item.type, item.points, item.scoring_rule or rule, item.scenario is not None, item.rubric,
            bool(item.feedback), tuple([(c.id, c.correct, bool(c.rationale)) for c in item.choices]))


def item_skeleton(b: Builder, shape: ItemShape) -> etree._Element:
    """The item document of `shape`, its values left as slots: `identifier`, `title`, `scenario-id`,
    `scenario-title`, `scenario-text`, `stem`, `grader-notes`, `choice-<n>`, `rationale-<n>`, `feedback`."""
    s = shape.scoring
    root = b.root("assessmentItem", identifier=slot("identifier"), title=slot("title"), adaptive="false",
                  timeDependent="false")
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    _declarations(b, root, s)
    body = b.el(root, "itemBody")
    if shape.scenario:
        box = b.el(body, "div", id=slot("scenario-id"))
        box.set("class", "cps-scenario")
        b.el(b.el(box, "p"), "strong", slot("scenario-title"))
        box[-1].tail = slot("scenario-text")
    b.el(body, "div", slot("stem")).set("class", "cps-stem")
    if s.kind == "human":
        b.el(body, "extendedTextInteraction", responseIdentifier="RESPONSE", expectedLines="12")
        _rubric_block(b, body, shape.rubric)
    else:
        interaction = b.el(body, "choiceInteraction", responseIdentifier="RESPONSE",
                           shuffle="true" if shape.shuffle else "false",
                           maxChoices="1" if s.cardinality == "single" else str(len(shape.choices)))
        if s.cardinality == "multiple":
            interaction.set(b.d.attr("minChoices"), "0")
        for n, (cid, _) in enumerate(shape.choices):
            b.el(interaction, "simpleChoice", slot(f"choice-{n}"), identifier=choice_identifier(cid))
    _response_processing(b, root, s)
    for n, (cid, has_rationale) in enumerate(shape.choices):
        if has_rationale:
            _modal_feedback(b, root, CHOSEN_OUTCOME, choice_identifier(cid), f"rationale-{n}")
    if shape.feedback:
        _modal_feedback(b, root, GENERAL_OUTCOME, GENERAL_FEEDBACK, "feedback")
    return root


def _declarations(b: Builder, root: etree._Element, s: Scoring) -> None:
    base_type = "string" if s.kind == "human" else "identifier"
    response = b.el(root, "responseDeclaration", identifier="RESPONSE", cardinality=s.cardinality,
                    baseType=base_type)
    if s.keys:
        correct = b.el(response, "correctResponse")
        for key in s.keys:
            b.el(correct, "value", key)
    if s.kind == "map":
        mapping = b.el(response, "mapping", lowerBound="0", upperBound="1", defaultValue="0")
        for key, weight in s.mapping:
            b.el(mapping, "mapEntry", mapKey=key, mappedValue=decimal(weight))
    score = b.el(root, "outcomeDeclaration", identifier="SCORE", cardinality="single", baseType="float",
                 normalMaximum=decimal(s.points))
    if s.kind == "human" and b.d.external_scored:
        score.set(b.d.attr("externalScored"), "human")
    b.el(b.el(score, "defaultValue"), "value", "0")
    maxscore = b.el(root, "outcomeDeclaration", identifier="MAXSCORE", cardinality="single", baseType="float")
    b.el(b.el(maxscore, "defaultValue"), "value", decimal(s.points))
    if s.kind != "human":
        b.el(root, "outcomeDeclaration", identifier=CHOSEN_OUTCOME, cardinality="multiple", baseType="identifier")
    b.el(root, "outcomeDeclaration", identifier=GENERAL_OUTCOME, cardinality="single", baseType="identifier")


def _set_score(b: Builder, parent: etree._Element, value: etree._Element | str) -> None:
    target = b.el(parent, "setOutcomeValue", identifier="SCORE")
    if isinstance(value, str):
        b.el(target, "baseValue", value, baseType="float")
    else:
        target.append(value)


def _response_processing(b: Builder, root: etree._Element, s: Scoring) -> None:
    rp = b.el(root, "responseProcessing")
    if s.kind != "human":
        condition = b.el(rp, "responseCondition")
        first = b.el(condition, "responseIf")
        if s.kind == "match":
            match = b.el(first, "match")
            b.el(match, "variable", identifier="RESPONSE")
            b.el(match, "correct", identifier="RESPONSE")
            _set_score(b, first, decimal(s.points))
        else:
            b.el(b.el(first, "isNull"), "variable", identifier="RESPONSE")
            _set_score(b, first, "0")
        otherwise = b.el(condition, "responseElse")
        if s.kind == "match":
            _set_score(b, otherwise, "0")
        else:
            product = b.el(None, "product")
            b.el(product, "mapResponse", identifier="RESPONSE")
            b.el(product, "baseValue", decimal(s.points), baseType="float")
            _set_score(b, otherwise, product)
    b.el(b.el(rp, "setOutcomeValue", identifier=GENERAL_OUTCOME), "baseValue", GENERAL_FEEDBACK,
         baseType="identifier")
    if s.kind != "human":
        when_answered = b.el(b.el(rp, "responseCondition"), "responseIf")
        b.el(b.el(b.el(when_answered, "not"), "isNull"), "variable", identifier="RESPONSE")
        set_chosen = b.el(when_answered, "setOutcomeValue", identifier=CHOSEN_OUTCOME)
        # the response itself when it is already a container; a single choice goes into one
        holder = set_chosen if s.cardinality == "multiple" else b.el(set_chosen, "multiple")
        b.el(holder, "variable", identifier="RESPONSE")


def _modal_feedback(b: Builder, root: etree._Element, outcome: str, identifier: str, name: str) -> None:
    """A `modalFeedback` (with QTI 3's content body) whose content is the slot `name`."""
    feedback = b.el(root, "modalFeedback", outcomeIdentifier=outcome, identifier=identifier, showHide="show")
    b.content(feedback).text = slot(name)


def _rubric_block(b: Builder, body: etree._Element, rubric: Rubric | None) -> None:
    content = b.content(b.el(body, "rubricBlock", view="scorer"))
    content.text = slot("grader-notes")
    if rubric is None:
        return
    b.el(b.el(content, "p"), "strong", f"{rubric.title} (0-{rubric.levels} per dimension)")
    listing = b.el(content, "ul")
    for dim in rubric.dimensions:
        li = b.el(listing, "li")
        b.el(li, "strong", dim.title)
        li[-1].tail = f": {dim.full_credit}"


# -- writing items --------------------------------------------------------------------------------------------

class ItemWriter:
    """Writes the item documents of one export: `writer(item, rule, identifier, title)` -> the document's bytes.

    Templates are kept per shape (at most `LIMIT`, the oldest dropped first), and each scenario's text is
    rendered once, however many items share the scenario.
    """

    LIMIT = 1024

    def __init__(self, dialect: Dialect, bank: Bank, shuffle: bool) -> None:
        self.builder = Builder(dialect)
        self.bank = bank
        self.shuffle = shuffle
        self._templates: dict[Hashable, Template] = {}
        self._scenarios: dict[str, dict[str, str | bytes]] = {}

    def __call__(self, item: Item, rule: ScoringRule, identifier: str, title: str, stem_html: str | None = None
                 ) -> bytes:
        """The document of `item` scored under `rule`; `stem_html` is `to_html(item.stem)` when already known."""
        key = shape_key(item, rule)
        template = self._templates.get(key)
        if template is None:
            template = self._template(key, item, rule)
        values: dict[str, str | bytes] = {"identifier": identifier, "title": title,
                                          "stem": markup_bytes(item.stem, html=stem_html)}
        if item.scenario is not None:
            values.update(self._scenario(item.scenario))
        if item.type is ItemType.EXTENDED_TEXT:
            values["grader-notes"] = markup_bytes(item.grader_notes or "")
        for n, choice in enumerate(item.choices):
            values[f"choice-{n}"] = markup_bytes(choice.text, inline=True)
            if choice.rationale:
                values[f"rationale-{n}"] = markup_bytes(choice.rationale)
        if item.feedback:
            values["feedback"] = markup_bytes(item.feedback)
        return template.fill(values)

    def shape(self, item: Item, rule: ScoringRule) -> ItemShape:
        """The shape of `item`'s document under `rule` (what `shape_key` stands for)."""
        rubric = self.bank.blueprint.rubrics.get(item.rubric or "") if item.type is ItemType.EXTENDED_TEXT else None
        return ItemShape(scoring_for(item, rule), item.scenario is not None, rubric,
                         tuple((c.id, bool(c.rationale)) for c in item.choices), bool(item.feedback), self.shuffle)

    def _template(self, key: Hashable, item: Item, rule: ScoringRule) -> Template:
        if len(self._templates) >= self.LIMIT:
            del self._templates[next(iter(self._templates))]
        skeleton = item_skeleton(self.builder, self.shape(item, rule))
        template = self._templates[key] = Template(skeleton, xml_declaration=True)
        return template

    def _scenario(self, scenario_id: str) -> dict[str, str | bytes]:
        values = self._scenarios.get(scenario_id)
        if values is None:
            scenario = self.bank.scenarios[scenario_id]
            values = self._scenarios[scenario_id] = {"scenario-id": f"scenario-{scenario.id}",
                                                     "scenario-title": scenario.title,
                                                     "scenario-text": markup_bytes(scenario.text)}
        return values
