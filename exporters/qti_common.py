"""What QTI 2.1 and QTI 3.0 packages share: identifiers, the scoring model, the item / test / manifest builders.

The two versions differ in spelling, not in logic (`assessmentItem` / `qti-assessment-item`, `maxChoices` /
`max-choices`, a `qti-content-body` wrapper in QTI 3 feedback and rubric blocks, namespaces and resource types).
So the trees are built once here, from a `Dialect` that says how to spell them; `qti21` and `qti30` only define
their dialect.

Scoring comes from `item_bank.scoring` and nowhere else:
- single choice, true/false, all-or-nothing multiple response: `match` against the correct response (the keys)
  gives the item's points, anything else 0;
- partial multiple response: `mapResponse` with `choice_weights` (+1/k for a key, -1/k for a distractor),
  lowerBound 0, upperBound 1, times the points;
- essays: no response processing for SCORE (QTI 3 also marks it `external-scored="human"`), with the rubric
  and grader notes in a `rubricBlock view="scorer"`.
An empty response scores 0 (the response processing tests `isNull` first).

Identifiers, stable across exports (see the importer for the reverse mapping):
- item: the bank id (`cps-s-d1-001`); an item that a form scores under another multiple-response rule than its
  own gets a variant `<id>--all_or_nothing` / `<id>--partial`;
- choice: `choice_<choice id>`; general feedback: `GENERAL`;
- feedback outcomes: `FEEDBACK` (multiple) holds the chosen options' identifiers, set from `RESPONSE` alone, and
  `FEEDBACK_GENERAL` holds `GENERAL` after every answer. No `multiple` ever nests a variable: a player that keeps
  a nested container as one joined string (qti-components does) would show no option's feedback for two choices;
- manifest resources: `res-item-<item identifier>`, `res-test-<form id>`;
- scenario text: a `div` with `id="scenario-<scenario id>"` and class `cps-scenario` before the stem `div`
  (class `cps-stem`).

Metadata per item resource (LOM and QTI metadata): see `exporters.qti_metadata`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import lxml.html
from lxml import etree

from exporters.base import DRAFT_LABEL, ExportSelection, Progress, is_draft
from exporters.packaging import ManifestResource, PackageWriter, write_resource
from exporters.qti_metadata import LOM, ItemMetadata, bank_lom
from exporters.rich_text import is_plain, plain_text
from item_bank.markup import to_html, to_inline_html
from item_bank.model import Bank, Form, Item, ItemType, ScoringRule
from item_bank.scoring import all_or_nothing, choice_weights, effective_rule

XSI = "http://www.w3.org/2001/XMLSchema-instance"
GENERAL_FEEDBACK = "GENERAL"
CHOSEN_OUTCOME = "FEEDBACK"  # the chosen options' identifiers: each option's modalFeedback shows when it is chosen
GENERAL_OUTCOME = "FEEDBACK_GENERAL"  # GENERAL after every answer: the general modalFeedback
TITLE_WORDS = 80


# -- identifiers ---------------------------------------------------------------------------------------------

def choice_identifier(choice_id: str) -> str:
    return f"choice_{choice_id}"


def item_identifier(item: Item, rule: ScoringRule) -> str:
    """The bank id, or a variant id when a form scores this item under a rule other than its default."""
    if item.type is not ItemType.MULTIPLE_RESPONSE or rule is effective_rule(item):
        return item.id
    return f"{item.id}--{rule.value}"


def item_resource_id(identifier: str) -> str:
    return f"res-item-{identifier}"


def test_resource_id(form_id: str) -> str:
    return f"res-test-{form_id}"


def item_href(identifier: str) -> str:
    return f"items/{identifier}.xml"


def test_href(form_id: str) -> str:
    return f"tests/{form_id}.xml"


def decimal(value: Fraction | float | int) -> str:
    """A number as QTI writes it: integers without a point, others with the shortest exact float repr."""
    f = Fraction(value)
    return str(f.numerator) if f.denominator == 1 else repr(float(f))


# -- the dialect --------------------------------------------------------------------------------------------

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
HTML_TAGS = frozenset({"p", "div", "span", "strong", "em", "br", "ul", "ol", "li", "blockquote", "code", "a",
                       "h2", "h3", "dl", "dt", "dd"})
HTML_ATTRIBUTES = {"a": ("href",)}


@dataclass(frozen=True)
class Dialect:
    """How one QTI version spells the shared trees."""

    version: str
    ns: str
    item_schema_location: str
    manifest_ns: str
    manifest_schema_location: str
    metadata_ns: str
    package_schema: str
    package_schema_version: str
    item_resource_type: str
    test_resource_type: str
    kebab: bool
    content_body: bool
    external_scored: bool  # QTI 2.2+ marks human-scored outcomes; 2.1 has no such attribute

    def tag(self, name: str) -> str:
        """`assessmentItem` -> `{ns}assessmentItem` (2.1) or `{ns}qti-assessment-item` (3.0); HTML unchanged."""
        if self.kebab and name not in HTML_TAGS:
            name = "qti-" + _CAMEL.sub("-", name).lower()
        return f"{{{self.ns}}}{name}"

    def attr(self, name: str) -> str:
        return _CAMEL.sub("-", name).lower() if self.kebab else name


class Builder:
    """Small helpers to write QTI trees in a dialect with camelCase names."""

    def __init__(self, dialect: Dialect) -> None:
        self.d = dialect
        self._tags: dict[str, str] = {}
        self._attrs: dict[str, str] = {}
        self._parts: dict[Hashable, list[etree._Element]] = {}
        self._kebab = dialect.kebab

    def el(self, parent: etree._Element | None, name: str, text: str | None = None, **attrs: str
           ) -> etree._Element:
        tag = self._tags.get(name)
        if tag is None:
            tag = self._tags[name] = self.d.tag(name)
        if self._kebab and attrs:
            attrs = {self._attr(k): v for k, v in attrs.items()}
        node = etree.SubElement(parent, tag, attrs) if parent is not None else etree.Element(tag, attrs)
        if text is not None:
            node.text = text
        return node

    def _attr(self, name: str) -> str:
        return self._attrs.get(name) or self._attrs.setdefault(name, self.d.attr(name))

    def root(self, name: str, **attrs: str) -> etree._Element:
        node = etree.Element(self.d.tag(name), nsmap={None: self.d.ns, "xsi": XSI})
        node.set(f"{{{XSI}}}schemaLocation", f"{self.d.ns} {self.d.item_schema_location}")
        for k, v in attrs.items():
            node.set(self.d.attr(k), v)
        return node

    def fresh(self, key: Hashable, build: Callable[[], etree._Element]) -> etree._Element:
        """A fresh copy of the skeleton `build()` returns, built once per `key` and Builder.

        Many items share whole subtrees (the same scoring gives the same declarations and response processing,
        the same choice id the same `simpleChoice` and `modalFeedback` shells): copying a finished subtree in
        lxml costs a fraction of building it call by call. The caller fills in what differs.
        """
        skeleton = self._parts.get(key)
        if skeleton is None:
            skeleton = self._parts[key] = build()
        return skeleton.__copy__()  # an lxml element copies its whole subtree

    def copy_of(self, parent: etree._Element, key: Hashable, build: Callable[[etree._Element], etree._Element]
                ) -> etree._Element:
        """Append and return a fresh copy of the element `build` writes into a parent (see `fresh`)."""
        fresh = self.fresh(key, lambda: build(etree.Element(parent.tag, nsmap=parent.nsmap)))
        parent.append(fresh)
        return fresh

    def content(self, parent: etree._Element) -> etree._Element:
        """Where flow content goes inside modal feedback and rubric blocks (QTI 3 wraps it)."""
        return self.el(parent, "contentBody") if self.d.content_body else parent

    def rich(self, parent: etree._Element, text: str, inline: bool = False, html: str | None = None) -> None:
        """Append the bank's Markdown `text` (or its HTML, when already rendered) as QTI XHTML inside `parent`."""
        append_markup(parent, text, self.d.ns, inline, html)


