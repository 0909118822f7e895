"""`cps-assess import`: a QTI 2.1 / 2.2 / 3.0 package, a Canvas QTI 1.2 zip or a Common Cartridge -> bank YAML files.

The package is untrusted: it is read through `safe_zip` (no extraction, bounded sizes, no `..`/absolute names or
links) and `safe_xml` (no DTD, no entities, no network, bounded depth). Anything wrong refuses the whole package
with one line (`ImportRefused`); nothing is written until everything has been read, and then the files are
written in a temporary folder inside the output folder and moved into place.

Output: `items/imported-<package>.yaml` (and `scenarios/imported-<package>.yaml` when items refer to scenarios)
in the bank format of docs/authoring.md, plus a copy of the blueprint when the output folder has none, so that
`cps-assess validate DIR` loads it. Items of types the bank does not have are listed as skipped with the reason.

A Common Cartridge (1.0 to 1.3) is read whole: its assessments and its question bank, every item of a type the bank
has. The CC profile has no place for the bank's domain, objectives, levels, sources, rubrics or grader notes, so a
cartridge we wrote ourselves (`exporters.common_cartridge`) would give back items that cannot validate: that import
is refused, pointing at the formats that carry everything; a cartridge from another tool comes in as drafts to fill
in, like any foreign package.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from lxml import etree

from exporters import qti2_reader, qti12_reader
from exporters.common_cartridge import MANIFEST_ID_PREFIX
from exporters.import_model import ImportedItem, Skipped
from exporters.safe_xml import UnsafeXml, parse
from exporters.safe_zip import Limits, PackageReader, UnsafePackage

MANIFEST_NAMESPACES = {
    "http://www.imsglobal.org/xsd/imscp_v1p1": "IMS CP (QTI 2.x)",
    "http://www.imsglobal.org/xsd/qti/qtiv3p0/imscp_v1p1": "IMS CP (QTI 3.0)",
    "http://www.imsglobal.org/xsd/imscc/imscp_v1p1": "Common Cartridge 1.0",
    "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1": "Common Cartridge 1.1",
    "http://www.imsglobal.org/xsd/imsccv1p2/imscp_v1p1": "Common Cartridge 1.2",
    "http://www.imsglobal.org/xsd/imsccv1p3/imscp_v1p1": "Common Cartridge 1.3",
}
QTI2_ITEM_TYPES = {"imsqti_item_xmlv2p1", "imsqti_item_xmlv2p2", "imsqti_item_xmlv3p0"}
CC_QTI_TYPES = {f"imsqti_xmlv1p2/imscc_xmlv1p{v}/{kind}" for v in range(4) for kind in ("assessment", "question-bank")}
QTI12_TYPES = {"imsqti_xmlv1p2", *CC_QTI_TYPES}
ID = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,79}$")
CHOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
DEFAULT_LIMITS = Limits()


class ImportRefused(ValueError):
    """The package cannot be imported; the message is one line: what, where, what to do."""


@dataclass
class ImportResult:
    items: list[ImportedItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    flavour: str = ""
    package: str = ""
    own_cartridge: bool = False  # a Common Cartridge that exporters.common_cartridge wrote
    copies: int = 0  # the same item again (a quiz copy of a bank item, a form's scoring variant): read once

    @property
    def scenarios(self) -> list[dict[str, str]]:
        seen: dict[str, dict[str, str]] = {}
        for item in self.items:
            if item.scenario and item.scenario not in seen:
                seen[item.scenario] = {"id": item.scenario, "title": item.scenario_title, "text": item.scenario_text}
        return list(seen.values())


def read_package(path: Path, rubric_ids: dict[str, str] | None = None, limits: Limits = DEFAULT_LIMITS) -> ImportResult:
    """Read every supported item of the package at `path` (a zip, a folder, or one QTI XML file)."""
    if not path.exists():
        raise ImportRefused(f"{path}: no such file or folder; give a .zip package, an unzipped package folder "
                            "or a QTI XML file")
    try:
        if path.is_file() and path.suffix.lower() == ".xml":
            return _read_single_xml(path, rubric_ids or {}, limits)
        with PackageReader(path, limits) as pkg:
            return _read_manifest_package(pkg, path.name, rubric_ids or {})
    except (UnsafePackage, UnsafeXml) as exc:
        raise ImportRefused(str(exc)) from None


def _read_single_xml(path: Path, rubric_ids: dict[str, str], limits: Limits) -> ImportResult:
    if path.stat().st_size > limits.entry_bytes:
        raise ImportRefused(f"{path.name}: larger than {limits.entry_bytes} bytes; refusing it")
    root = parse(path.read_bytes(), path.name)
    result = ImportResult()
    _add(result, _read_document(root, path.name, None, rubric_ids, expect=None))
    return result


def _read_manifest_package(pkg: PackageReader, name: str, rubric_ids: dict[str, str]) -> ImportResult:
    if "imsmanifest.xml" not in pkg:
        raise ImportRefused(f"{name}: no imsmanifest.xml at the top of the package; this is not an IMS content "
                            "package (export it again as a QTI package or a Canvas QTI .zip)")
    manifest = parse(pkg.read("imsmanifest.xml"), f"{name}/imsmanifest.xml")
    namespace = etree.QName(manifest).namespace or ""
    if etree.QName(manifest).localname != "manifest" or namespace not in MANIFEST_NAMESPACES:
        raise ImportRefused(f"{name}/imsmanifest.xml: root <{etree.QName(manifest).localname}> in namespace "
                            f"{namespace or '(none)'!r} is not an IMS content package manifest")
    result = ImportResult(flavour=MANIFEST_NAMESPACES[namespace], package=name)
    found = False
    for resource in _children(manifest, "resources", "resource"):
        rtype = resource.get("type") or ""
        if rtype not in QTI2_ITEM_TYPES and rtype not in QTI12_TYPES:
            continue
        found = True
        if rtype in CC_QTI_TYPES and (manifest.get("identifier") or "").startswith(MANIFEST_ID_PREFIX):
            result.own_cartridge = True
        files = [f.get("href") for f in resource if etree.QName(f).localname == "file" and f.get("href")]
        for href in files:
            if href not in pkg:
                raise ImportRefused(f"{name}: the manifest names {href!r} (resource "
                                    f"{resource.get('identifier')}) but the package has no such file")
        href = resource.get("href") or next((f for f in files if f.endswith((".xml", ".qti"))), None)
        if not href:
            raise ImportRefused(f"{name}: resource {resource.get('identifier')} names no file")
        where = f"{name}/{href}"
        root = parse(pkg.read(href), where)
        metadata = next((c for c in resource if etree.QName(c).localname == "metadata"), None)
        expect = "qti2" if rtype in QTI2_ITEM_TYPES else "qti12"
        _add(result, _read_document(root, where, metadata, rubric_ids, expect))
    if not found:
        raise ImportRefused(f"{name}: the manifest lists no QTI item, Canvas QTI 1.2 assessment or Common Cartridge "
                            "assessment or question bank resources")
    return result


def _children(root: etree._Element, *path: str) -> list[etree._Element]:
    level = [root]
    for name in path:
        level = [c for el in level for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name]
    return level


def _read_document(root: etree._Element, where: str, metadata: etree._Element | None,
                   rubric_ids: dict[str, str], expect: str | None) -> list[ImportedItem | Skipped]:
    qname = etree.QName(root)
    if qname.localname == "questestinterop" and expect in (None, "qti12"):
        if qname.namespace not in (None, qti12_reader.QTI12_NS):
            raise ImportRefused(f"{where}: questestinterop in namespace {qname.namespace!r}, expected "
                                f"{qti12_reader.QTI12_NS!r} (QTI 1.2)")
        return qti12_reader.read_items(root, where)
    if qname.localname in ("assessmentItem", "qti-assessment-item") and expect in (None, "qti2"):
        if qname.namespace not in qti2_reader.QTI_NAMESPACES:
            raise ImportRefused(f"{where}: <{qname.localname}> in namespace {qname.namespace or '(none)'!r} is not "
                                "QTI 2.1, 2.2 or 3.0")
        return [qti2_reader.read_item(root, where, metadata, rubric_ids)]
    raise ImportRefused(f"{where}: root element <{qname.localname}> (namespace {qname.namespace or '(none)'!r}) "
                        "is not a QTI item or questestinterop document")


def _add(result: ImportResult, read: list[ImportedItem | Skipped]) -> None:
    index = {item.id: n for n, item in enumerate(result.items)}
    for entry in read:
        if isinstance(entry, Skipped):
            result.skipped.append(entry)
            continue
        entry.id = _safe_id(entry.id)
        for choice in entry.choices:
            choice["id"] = _safe_choice_id(str(choice["id"]))
        if entry.id in index:
            result.copies += 1
            if result.items[index[entry.id]].variant and not entry.variant:
                result.items[index[entry.id]] = entry
            continue
        index[entry.id] = len(result.items)
        result.items.append(entry)


def _safe_id(value: str) -> str:
    if ID.match(value):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-")
    return ("imported-" + cleaned)[:80] if cleaned else "imported-item"


def _safe_choice_id(value: str) -> str:
    if CHOICE_ID.match(value):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "-", value).strip("-_")
    return cleaned[:32] or "choice"


# -- writing --------------------------------------------------------------------------------------------------

class _BlockDumper(yaml.SafeDumper):
    """Multi-line text as `|` blocks, as authors write it."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def dump_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_BlockDumper, sort_keys=False, allow_unicode=True, width=110)


