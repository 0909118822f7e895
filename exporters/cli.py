"""Export commands: `cps-assess export` (one format, or every format into a folder) and `cps-assess formats`.

Exit status: 0 written, 1 the bank could not be loaded or a format failed to write, 2 unknown format or form.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from exporters.base import ExportSelection, available_formats, export_to_path, get_exporter
from lti_tool.cli_bank import BANK_OPT, load_or_exit

ALL = "all"


def _fail(message: str, status: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _target(selection: ExportSelection, fmt: str, folder: Path) -> Path:
    return folder / f"{selection.name}-{fmt}{get_exporter(fmt).suffix}"


def _write(selection: ExportSelection, fmt: str, path: Path) -> Path:
    total = len(selection.items)
    with tqdm(total=total, desc=fmt, unit="item", file=sys.stderr, disable=not sys.stderr.isatty(),
              leave=False) as bar:
        return export_to_path(selection, fmt, path, bar.update)


@click.command()
@click.option("--format", "fmt", required=True, metavar="FORMAT",
              help=f"One of: {', '.join(available_formats())}, or '{ALL}' for every format into a folder.")
@click.option("--form", "form_id", default=None, help="Export one form (default: the whole bank and every form).")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help="File to write (a folder with --format all, or an existing folder for a default file name).")
@BANK_OPT
def export(fmt: str, form_id: str | None, output: Path, bank_path: Path | None) -> None:
    """Write the bank (or one form) in an LMS format."""
    formats = available_formats() if fmt == ALL else [fmt]
    if fmt != ALL and fmt not in available_formats():
        _fail(f"unknown format {fmt!r}; choose one of: {', '.join(available_formats())}, {ALL} "
              "(see `cps-assess formats`)", 2)
    bank, _ = load_or_exit(bank_path)
    form = None
    if form_id is not None:
        try:
            form = bank.form(form_id)
        except KeyError:
            known = ", ".join(f.id for f in bank.forms) or "none"
            _fail(f"unknown form {form_id!r}; the bank's forms are: {known} (see `cps-assess forms`)", 2)
    selection = ExportSelection(bank, form)
    folder_mode = fmt == ALL or output.is_dir()
    if fmt == ALL and output.exists() and not output.is_dir():
        _fail(f"{output} is a file; --format {ALL} writes one file per format into a folder", 2)
    failed = 0
    for name in formats:
        path = _target(selection, name, output) if folder_mode else output
        try:
            written = _write(selection, name, path)
        except OSError as exc:
            _fail(f"cannot write {path}: {exc.strerror or exc}", 1)
        except Exception as exc:  # one broken format must not hide the others' results
            failed += 1
            click.echo(f"error: {name}: export failed: {type(exc).__name__}: {exc}", err=True)
            continue
        click.echo(f"{name}: {len(selection.items)} items -> {written}")
    if failed:
        sys.exit(1)


@click.command()
def formats() -> None:
    """List the export formats: name, file type and what it is for."""
    for name in available_formats():
        exporter = get_exporter(name)
        click.echo(f"{name:<14}{exporter.suffix:<10}{exporter.title}")


export_commands = [export, formats]