# -- rich text ----------------------------------------------------------------------------------------------

def append_markup(parent: etree._Element, text: str, ns: str, inline: bool = False, html: str | None = None
                  ) -> None:
    """Render Markdown through `item_bank.markup` and copy the HTML into `parent` in the namespace `ns`.

    Plain text (`exporters.rich_text.is_plain`: nothing Markdown would change) skips the renderer: it is the bulk
    of a bank and the result is the same, `<p>text</p>` or the bare text inline. `html`, when given, is
    `to_html(text)` rendered earlier.
    """
    if html is None:
        if is_plain(text):
            if inline:
                _append_text(parent, text)
            else:
                etree.SubElement(parent, f"{{{ns}}}p").text = text
            return
        html = to_inline_html(text) if inline else to_html(text)
    fragment = lxml.html.fragment_fromstring(html, create_parent="div")
    _append_text(parent, fragment.text)
    for child in fragment:
        _copy_html(child, parent, ns)


def _append_text(parent: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _copy_html(node: etree._Element, parent: etree._Element, ns: str) -> None:
    if not isinstance(node.tag, str):
        _append_text(parent, node.tail)
        return
    allowed = HTML_ATTRIBUTES.get(node.tag, ())
    attrs = {k: v for k, v in node.attrib.items() if k in allowed}
    copy = etree.SubElement(parent, f"{{{ns}}}{node.tag}", attrs)
    copy.text = node.text
    for child in node:
        _copy_html(child, copy, ns)
    copy.tail = node.tail


def plain_title(item: Item) -> str:
    """The item id and the start of its stem, for LMS item lists; a draft (exported only when asked) says so."""
    words = plain_text(item.stem)
    excerpt = words if len(words) <= TITLE_WORDS else words[: TITLE_WORDS - 1].rstrip() + "…"
    draft = f" ({DRAFT_LABEL})" if is_draft(item) else ""
    return f"{item.id}{draft}: {excerpt}"


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


# -- items --------------------------------------------------------------------------------------------------

def build_item(b: Builder, bank: Bank, item: Item, rule: ScoringRule, shuffle: bool, title: str | None = None,
               stem_html: str | None = None) -> etree._Element:
    """One assessmentItem: declarations, body, response processing reproducing `item_bank.scoring`, feedback."""
    scoring = scoring_for(item, rule)
    identifier = item_identifier(item, rule)
    root = b.fresh(("assessmentItem", scoring), lambda: _item_skeleton(b, scoring))
    root.set("identifier", identifier)
    root.set("title", title or plain_title(item))
    body = root[-2]  # the skeleton ends with itemBody and responseProcessing; modal feedback follows
    stem = body[0]
    if item.scenario:
        scenario = bank.scenarios[item.scenario]
        box = b.el(body, "div", id=f"scenario-{scenario.id}")
        box.set("class", "cps-scenario")
        b.el(b.el(box, "p"), "strong", scenario.title)
        b.rich(box, scenario.text)
        stem.addprevious(box)
    b.rich(stem, item.stem, html=stem_html)
    if item.type is ItemType.EXTENDED_TEXT:
        b.el(body, "extendedTextInteraction", responseIdentifier="RESPONSE", expectedLines="12")
        _rubric_block(b, body, bank, item)
    else:
        max_choices = "1" if scoring.cardinality == "single" else str(len(item.choices))
        interaction = b.el(body, "choiceInteraction", responseIdentifier="RESPONSE",
                           shuffle="true" if shuffle else "false", maxChoices=max_choices)
        if scoring.cardinality == "multiple":
            interaction.set(b.d.attr("minChoices"), "0")
        for choice in item.choices:
            cid = choice.id
            simple = b.copy_of(interaction, ("simpleChoice", cid),
                               lambda holder, cid=cid: b.el(holder, "simpleChoice", identifier=choice_identifier(cid)))
            text = choice.text
            if is_plain(text):
                simple.text = text
            else:
                b.rich(simple, text, inline=True)
    for choice in item.choices:
        _modal_feedback(b, root, CHOSEN_OUTCOME, choice_identifier(choice.id), choice.rationale)
    _modal_feedback(b, root, GENERAL_OUTCOME, GENERAL_FEEDBACK, item.feedback)
    return root


def _item_skeleton(b: Builder, scoring: Scoring) -> etree._Element:
    """What every item scored this way shares: the root (identifier and title to fill), declarations, an itemBody
    holding the empty stem `div`, and the response processing."""
    root = b.root("assessmentItem", identifier="", title="", adaptive="false", timeDependent="false")
    root.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    _declarations(b, root, scoring)
    b.el(b.el(root, "itemBody"), "div").set("class", "cps-stem")
    _response_processing(b, root, scoring)
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


def _modal_feedback(b: Builder, root: etree._Element, outcome: str, identifier: str, text: str) -> None:
    """A `modalFeedback` copied from a skeleton built once per identifier; plain text fills its paragraph."""
    if not text:
        return
    plain = is_plain(text)
    feedback = b.copy_of(root, ("modalFeedback", identifier, plain),
                         lambda holder: _feedback_skeleton(b, holder, outcome, identifier, plain))
    content = feedback[0] if b.d.content_body else feedback
    if plain:
        content[0].text = text
    else:
        b.rich(content, text)


def _feedback_skeleton(b: Builder, holder: etree._Element, outcome: str, identifier: str, plain: bool
                       ) -> etree._Element:
    """`modalFeedback` (with QTI 3's content body), and for plain text the empty paragraph it fills."""
    feedback = b.el(holder, "modalFeedback", outcomeIdentifier=outcome, identifier=identifier, showHide="show")
    content = b.content(feedback)
    if plain:
        b.el(content, "p")
    return feedback


def _rubric_block(b: Builder, body: etree._Element, bank: Bank, item: Item) -> None:
    block = b.el(body, "rubricBlock", view="scorer")
    content = b.content(block)
    b.rich(content, item.grader_notes or "")
    rubric = bank.blueprint.rubrics.get(item.rubric or "")
    if rubric is None:
        return
    b.el(b.el(content, "p"), "strong", f"{rubric.title} (0-{rubric.levels} per dimension)")
    listing = b.el(content, "ul")
    for dim in rubric.dimensions:
        li = b.el(listing, "li")
        b.el(li, "strong", dim.title)
        li[-1].tail = f": {dim.full_credit}"


# -- tests --------------------------------------------------------------------------------------------------

def build_test(b: Builder, form: Form, refs: list[tuple[str, str]]) -> etree._Element:
    """One assessmentTest for a form: one part, one section with the item refs, summed SCORE and MAXSCORE."""
    s = form.settings
    root = b.root("assessmentTest", identifier=form.id, title=form.title)
    for name in ("SCORE", "MAXSCORE"):
        decl = b.el(root, "outcomeDeclaration", identifier=name, cardinality="single", baseType="float")
        b.el(b.el(decl, "defaultValue"), "value", "0")
    passed = b.el(root, "outcomeDeclaration", identifier="PASSED", cardinality="single", baseType="boolean")
    b.el(b.el(passed, "defaultValue"), "value", "false")
    if s.time_limit_minutes:
        b.el(root, "timeLimits", maxTime=str(s.time_limit_minutes * 60))
    part = b.el(root, "testPart", identifier="part-1", navigationMode="nonlinear", submissionMode="simultaneous")
    b.el(part, "itemSessionControl", maxAttempts="1",
         showFeedback="false" if s.feedback.value == "never" else "true")
    section = b.el(part, "assessmentSection", identifier="section-1", title=form.title, visible="true")
    if s.shuffle_items:
        b.el(section, "ordering", shuffle="true")
    for identifier, href in refs:
        b.el(section, "assessmentItemRef", identifier=identifier, href=href)
    op = b.el(root, "outcomeProcessing")
    for name in ("SCORE", "MAXSCORE"):
        b.el(b.el(b.el(op, "setOutcomeValue", identifier=name), "sum"), "testVariables",
             variableIdentifier=name)
    gte = b.el(b.el(op, "setOutcomeValue", identifier="PASSED"), "gte")
    b.el(gte, "variable", identifier="SCORE")
    product = b.el(gte, "product")
    b.el(product, "variable", identifier="MAXSCORE")
    b.el(product, "baseValue", decimal(Fraction(s.passing_score).limit_denominator(1000) / 100), baseType="float")
    return root


# -- the package ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannedItem:
    identifier: str
    item: Item
    rule: ScoringRule

    @property
    def title(self) -> str:
        """The item's title. For a Markdown stem the title and the stem's HTML are kept, so the item document does
        not render it again (the manifest, written first, needs every title before the first item is built); a
        plain stem's title is cheap and not kept, which keeps a 50,000-item export small."""
        title = self.__dict__.get("_title")
        if title is None:
            stem = self.item.stem
            if is_plain(stem):
                return plain_title(self.item)
            object.__setattr__(self, "_stem_html", to_html(stem))
            title = plain_title(self.item)
            object.__setattr__(self, "_title", title)
        return title

    @property
    def stem_html(self) -> str | None:
        """`to_html` of a Markdown stem (None for plain text), once `title` has been read."""
        return self.__dict__.get("_stem_html")


def plan_items(selection: ExportSelection) -> tuple[list[PlannedItem], dict[str, list[str]]]:
    """Every item document to write (sorted by file name) and, per form, the identifiers it refers to."""
    planned: dict[str, PlannedItem] = {}
    if selection.form is None:
        for item in selection.items:
            planned[item.id] = PlannedItem(item.id, item, effective_rule(item))
    refs: dict[str, list[str]] = {}
    for form in selection.forms:
        refs[form.id] = []
        form_rule = form.settings.multiple_response_scoring
        for item in ExportSelection(selection.bank, form).items:
            rule = effective_rule(item, form_rule if item.type is ItemType.MULTIPLE_RESPONSE else None)
            identifier = item_identifier(item, rule)
            planned.setdefault(identifier, PlannedItem(identifier, item, rule))
            refs[form.id].append(identifier)
    return sorted(planned.values(), key=lambda p: item_href(p.identifier)), refs


class QtiPackageExporter:
    """A QTI content package: manifest first (streamed), then one file per item, then one test per form."""

    suffix = ".zip"

    def __init__(self, name: str, title: str, dialect: Dialect) -> None:
        self.name = name
        self.title = title
        self.dialect = dialect

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None:
        d = self.dialect
        b = Builder(d)
        bank = selection.bank
        planned, refs = plan_items(selection)
        shuffle = selection.form.settings.shuffle_choices if selection.form is not None else False
        with PackageWriter(out) as pkg:
            with pkg.xml("imsmanifest.xml") as xf:
                self._manifest(xf, selection, planned, refs)
            for p in planned:
                item = build_item(b, bank, p.item, p.rule, shuffle, p.title, p.stem_html)
                pkg.write(item_href(p.identifier), etree.tostring(item, xml_declaration=True, encoding="UTF-8"))
                if progress is not None:
                    progress(1)
            for form in sorted(selection.forms, key=lambda f: f.id):
                item_refs = [(i, f"../{item_href(i)}") for i in refs[form.id]]
                pkg.write(test_href(form.id), etree.tostring(build_test(b, form, item_refs),
                                                              xml_declaration=True, encoding="utf-8"))

    def _manifest(self, xf: etree.xmlfile, selection: ExportSelection, planned: list[PlannedItem],
                  refs: dict[str, list[str]]) -> None:
        d = self.dialect
        m = d.manifest_ns
        nsmap = {None: m, "xsi": XSI, "imsmd": LOM, "imsqti": d.metadata_ns}
        location = f"{m} {d.manifest_schema_location}"
        attrs = {"identifier": f"MANIFEST-{selection.name}", f"{{{XSI}}}schemaLocation": location}
        with xf.element(f"{{{m}}}manifest", attrs, nsmap=nsmap):
            metadata = etree.Element(f"{{{m}}}metadata", nsmap={None: m})
            etree.SubElement(metadata, f"{{{m}}}schema").text = d.package_schema
            etree.SubElement(metadata, f"{{{m}}}schemaversion").text = d.package_schema_version
            metadata.append(bank_lom(selection.bank))
            xf.write(metadata)
            xf.write(etree.Element(f"{{{m}}}organizations", nsmap={None: m}))
            item_resource = ItemResources(d, ItemMetadata(selection.bank, m, d.metadata_ns))
            with xf.element(f"{{{m}}}resources"):
                for p in planned:
                    xf.write(item_resource(p))
                for form in sorted(selection.forms, key=lambda f: f.id):
                    write_resource(xf, m, ManifestResource(
                        test_resource_id(form.id), d.test_resource_type, test_href(form.id),
                        dependencies=_unique(item_resource_id(i) for i in refs[form.id])))


class ItemResources:
    """The manifest `<resource>` of each item: what `write_resource` writes, as a copy of a skeleton.

    A big bank's manifest holds one resource per item, and items that share type, revision, status, difficulty,
    objectives, cognitive level and sources share all of it but the identifiers, href, title and keywords; one
    copy of a finished resource costs far less than assembling it from parts. At most `LIMIT` skeletons are kept.
    """

    LIMIT = 1024

    def __init__(self, dialect: Dialect, metadata: ItemMetadata) -> None:
        self.ns = dialect.manifest_ns
        self.type = dialect.item_resource_type
        self.metadata = metadata
        self._skeletons: dict[Hashable, etree._Element] = {}

    def __call__(self, p: PlannedItem) -> etree._Element:
        key = self.metadata.key(p.item)
        skeleton = self._skeletons.get(key)
        if skeleton is None:
            if len(self._skeletons) >= self.LIMIT:
                del self._skeletons[next(iter(self._skeletons))]
            skeleton = self._skeletons[key] = self._skeleton(p.item)
        href = item_href(p.identifier)
        resource = skeleton.__copy__()
        resource.set("identifier", item_resource_id(p.identifier))
        resource.set("href", href)
        self.metadata.fill(resource[0], p.item, p.identifier, p.title)
        resource[1].set("href", href)
        return resource

    def _skeleton(self, item: Item) -> etree._Element:
        """resource (identifier and href to fill), the item's shared metadata, file (href to fill)."""
        ns = self.ns
        resource = etree.Element(f"{{{ns}}}resource", {"identifier": "", "type": self.type, "href": ""},
                                 nsmap={None: ns})
        self.metadata.shared(item, resource)
        etree.SubElement(resource, f"{{{ns}}}file", href="")
        return resource


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))

