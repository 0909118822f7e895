"""The exporter interface and the registry of formats: a new format is one new module plus one line here.

An exporter receives an `ExportSelection` (the whole bank, or one form) and writes one file to a binary stream,
item by item, calling `progress(1)` after each item so that long exports can show a progress bar.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from item_bank.assemble import form_items
from item_bank.model import Bank, Form, Item

Progress = Callable[[int], None]

# format name -> module that defines `EXPORTER`
FORMAT_MODULES: dict[str, str] = {
    "canvas-qti12": "exporters.canvas_qti12",
    "qti21": "exporters.qti21",
    "qti30": "exporters.qti30",
    "cc13": "exporters.common_cartridge",
    "cc11": "exporters.common_cartridge_11",
    "moodle-xml": "exporters.moodle_xml",
    "gift": "exporters.gift",
    "html": "exporters.review_html",
}


DRAFT_LABEL = "draft, not reviewed"  # names the category or bank that holds drafts (only with include_drafts)


def is_draft(item: Item) -> bool:
    return item.status == "draft"


@dataclass(frozen=True)
class ExportSelection:
    """What to export: the bank, and either one form or (form=None) every item and every form.

    A whole-bank export leaves draft items out unless `include_drafts`; the exporters then put them in a
    category or bank of their own named with `DRAFT_LABEL`, never among the reviewed items. A form's items are
    what its rules draw, which is what the tool delivers."""

    bank: Bank
    form: Form | None = None
    include_drafts: bool = False

    @property
    def items(self) -> list[Item]:
        if self.form is not None:
            return form_items(self.form, self.bank)
        return [i for i in self.bank.items if self.include_drafts or not is_draft(i)]

    @property
    def forms(self) -> list[Form]:
        return [self.form] if self.form is not None else list(self.bank.forms)

    @property
    def name(self) -> str:
        return self.form.id if self.form is not None else "cps-ethics-bank"


class Exporter(Protocol):
    name: str  # the --format value
    title: str  # one line for `cps-assess formats`
    suffix: str  # file name ending, e.g. ".zip"

    def write(self, selection: ExportSelection, out: BinaryIO, progress: Progress | None = None) -> None: ...


class UnknownFormat(KeyError):
    pass


def available_formats() -> list[str]:
    return list(FORMAT_MODULES)


def get_exporter(name: str) -> Exporter:
    module = FORMAT_MODULES.get(name)
    if module is None:
        raise UnknownFormat(f"unknown format {name!r}; choose one of: {', '.join(FORMAT_MODULES)}")
    return importlib.import_module(module).EXPORTER


def export_to_path(selection: ExportSelection, fmt: str, path: Path, progress: Progress | None = None) -> Path:
    """Write one format to `path` (exporters.output_target): a regular file atomically, so a failed export never
    leaves a half-written file behind; a device or FIFO in place, never replaced; a link's target."""
    from exporters.output_target import write_path

    exporter = get_exporter(fmt)
    return write_path(path, lambda out: exporter.write(selection, out, progress))
