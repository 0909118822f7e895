"""Schemas for the export tests, compiled once per session, located by tests/shared_files.py (CPS_SCHEMAS)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.shared_files import schemas_dir


class Schemas:
    """Compiles each schema on first use, offline, resolving remote imports through the catalog."""

    def __init__(self, root: Path) -> None:
        from lxml import etree

        self.root = root
        ns = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
        mapping = {e.get("name"): str(root / e.get("uri")) for e in etree.parse(str(root / "catalog.xml")).iter(
            ns + "uri")}

        class CatalogResolver(etree.Resolver):
            def resolve(self, url, pubid, context):  # noqa: ANN001, ANN202 - lxml's signature
                if url in mapping:
                    return self.resolve_filename(mapping[url], context)
                return None

        self._resolver = CatalogResolver
        self._cache: dict[str, object] = {}

    def xsd(self, relative: str):  # noqa: ANN201 - lxml.etree.XMLSchema
        from lxml import etree

        if relative not in self._cache:
            parser = etree.XMLParser(no_network=True)
            parser.resolvers.add(self._resolver())
            self._cache[relative] = etree.XMLSchema(etree.parse(str(self.root / relative), parser))
        return self._cache[relative]

    def dtd(self, relative: str):  # noqa: ANN201 - lxml.etree.DTD
        from lxml import etree

        if relative not in self._cache:
            self._cache[relative] = etree.DTD(str(self.root / relative))
        return self._cache[relative]


@pytest.fixture(scope="session")
def schemas() -> Schemas:
    return Schemas(schemas_dir())


@pytest.fixture
def assert_valid() -> Callable[..., None]:
    def check(schema, doc, where: str) -> None:  # noqa: ANN001
        if not schema.validate(doc):
            errors = "; ".join(str(e) for e in list(schema.error_log)[:5])
            pytest.fail(f"{where} is not valid: {errors}")

    return check


@pytest.fixture(scope="session")
def export_bytes(starter_bank) -> Callable[..., bytes]:  # noqa: ANN001
    """Export the starter bank (or one of its forms) in a format and return the file's bytes."""
    import io

    from exporters.base import ExportSelection, get_exporter

    def run(fmt: str, form_id: str | None = None, bank=None, include_drafts: bool = False) -> bytes:  # noqa: ANN001
        source = bank or starter_bank
        out = io.BytesIO()
        form = source.form(form_id) if form_id else None
        get_exporter(fmt).write(ExportSelection(source, form, include_drafts), out)
        return out.getvalue()

    return run


@pytest.fixture(scope="module")
def qti3_player(tmp_path_factory) -> Iterator:  # noqa: ANN001
    """A real QTI 3 player (@citolab/qti-components in headless Chromium), one per test module. Tests using it get
    the `browser` marker (tests/conftest.py); without Chromium, Playwright or npm they skip (fail under CI=true)."""
    from tests.exporters.qti3_consumer import running_qti3_player

    with running_qti3_player(tmp_path_factory.mktemp("qti3")) as player:
        yield player
