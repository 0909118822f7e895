"""Deterministic zip packages, written entry by entry, and the IMS content-packaging pieces every format shares.

Why: the same bank must export byte-identical files (so re-imports update instead of duplicating and diffs stay
empty), and a 50,000-item export must not hold every document in memory. So:

- every entry gets the same timestamp (1980-01-01 00:00:00, the zip epoch), permissions (0644, Unix) and
  compression (deflate, level 6);
- entry names must arrive in strictly ascending order (`sorted_names=True`, the default), so the order inside the
  zip is sorted by construction; pass `sorted_names=False` only when a format fixes another order, e.g. the
  `mimetype`-first rule of some containers;
- entries are streamed: `xml(name)` gives an `lxml.etree.xmlfile` writer bound to the zip entry, `open(name)` a
  binary stream, `write(name, data)` writes small entries at once;
- the zip itself is written by `exporters.zip_writer`: zipfile's bytes, without zipfile's per-entry overhead.

Usage:

    with PackageWriter(out) as pkg:
        with pkg.xml("imsmanifest.xml") as xf:        # streamed: write elements one by one
            with xf.element("manifest", nsmap=...):
                ...
        for item in items_sorted_by_href:
            pkg.write(f"items/{item.id}.xml", xml_bytes(build(item)))

`ManifestResource` + `write_resources` write the `<resources>` part of an IMS CP / Common Cartridge manifest in
whatever namespace the format uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, BinaryIO

from lxml import etree

from exporters.zip_writer import EntryStream, ZipWriter

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644  # regular file, rw-r--r--
COMPRESS_LEVEL = 6
UNIX = 3

_UNSAFE_NAME = re.compile(r"(^/)|(^[A-Za-z]:)|\\|(^|/)\.\.?(/|$)|//|[\x00-\x1f]")


class PackageError(ValueError):
    """A package entry that would break determinism or safety (out of order, duplicate, unsafe path)."""


class PackageWriter:
    """A zip written entry by entry with fixed metadata; use as a context manager (closing writes the directory)."""

    def __init__(self, out: BinaryIO, *, sorted_names: bool = True) -> None:
        self._zip = ZipWriter(out, date_time=ZIP_EPOCH, mode=FILE_MODE, level=COMPRESS_LEVEL, system=UNIX)
        self._sorted = sorted_names
        self._last: str | None = None
        self._names: list[str] = []
        self._names_seen: set[str] = set()
        self._open: EntryStream | None = None

    def __enter__(self) -> PackageWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def names(self) -> list[str]:
        """Entry names written so far, in zip order."""
        return list(self._names)

    def write(self, name: str, data: bytes | str) -> None:
        """Write a small entry in one go (text is encoded as UTF-8)."""
        self._check(name)
        self._zip.write(name, data.encode("utf-8") if isinstance(data, str) else data)

    @contextmanager
    def open(self, name: str) -> Iterator[IO[bytes]]:
        """A binary stream into the entry `name`; the data is compressed as it is written."""
        self._check(name)
        with self._zip.open(name) as stream:
            self._open = stream
            try:
                yield stream  # type: ignore[misc]  # EntryStream writes bytes, as IO[bytes] does
            finally:
                self._open = None

    @contextmanager
    def xml(self, name: str) -> Iterator[etree.xmlfile]:
        """An `lxml.etree.xmlfile` writer (UTF-8, with declaration) streaming into the entry `name`."""
        with self.open(name) as stream, etree.xmlfile(stream, encoding="utf-8") as xf:
            xf.write_declaration()
            yield xf

    def close(self) -> None:
        self._zip.close()

    def _check(self, name: str) -> None:
        check_entry_name(name)
        if self._open is not None:
            raise PackageError(f"zip entry {name!r} started while another is still being written")
        if name in self._names_seen:
            raise PackageError(f"zip entry {name!r} written twice")
        if self._sorted and self._last is not None and name <= self._last:
            raise PackageError(f"zip entry {name!r} comes after {self._last!r}; write entries in sorted order")
        self._names_seen.add(name)
        self._names.append(name)
        self._last = name


def check_entry_name(name: str) -> None:
    """Refuse names a careful unzipper would refuse: absolute, drive letters, backslashes, `.`/`..`, controls."""
    if not name or name.endswith("/") or _UNSAFE_NAME.search(name):
        raise PackageError(f"unsafe zip entry name {name!r}; use a relative path of plain segments")


def xml_bytes(element: etree._Element) -> bytes:
    """One complete XML document (UTF-8, declaration, no pretty-printing: stable bytes)."""
    return etree.tostring(element, xml_declaration=True, encoding="utf-8")


@dataclass(frozen=True)
class ManifestResource:
    """One `<resource>` of an IMS content package manifest.

    `metadata` is an optional element placed first inside the resource (e.g. LOM + QTI metadata); `files` are
    hrefs inside the package (the main `href` is listed as a file automatically); `dependencies` are the
    identifiers of other resources.
    """

    identifier: str
    type: str
    href: str | None = None
    files: Sequence[str] = ()
    dependencies: Sequence[str] = ()
    metadata: etree._Element | None = field(default=None, compare=False)


def write_resource(xf: etree.xmlfile, ns: str, resource: ManifestResource) -> None:
    """Write one `<resource>` in the manifest namespace `ns` (e.g. imscp_v1p1 or a Common Cartridge namespace)."""
    attrs = {"identifier": resource.identifier, "type": resource.type}
    if resource.href is not None:
        attrs["href"] = resource.href
    el = etree.Element(f"{{{ns}}}resource", attrs, nsmap={None: ns})
    if resource.metadata is not None:
        el.append(resource.metadata)
    files = ([resource.href] if resource.href else []) + [f for f in resource.files if f != resource.href]
    for href in files:
        etree.SubElement(el, f"{{{ns}}}file", href=href)
    for ref in resource.dependencies:
        etree.SubElement(el, f"{{{ns}}}dependency", identifierref=ref)
    xf.write(el)


def write_resources(xf: etree.xmlfile, ns: str, resources: Sequence[ManifestResource]) -> None:
    """Write `<resources>` with every resource, in the order given."""
    with xf.element(f"{{{ns}}}resources"):
        for resource in resources:
            write_resource(xf, ns, resource)
