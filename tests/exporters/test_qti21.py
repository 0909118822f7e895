"""QTI 2.1 (and, through the shared builder, QTI 3.0) items score exactly as item_bank does and keep the content."""

from __future__ import annotations

import io
import zipfile
from itertools import combinations

import pytest
from lxml import etree

from exporters.qti_common import GENERAL_FEEDBACK, LOM, append_markup, choice_identifier
from item_bank.markup import to_html, to_inline_html
from item_bank.model import ItemType, ScoringRule
from item_bank.scoring import score_response
from tests.exporters.qti_rp import ItemEvaluator, children, name

QTI21 = "http://www.imsglobal.org/xsd/imsqti_v2p1"


def _zip(data: bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(data))


def _items(z: zipfile.ZipFile) -> dict[str, etree._Element]:
    return {n: etree.fromstring(z.read(n)) for n in z.namelist() if n.startswith("items/")}


def _responses(item) -> list[list[str]]:  # noqa: ANN001
    """Right, wrong, partial, over-complete and empty answers for a choice item."""
    ids = [c.id for c in item.choices]
    if item.type is not ItemType.MULTIPLE_RESPONSE:
        return [[]] + [[i] for i in ids]
    return [list(combo) for size in range(len(ids) + 1) for combo in combinations(ids, size)]


def _rule_of(identifier: str) -> ScoringRule | None:
    suffix = identifier.rpartition("--")[2] if "--" in identifier else None
    return ScoringRule(suffix) if suffix else None


@pytest.mark.parametrize("fmt", ["qti21", "qti30"])
def test_response_processing_gives_item_bank_scores_for_every_response(fmt, export_bytes, starter_bank):
    checked = 0
    for path, doc in _items(_zip(export_bytes(fmt))).items():
        identifier = doc.get("identifier")
        item = starter_bank.item(identifier.partition("--")[0])
        if item.type is ItemType.EXTENDED_TEXT:
            continue
        evaluator = ItemEvaluator(doc)
        for chosen in _responses(item):
            expected = score_response(item, chosen, _rule_of(identifier))
            got = evaluator.run([choice_identifier(c) for c in chosen])
            assert got["SCORE"] == pytest.approx(float(expected.score), abs=1e-9), (path, chosen)
            assert got["MAXSCORE"] == float(expected.max_score)
            checked += 1
    assert checked > 100


def test_partial_multiple_response_maps_plus_and_minus_one_over_keys(export_bytes):
    doc = _items(_zip(export_bytes("qti21")))["items/cps-s-d1-002.xml"]
    decl = children(doc, "responseDeclaration")[0]
    assert decl.get("cardinality") == "multiple"
    mapping = children(decl, "mapping")[0]
    assert (mapping.get("lowerBound"), mapping.get("upperBound")) == ("0", "1")
    assert {e.get("mapKey"): e.get("mappedValue") for e in mapping} == {
        "choice_a": "0.5", "choice_b": "0.5", "choice_c": "-0.5", "choice_d": "-0.5", "choice_e": "-0.5"}


def test_a_form_that_scores_all_or_nothing_gets_its_own_item_variant(export_bytes):
    z = _zip(export_bytes("qti21"))
    variant = etree.fromstring(z.read("items/cps-s-d4-003--all_or_nothing.xml"))
    assert not children(children(variant, "responseDeclaration")[0], "mapping")
    draw = etree.fromstring(z.read("tests/starter-draw.xml"))
    refs = [r.get("identifier") for r in draw.iter(f"{{{QTI21}}}assessmentItemRef")]
    assert "cps-s-d4-003--all_or_nothing" in refs
    quiz = etree.fromstring(z.read("tests/starter-quiz.xml"))
    assert "cps-s-d4-003" in [r.get("identifier") for r in quiz.iter(f"{{{QTI21}}}assessmentItemRef")]


def test_single_choice_uses_single_cardinality_and_one_choice(export_bytes):
    doc = _items(_zip(export_bytes("qti21")))["items/cps-s-d1-001.xml"]
    interaction = next(doc.iter(f"{{{QTI21}}}choiceInteraction"))
    assert interaction.get("maxChoices") == "1"
    assert [c.get("identifier") for c in interaction] == ["choice_a", "choice_b", "choice_c", "choice_d"]
    correct = children(children(doc, "responseDeclaration")[0], "correctResponse")[0]
    assert [v.text for v in correct] == ["choice_b"]