def write_bank_files(result: ImportResult, out_dir: Path, name: str, blueprint: Path | None) -> list[Path]:
    """Write the items (and scenarios, and a blueprint copy if missing) into `out_dir`; all or nothing."""
    _refuse_own_cartridge(result)
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "package"
    files: dict[str, str | Path] = {
        f"items/imported-{slug}.yaml": dump_yaml({"items": [i.as_yaml() for i in result.items]}),
    }
    if result.scenarios:
        files[f"scenarios/imported-{slug}.yaml"] = dump_yaml({"scenarios": result.scenarios})
    if blueprint is not None and blueprint.is_file() and not (out_dir / "blueprint.yaml").exists():
        files["blueprint.yaml"] = blueprint
    if taken := [rel for rel in files if (out_dir / rel).exists()]:
        raise ImportRefused(f"{out_dir / taken[0]}: already exists (a package of the same name was imported "
                            "before); nothing written (rename the package file, or move that file away)")
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".import-", dir=out_dir))
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_text(content, encoding="utf-8")
        written = []
        for rel in files:
            final = out_dir / rel
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / rel, final)
            written.append(final)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _refuse_own_cartridge(result: ImportResult) -> None:
    """Our own Common Cartridge gives back the questions but none of the bank's metadata: rather than write items
    that cannot validate, say which export carries everything."""
    if not result.own_cartridge or not any(item.missing() for item in result.items):
        return
    raise ImportRefused(
        f"{result.package}: a Common Cartridge written by cps-assess has no place for the bank's domain, objectives, "
        f"cognitive level, difficulty, sources, rubrics or grader notes, so its {len(result.items)} item(s) would not "
        "validate; nothing written (import the same bank's qti21, qti30 or canvas-qti12 export, which carry them)")


def rubric_ids_from(blueprint: Path | None) -> dict[str, str]:
    """Rubric title -> id from a blueprint file, so an essay's rubric block maps back to the rubric id."""
    if blueprint is None or not blueprint.is_file():
        return {}
    data = yaml.safe_load(blueprint.read_text(encoding="utf-8")) or {}
    raw = data.get("rubrics") or ([data["rubric"]] if data.get("rubric") else [])
    return {str(r.get("title")): str(r.get("id")) for r in raw if isinstance(r, dict)}
