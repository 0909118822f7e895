"""Importing a package with scripts, styles and javascript: links writes nothing unsafe, and says which item it
changed: script and style contents are dropped, links with a disallowed scheme keep their text and lose the link."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from exporters.html_to_markdown import disallowed_scheme, to_markdown
from item_bank.cli import main
from item_bank.markup import markup_problems
from tests.exporters.zip_packages import CP, ITEM, QTI, make_zip, manifest

UNSAFE_WORDS = ("alert", "steal", "javascript", "vbscript", "data:", "display", "script")

QTI21_ITEM = (
    f'<assessmentItem xmlns="{QTI}" identifier="trap-1" title="Trap" adaptive="false" timeDependent="false">'
    '<responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">'
    "<correctResponse><value>A</value></correctResponse></responseDeclaration>"
    "<itemBody><p>Read <a href=\"javascript:alert(1)\">the policy</a> and "
    '<a href="https://example.org/code">the code</a>.</p>'
    "<script>steal(document.cookie)</script><style>p { display: none }</style>"
    '<choiceInteraction responseIdentifier="RESPONSE" maxChoices="1">'
    '<prompt>Which is right?<script type="text/javascript">alert(2)</script></prompt>'
    '<simpleChoice identifier="A"><a href=" JaVa&#x09;Script:alert(3)">Ask</a> first</simpleChoice>'
    '<simpleChoice identifier="B">Act <a href="VBScript:msgbox(4)">alone</a></simpleChoice>'
    "</choiceInteraction></itemBody>"
    '<modalFeedback outcomeIdentifier="FEEDBACK" identifier="GENERAL" showHide="show">'
    '<p>See <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg1KTwvc2NyaXB0Pg==">this</a>.</p></modalFeedback>'
    "</assessmentItem>")

CANVAS_HTML = ('&lt;p&gt;Choose.&lt;script&gt;alert(6)&lt;/script&gt; '
               '&lt;a href="javascript&amp;colon;alert(7)"&gt;Details&lt;/a&gt;&lt;/p&gt;')
CANVAS_QTI12 = (
    '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2"><assessment ident="a" title="Quiz">'
    '<section ident="root"><item ident="canvas-trap" title="Q"><itemmetadata><qtimetadata>'
    "<qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>multiple_choice_question</fieldentry>"
    "</qtimetadatafield></qtimetadata></itemmetadata><presentation>"
    f'<material><mattext texttype="text/html">{CANVAS_HTML}</mattext></material>'
    '<response_lid ident="response1" rcardinality="Single"><render_choice>'
    '<response_label ident="1"><material><mattext texttype="text/html">&lt;style&gt;*{display:none}&lt;/style&gt;'
    "Yes</mattext></material></response_label>"
    '<response_label ident="2"><material><mattext texttype="text/plain">No</mattext></material></response_label>'
    "</render_choice></response_lid></presentation><resprocessing><outcomes>"
    '<decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>'
    '<respcondition continue="No"><conditionvar><varequal respident="response1">1</varequal></conditionvar>'
    '<setvar action="Set" varname="SCORE">100</setvar></respcondition></resprocessing></item>'
    "</section></assessment></questestinterop>")


def canvas_manifest() -> str:
    return (f'<?xml version="1.0"?><manifest xmlns="{CP}" identifier="m"><organizations/><resources>'
            '<resource identifier="r" type="imsqti_xmlv1p2" href="quiz.xml"><file href="quiz.xml"/></resource>'
            "</resources></manifest>")


def imported(package: Path, out: Path):
    result = CliRunner().invoke(main, ["import", str(package), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = "\n".join(p.read_text(encoding="utf-8") for p in sorted(out.rglob("imported-*.yaml")))
    return result, written


def texts_of(written: str) -> list[str]:
    data = yaml.safe_load(written)
    items = data["items"]
    return [t for i in items for t in (i["stem"], i["feedback"], *(c["text"] for c in i.get("choices", [])),
                                       *(c["rationale"] for c in i.get("choices", [])))]


@pytest.mark.parametrize(("entries", "item_id"), [
    ({"imsmanifest.xml": manifest(), "item.xml": QTI21_ITEM}, "trap-1"),
    ({"imsmanifest.xml": canvas_manifest(), "quiz.xml": CANVAS_QTI12}, "canvas-trap"),
], ids=["QTI 2.1", "Canvas QTI 1.2"])
def test_a_package_with_scripts_and_javascript_links_is_imported_without_them(tmp_path, entries, item_id):
    result, written = imported(make_zip(tmp_path / "trap.zip", entries), tmp_path / "out")
    lowered = written.lower()
    assert not [word for word in UNSAFE_WORDS if word in lowered], written
    assert all(markup_problems(text) == [] for text in texts_of(written))

    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warning.startswith(f"warning: {item_id} (trap.zip/")
    assert "<script> element" in warning and "javascript: link" in warning


def test_what_is_kept_around_what_is_removed(tmp_path):
    _, written = imported(make_zip(tmp_path / "trap.zip", {"imsmanifest.xml": manifest(), "item.xml": QTI21_ITEM}),
                          tmp_path / "out")
    [item] = yaml.safe_load(written)["items"]
    assert "Read the policy and [the code](https://example.org/code)." in item["stem"]
    assert "Which is right?" in item["stem"]
    assert [c["text"] for c in item["choices"]] == ["Ask first", "Act alone"]
    assert item["feedback"] == "See this."


def test_the_warning_names_every_kind_of_removal_with_its_count(tmp_path):
    result, _ = imported(make_zip(tmp_path / "trap.zip", {"imsmanifest.xml": manifest(), "item.xml": QTI21_ITEM}),
                         tmp_path / "out")
    [warning] = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    for part in ("javascript: link (2)", "<script> element (2)", "<style> element (1)", "vbscript: link (1)",
                 "data: link (1)"):
        assert part in warning, warning


def test_a_clean_package_gives_no_warning(tmp_path):
    result, _ = imported(make_zip(tmp_path / "ok.zip", {"imsmanifest.xml": manifest(), "item.xml": ITEM}),
                         tmp_path / "out")
    assert "warning" not in result.output


@pytest.mark.parametrize("href", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
                                  "java\tscript:alert(1)", "javascript&colon;alert(1)", "jav&#x61;script:alert(1)",
                                  "\x01javascript:alert(1)", "data:text/html,<b>x</b>", "vbscript:x", "file:///etc"])
def test_disguised_disallowed_schemes_are_recognised(href):
    assert disallowed_scheme(href) is not None


@pytest.mark.parametrize("href", ["https://example.org/a?b=1&c=2", "http://example.org", "mailto:a@example.org",
                                  "page.html", "#part-2", "/absolute/path", "?query=1"])
def test_allowed_and_relative_links_are_kept(href):
    assert disallowed_scheme(href) is None


def test_script_inside_inline_markup_is_dropped_and_noted():
    removed: list[str] = []
    markdown = to_markdown("<p>a<svg><script>alert(1)</script></svg>b <em>c<style>x</style></em></p>", removed)
    assert markdown == "ab *c*"
    assert removed == ["<script> element", "<style> element"]
