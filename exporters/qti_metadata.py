"""The `<metadata>` of a QTI 2.1 / 3.0 item resource: QTI metadata, then LOM carrying what the bank knows.

LOM 1.3 loose, every element one the manifest schemas accept (`exporters.qti2_reader.read_lom` reads it back):
- general/identifier (catalog `cps-assess`, the item id), general/title, general/language, general/keyword (the
  item's tags), general/coverage (the jurisdiction of a law item, and `law as of YYYY-MM-DD`);
- lifeCycle/version (the revision) and lifeCycle/status (LOMv1.0: draft -> `draft`, reviewed -> `final`);
- educational/difficulty (LOMv1.0: easy -> easy, moderate -> medium, hard -> difficult);
- classification, purpose "educational objective": one taxonPath per objective (source `cps-ethics-blueprint`,
  taxon 1 the domain, taxon 2 the objective); classification, purpose "skill level": the cognitive level;
- relation, kind "references", one per source in the item's order: resource/identifier (catalog
  `cps-ethics-sources`, the source key) and resource/description (the source's title from the blueprint).

Why skeletons with slots: a 50,000-item manifest holds 50,000 of these, and most of each (the QTI block, the
classifications, the relations) repeats from item to item. A skeleton is assembled once per kind of item from
cached parts (a copy of a finished part costs less in lxml than building it element by element), serialized once
as a template, and each item only fills in its identifier, title, tags and law coverage.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from lxml import etree

from exporters.xml_template import slot
from item_bank.licensing import content_license
from item_bank.model import Bank, Item, ItemType
from item_bank.snapshot import bank_version

LOM = "http://ltsc.ieee.org/xsd/LOM"
TOOL_NAME = "cps-assess"
CATALOG = "cps-assess"
TAXONOMY = "cps-ethics-blueprint"
SOURCE_CATALOG = "cps-ethics-sources"
LOM_VOCABULARY = "LOMv1.0"
LOM_DIFFICULTY = {"easy": "easy", "moderate": "medium", "hard": "difficult"}
LOM_STATUS = {"draft": "draft", "reviewed": "final"}
REFERENCES = "references"
LAW_AS_OF = "law as of "

_LOM = f"{{{LOM}}}"


def _el(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    node = etree.SubElement(parent, _LOM + name)
    if text is not None:
        node.text = text
    return node


def _text(parent: etree._Element, name: str, value: str, language: str | None = "en") -> None:
    string = _el(_el(parent, name), "string", value)
    if language:
        string.set("language", language)


def _vocab(parent: etree._Element, name: str, value: str) -> None:
    node = _el(parent, name)
    _el(node, "source", LOM_VOCABULARY)
    _el(node, "value", value)


def bank_lom(bank: Bank) -> etree._Element:
    """The manifest's LOM: general/title, lifeCycle/version (the bank's version, `item_bank.snapshot`) and, when the
    bank's folder names its content licence (`item_bank.licensing`), rights: copyrightAndOtherRestrictions yes and
    the licence as the description."""
    lom = etree.Element(_LOM + "lom", nsmap={None: LOM})
    _text(_el(lom, "general"), "title", "CPS ethics item bank")
    _text(_el(lom, "lifeCycle"), "version", bank_version(bank), None)
    licence = content_license(bank)
    if licence is not None:
        rights = _el(lom, "rights")
        _vocab(rights, "copyrightAndOtherRestrictions", "yes")
        _text(rights, "description", licence.notice)
    return lom


class ItemMetadata:
    """Builds the item `<metadata>` skeletons of one bank in one QTI dialect, and each item's values for them
    (`exporters.xml_template`: the manifest writes every resource from a template)."""

    def __init__(self, bank: Bank, manifest_ns: str, metadata_ns: str) -> None:
        self.bank = bank
        self.manifest_ns = manifest_ns
        self.metadata_ns = metadata_ns
        self._nsmap = {None: manifest_ns, "imsmd": LOM, "imsqti": metadata_ns}
        self._parts: dict[Hashable, etree._Element] = {}
        self._objectives = bank.blueprint.objectives
        self._domains = {d.id: d.title for d in bank.blueprint.domains}

    def key(self, item: Item) -> Hashable:
        """Everything `skeleton` depends on: items with equal keys have equal skeletons."""
        return (item.type is ItemType.EXTENDED_TEXT, item.revision, item.status, item.difficulty, item.objectives,
                item.cognitive_level, item.sources, len(item.tags), _is_law(item))

    def skeleton(self, item: Item, parent: etree._Element) -> etree._Element:
        """The item's `<metadata>`, appended to `parent`, with slots for what only this item has: `entry` (the
        identifier), `title`, `keyword-<n>` (its tags) and, for a law item, `jurisdiction` and `law-as-of`."""
        tag = f"{{{self.manifest_ns}}}metadata"
        metadata = etree.SubElement(parent, tag, nsmap=self._nsmap)
        interaction = "extendedTextInteraction" if item.type is ItemType.EXTENDED_TEXT else "choiceInteraction"
        self._copy(metadata, ("qti", interaction), self._qti_metadata, interaction)
        lom = _el(metadata, "lom")
        general = self._general(lom)
        for n in range(len(item.tags)):
            _text(general, "keyword", slot(f"keyword-{n}"))
        if _is_law(item):
            _text(general, "coverage", slot("jurisdiction"))
            _text(general, "coverage", slot("law-as-of"))
        self._copy(lom, ("lifeCycle", item.revision, item.status), self._life_cycle, item.revision, item.status)
        self._copy(lom, ("educational", item.difficulty), self._educational, item.difficulty)
        self._copy(lom, ("objectives", item.objectives), self._objective_paths, item.objectives)
        self._copy(lom, ("skill", item.cognitive_level), self._skill, item.cognitive_level)
        for source in item.sources:
            self._copy(lom, ("relation", source), self._relation, source)
        return metadata

    def values(self, item: Item, identifier: str, title: str) -> dict[str, str]:
        """What fills the slots of `skeleton(item)`."""
        values = {"entry": identifier, "title": title}
        for n, tag in enumerate(item.tags):
            values[f"keyword-{n}"] = tag
        if _is_law(item):
            values["jurisdiction"] = item.jurisdiction or ""
            values["law-as-of"] = LAW_AS_OF + item.law_as_of.isoformat() if item.law_as_of else ""
        return values

    def _copy(self, parent: etree._Element, key: Hashable, build: Callable[..., etree._Element], *args: Any
              ) -> etree._Element:
        """Append and return a copy of the part `build(*args)`, which depends on nothing but `key`; built once."""
        part = self._parts.get(key)
        if part is None:
            part = self._parts[key] = build(*args)
        fresh = part.__copy__()  # an lxml element copies its whole subtree
        parent.append(fresh)
        return fresh

    def _general(self, lom: etree._Element) -> etree._Element:
        """general/identifier, title and language, with the entry and the title as slots."""
        general = _el(lom, "general")
        ident = _el(general, "identifier")
        _el(ident, "catalog", CATALOG)
        _el(ident, "entry", slot("entry"))
        _text(general, "title", slot("title"))
        _el(general, "language", "en")
        return general

    def _qti_metadata(self, interaction: str) -> etree._Element:
        ns = f"{{{self.metadata_ns}}}"
        qti = etree.Element(ns + "qtiMetadata", nsmap=self._nsmap)
        for name, value in (("itemTemplate", "false"), ("timeDependent", "false"), ("composite", "false"),
                            ("interactionType", interaction), ("feedbackType", "nonadaptive"),
                            ("solutionAvailable", "true"), ("toolName", TOOL_NAME), ("toolVersion", "1")):
            etree.SubElement(qti, ns + name).text = value
        return qti

    def _part(self, name: str) -> etree._Element:
        return etree.Element(_LOM + name, nsmap=self._nsmap)

    def _life_cycle(self, revision: int, status: str) -> etree._Element:
        life_cycle = self._part("lifeCycle")
        _text(life_cycle, "version", str(revision), None)
        _vocab(life_cycle, "status", LOM_STATUS[status])
        return life_cycle

    def _educational(self, difficulty: str) -> etree._Element:
        educational = self._part("educational")
        _vocab(educational, "difficulty", LOM_DIFFICULTY[difficulty])
        return educational

    def _objective_paths(self, objectives: tuple[str, ...]) -> etree._Element:
        classification = self._part("classification")
        _vocab(classification, "purpose", "educational objective")
        for objective_id in objectives:
            path = _el(classification, "taxonPath")
            _text(path, "source", TAXONOMY, None)
            objective_domain = objective_id.split(".", 1)[0]
            objective = self._objectives.get(objective_id)
            for taxon_id, entry in ((objective_domain, self._domains.get(objective_domain, objective_domain)),
                                    (objective_id, objective.text if objective else objective_id)):
                taxon = _el(path, "taxon")
                _el(taxon, "id", taxon_id)
                _text(taxon, "entry", entry)
        return classification

    def _skill(self, cognitive_level: str) -> etree._Element:
        skill = self._part("classification")
        _vocab(skill, "purpose", "skill level")
        path = _el(skill, "taxonPath")
        _text(path, "source", "cps-cognitive-level", None)
        taxon = _el(path, "taxon")
        _el(taxon, "id", cognitive_level)
        _text(taxon, "entry", cognitive_level)
        return skill

    def _relation(self, source: str) -> etree._Element:
        relation = self._part("relation")
        _vocab(relation, "kind", REFERENCES)
        resource = _el(relation, "resource")
        ident = _el(resource, "identifier")
        _el(ident, "catalog", SOURCE_CATALOG)
        _el(ident, "entry", source)
        title = self.bank.blueprint.sources.get(source)
        if title:
            _text(resource, "description", title)
        return relation


def _is_law(item: Item) -> bool:
    return item.jurisdiction is not None and item.law_as_of is not None