def test_modal_feedback_carries_every_rationale_and_the_general_feedback(export_bytes, starter_bank):
    doc = _items(_zip(export_bytes("qti21")))["items/cps-s-d1-001.xml"]
    item = starter_bank.item("cps-s-d1-001")
    feedback = {f.get("identifier"): "".join(f.itertext()) for f in children(doc, "modalFeedback")}
    for choice in item.choices:
        assert feedback[choice_identifier(choice.id)] == choice.rationale
    assert feedback[GENERAL_FEEDBACK] == item.feedback
    outcomes = ItemEvaluator(doc).run(["choice_a"])
    assert outcomes["FEEDBACK"] == {"choice_a"}
    assert outcomes["FEEDBACK_GENERAL"] == GENERAL_FEEDBACK


def test_essay_is_scored_by_a_person_with_the_rubric_for_scorers(export_bytes):
    doc = _items(_zip(export_bytes("qti21")))["items/cps-s-d3-003.xml"]
    assert next(doc.iter(f"{{{QTI21}}}extendedTextInteraction")) is not None
    rubric = next(doc.iter(f"{{{QTI21}}}rubricBlock"))
    assert rubric.get("view") == "scorer"
    assert "privacy question" in "".join(rubric.itertext())
    outcome = ItemEvaluator(doc).run(["some essay"])
    assert outcome["SCORE"] == 0.0 and outcome["MAXSCORE"] == 18.0
    assert not list(doc.iter(f"{{{QTI21}}}setOutcomeValue[@identifier='SCORE']"))


def test_scenario_and_stem_come_before_the_interaction(export_bytes, starter_bank):
    doc = _items(_zip(export_bytes("qti21")))["items/cps-s-d3-001.xml"]
    body = children(doc, "itemBody")[0]
    assert [c.get("class") or name(c) for c in body] == ["cps-scenario", "cps-stem", "choiceInteraction"]
    assert body[0].get("id") == "scenario-sc-starter-respite"
    assert "Amara, 29" in "".join(body[0].itertext())
    assert etree.tostring(body[1], encoding="unicode").count("<strong>best</strong>") == 1


def test_manifest_metadata_carries_domain_objective_and_difficulty(export_bytes):
    manifest = etree.fromstring(_zip(export_bytes("qti21")).read("imsmanifest.xml"))
    resource = next(r for r in manifest.iter("{*}resource") if r.get("identifier") == "res-item-cps-s-d1-001")
    lom = next(resource.iter(f"{{{LOM}}}lom"))
    assert next(lom.iter(f"{{{LOM}}}entry")).text == "cps-s-d1-001"
    taxa = [t.findtext(f"{{{LOM}}}id") for t in lom.iter(f"{{{LOM}}}taxon")]
    assert taxa[:2] == ["D1", "D1.3"]
    difficulty = next(lom.iter(f"{{{LOM}}}difficulty"))
    assert difficulty.findtext(f"{{{LOM}}}value") == "medium"
    assert resource.get("href") == "items/cps-s-d1-001.xml"


def test_form_export_holds_only_the_forms_items(export_bytes, starter_bank):
    z = _zip(export_bytes("qti21", "starter-quiz"))
    items = sorted(n for n in z.namelist() if n.startswith("items/"))
    assert items == sorted(f"items/{i}.xml" for i in starter_bank.form("starter-quiz").items)
    assert [n for n in z.namelist() if n.startswith("tests/")] == ["tests/starter-quiz.xml"]


@pytest.mark.parametrize("text", [
    "Plain sentence, with punctuation: yes; no. Ünïcödé — “quotes” 'single' 1 + 1 = 2?",
    "Uses **bold** and *em*",
    "Two\n\nparagraphs",
    "- a list\n- of two",
    "1. numbered",
    "A & B < C > D \"quoted\" {gift} ~ = # : 日本語",
    "An entity &amp; here",
    "A <b>tag</b>",
    "Ends with a space ",
    "[a link](https://example.org)",
])
@pytest.mark.parametrize("inline", [False, True])
def test_plain_text_shortcut_renders_like_the_markdown_renderer(text, inline):
    ns = "urn:test"
    fast = etree.Element(f"{{{ns}}}x", nsmap={None: ns})
    append_markup(fast, text, ns, inline)
    html = to_inline_html(text) if inline else to_html(text)
    reference = etree.fromstring(f'<x xmlns="{ns}">{html.replace("<br>", "<br/>")}</x>')
    for el in reference.iter(f"{{{ns}}}a"):
        for key in [k for k in el.attrib if k != "href"]:
            del el.attrib[key]
    assert etree.tostring(fast, encoding="unicode") == etree.tostring(reference, encoding="unicode")
