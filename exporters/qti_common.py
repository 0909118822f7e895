"""What QTI 2.1 and QTI 3.0 packages share: the package exporter (manifest, items, tests) and its identifiers.

The trees are written once for both versions, spelled by a `Dialect` (`exporters.qti_dialect`): items by
`exporters.qti_items` (the scoring model, each item from a template of its shape), the manifest's item metadata by
`exporters.qti_metadata`, the tests here; `qti21` and `qti30` only define their dialect.

Identifiers, stable across exports (see the importer for the reverse mapping):
- item: the bank id (`cps-s-d1-001`); an item that a form scores under another multiple-response rule than its
  own gets a variant `<id>--all_or_nothing` / `<id>--partial`;
- choice, feedback and scenario identifiers: see `exporters.qti_items`;
- manifest resources: `res-item-<item identifier>`, `res-test-<form id>`.

Metadata per item resource (LOM and QTI metadata): see `exporters.qti_metadata`.

A 50,000-item package is written as a stream: the manifest first (each item resource from a template, see
`ItemResources`), then one document per item, then one test per form; no document is held longer than it takes to
write it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import IO, BinaryIO

from lxml import etree

from exporters.base import DRAFT_LABEL, ExportSelection, Progress, is_draft
from exporters.packaging import ManifestResource, PackageWriter, write_resource
from exporters.qti_dialect import XSI, Builder, Dialect
from exporters.qti_items import GENERAL_FEEDBACK, ItemWriter, choice_identifier, decimal, item_identifier
from exporters.qti_markup import append_markup
from exporters.qti_metadata import LOM, ItemMetadata, bank_lom
from exporters.rich_text import paragraphs, plain_text
from exporters.xml_template import Template, slot
from item_bank.markup import to_html
from item_bank.model import Form, Item, ItemType, ScoringRule
from item_bank.scoring import effective_rule

__all__ = ["GENERAL_FEEDBACK", "LOM", "Dialect", "QtiPackageExporter", "append_markup", "choice_identifier",
           "item_href", "item_identifier"]

TITLE_WORDS = 80
RESOURCE_BATCH = 256  # item resources joined into one write of the manifest entry


# -- identifiers ---------------------------------------------------------------------------------------------

def item_resource_id(identifier: str) -> str:
    return f"res-item-{identifier}"


def test_resource_id(form_id: str) -> str:
    return f"res-test-{form_id}"


def item_href(identifier: str) -> str:
    return f"items/{identifier}.xml"


def test_href(form_id: str) -> str:
    return f"tests/{form_id}.xml"


def plain_title(item: Item) -> str:
    """The item id and the start of its stem, for LMS item lists; a draft (exported only when asked) says so."""
    words = plain_text(item.stem)
    excerpt = words if len(words) <= TITLE_WORDS else words[: TITLE_WORDS - 1].rstrip() + "…"
    draft = f" ({DRAFT_LABEL})" if is_draft(item) else ""
    return f"{item.id}{draft}: {excerpt}"


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
        """The item's title, made once (the manifest, written first, needs every title before the first item is
        written, and the item document needs it again). For a stem that needs the Markdown renderer the stem's
        HTML is kept too, so the item document does not render it again."""
        title = self.__dict__.get("_title")
        if title is None:
            if paragraphs(self.item.stem) is None:
                object.__setattr__(self, "_stem_html", to_html(self.item.stem))
            title = plain_title(self.item)
            object.__setattr__(self, "_title", title)
        return title

    @property
    def stem_html(self) -> str | None:
        """`to_html` of a stem that needs the renderer (None for plain text), once `title` has been read."""
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
        planned, refs = plan_items(selection)
        shuffle = selection.form.settings.shuffle_choices if selection.form is not None else False
        item_document = ItemWriter(d, selection.bank, shuffle)
        with PackageWriter(out) as pkg:
            with pkg.open("imsmanifest.xml") as stream, etree.xmlfile(stream, encoding="utf-8") as xf:
                xf.write_declaration()
                self._manifest(xf, stream, selection, planned, refs)
            for p in planned:
                pkg.write(item_href(p.identifier), item_document(p.item, p.rule, p.identifier, p.title, p.stem_html))
                if progress is not None:
                    progress(1)
            b = Builder(d)
            for form in sorted(selection.forms, key=lambda f: f.id):
                item_refs = [(i, f"../{item_href(i)}") for i in refs[form.id]]
                pkg.write(test_href(form.id), etree.tostring(build_test(b, form, item_refs),
                                                              xml_declaration=True, encoding="utf-8"))

    def _manifest(self, xf: etree.xmlfile, stream: IO[bytes], selection: ExportSelection,
                  planned: list[PlannedItem], refs: dict[str, list[str]]) -> None:
        """The manifest, through `xf`; the item resources, written from templates, go to `stream` directly."""
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
                xf.flush()  # what xf holds goes out before the resources written to the stream itself
                for start in range(0, len(planned), RESOURCE_BATCH):
                    stream.write(b"".join([item_resource(p) for p in planned[start:start + RESOURCE_BATCH]]))
                for form in sorted(selection.forms, key=lambda f: f.id):
                    write_resource(xf, m, ManifestResource(
                        test_resource_id(form.id), d.test_resource_type, test_href(form.id),
                        dependencies=_unique(item_resource_id(i) for i in refs[form.id])))


class ItemResources:
    """The manifest `<resource>` of each item, as bytes: what `write_resource` writes, from a template.

    A big bank's manifest holds one resource per item, and items that share type, revision, status, difficulty,
    objectives, cognitive level, sources, number of tags and being a law item share all of it but the identifiers,
    href, title, tags and law coverage: one template per such kind of item (at most `LIMIT`, the oldest dropped
    first) serialized once, each resource its template filled in.
    """

    LIMIT = 1024

    def __init__(self, dialect: Dialect, metadata: ItemMetadata) -> None:
        self.ns = dialect.manifest_ns
        self.type = dialect.item_resource_type
        self.metadata = metadata
        self._templates: dict[Hashable, Template] = {}

    def __call__(self, p: PlannedItem) -> bytes:
        key = self.metadata.key(p.item)
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= self.LIMIT:
                del self._templates[next(iter(self._templates))]
            template = self._templates[key] = Template(self._skeleton(p.item))
        values: dict[str, str | bytes] = {}
        values.update(self.metadata.values(p.item, p.identifier, p.title))
        values["identifier"] = item_resource_id(p.identifier)
        values["href"] = values["file-href"] = item_href(p.identifier)
        return template.fill(values)

    def _skeleton(self, item: Item) -> etree._Element:
        """resource (identifier and href as slots), the item's metadata skeleton, file (href as a slot)."""
        ns = self.ns
        resource = etree.Element(f"{{{ns}}}resource", {"identifier": slot("identifier"), "type": self.type,
                                                       "href": slot("href")}, nsmap={None: ns})
        self.metadata.skeleton(item, resource)
        etree.SubElement(resource, f"{{{ns}}}file", href=slot("file-href"))
        return resource


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))
