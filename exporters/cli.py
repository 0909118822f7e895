"""Export and import commands: `cps-assess export` (one format, or every format into a folder), `cps-assess formats`
and `cps-assess import` (QTI 2.1 / 2.2 / 3.0 packages and Canvas QTI 1.2 zips into bank YAML). They reach the
`cps-assess` group (item_bank.cli) as entry points declared in pyproject.toml.

Exit status: 0 written, 1 the bank could not be loaded, a format failed to write or a package was refused, 2 unknown
format or form, or an output the export will not write to (exporters.output_target).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import BinaryIO

import click
from tqdm import tqdm

from exporters.base import ExportSelection, available_formats, get_exporter, is_draft
from exporters.output_target import (
    STDOUT,
    OutputRefused,
    is_stdout,
    stdout_problem,
    target_problem,
    write_path,
    write_problem,
    write_when_complete,
)
from item_bank.cli import BANK_OPT, load_or_exit
from item_bank.load import default_bank_path

ALL = "all"


def _fail(message: str, status: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(status)


def _target(selection: ExportSelection, fmt: str, folder: Path) -> Path:
    return folder / f"{selection.name}-{fmt}{get_exporter(fmt).suffix}"


def _write(selection: ExportSelection, fmt: str, path: Path | None) -> str:
    """One format to `path` (None: stdout); returns where it went."""
    total = len(selection.items)
    with tqdm(total=total, desc=fmt, unit="item", file=sys.stderr, disable=not sys.stderr.isatty(),
              leave=False) as bar:
        def write(out: BinaryIO) -> None:
            get_exporter(fmt).write(selection, out, bar.update)

        if path is None:
            write_when_complete(write, sys.stdout.buffer)
            return "stdout"
        return str(write_path(path, write))


def _check_output(fmt: str, output: Path) -> None:
    """Refuse, before the bank is loaded, an output this export cannot go to (exit 2)."""
    if is_stdout(output):
        suffix = "" if fmt == ALL else get_exporter(fmt).suffix
        if problem := stdout_problem(fmt, suffix, fmt == ALL, sys.stdout.buffer.isatty()):
            _fail(problem, 2)
    elif fmt == ALL and output.exists() and not output.is_dir():
        _fail(f"{output} is a file; --format {ALL} writes one file per format into a folder", 2)
    elif not output.is_dir() and (problem := target_problem(output)):
        _fail(problem, 2)


@click.command()
@click.option("--format", "fmt", required=True, metavar="FORMAT",
              help=f"One of: {', '.join(available_formats())}, or '{ALL}' for every format into a folder.")
@click.option("--form", "form_id", default=None, help="Export one form (default: the whole bank and every form).")
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path),
              help=f"File to write ('{STDOUT}' for stdout; a folder with --format all, or an existing folder for a "
                   "default file name). A device or FIFO is written in place, a link's target is written.")
@click.option("--include-drafts", is_flag=True,
              help="Also export draft items, in a category or bank of their own named '(draft, not reviewed)' "
                   "(whole bank only; Common Cartridge never takes them).")
@BANK_OPT
def export(fmt: str, form_id: str | None, output: Path, include_drafts: bool, bank_path: Path | None) -> None:
    """Write the bank (or one form) in an LMS format. Draft items are left out unless --include-drafts.

    With -o - the file goes to stdout (a zip only when stdout is not a terminal) and the messages to stderr."""
    if include_drafts and form_id is not None:
        _fail("--include-drafts applies to the whole bank; a form exports what its rules draw "
              "(drop --form, or --include-drafts)", 2)
    formats = available_formats() if fmt == ALL else [fmt]
    if fmt != ALL and fmt not in available_formats():
        _fail(f"unknown format {fmt!r}; choose one of: {', '.join(available_formats())}, {ALL} "
              "(see `cps-assess formats`)", 2)
    _check_output(fmt, output)
    bank, _ = load_or_exit(bank_path)
    form = None
    if form_id is not None:
        try:
            form = bank.form(form_id)
        except KeyError:
            known = ", ".join(f.id for f in bank.forms) or "none"
            _fail(f"unknown form {form_id!r}; the bank's forms are: {known} (see `cps-assess forms`)", 2)
    selection = ExportSelection(bank, form, include_drafts)
    notes_to_stderr = is_stdout(output)  # stdout holds the export itself
    drafts = sum(1 for i in bank.items if is_draft(i)) if form is None and formats != ["html"] else 0
    if drafts and not include_drafts:
        click.echo(f"left out {drafts} draft item(s); --include-drafts exports them in a category of their own",
                   err=notes_to_stderr)
    _export_each(selection, formats, output, folder_mode=fmt == ALL or output.is_dir(), notes_to_stderr=notes_to_stderr)


def _export_each(selection: ExportSelection, formats: list[str], output: Path, *, folder_mode: bool,
                 notes_to_stderr: bool) -> None:
    """Write each format; a format that fails is reported and the others still written (exit 1 at the end)."""
    failed = 0
    for name in formats:
        path = None if notes_to_stderr else _target(selection, name, output) if folder_mode else output
        try:
            written = _write(selection, name, path)
        except OutputRefused as exc:
            _fail(str(exc), 2)
        except OSError as exc:
            _fail(write_problem(str(path or "stdout"), exc), 1)
        except Exception as exc:  # one broken format must not hide the others' results
            failed += 1
            click.echo(f"error: {name}: export failed: {type(exc).__name__}: {exc}", err=True)
            continue
        click.echo(f"{name}: {len(selection.items)} items -> {written}", err=notes_to_stderr)
    if failed:
        sys.exit(1)


@click.command()
def formats() -> None:
    """List the export formats: name, file type and what it is for."""
    for name in available_formats():
        exporter = get_exporter(name)
        click.echo(f"{name:<14}{exporter.suffix:<10}{exporter.title}")


@click.command(name="import")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Bank folder to write items/ (and scenarios/) into; created if missing.")
@click.option("--blueprint", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Blueprint to copy into a new folder and to map rubrics (default: the bank's, or $CPS_BANK's).")
@click.option("--merge", is_flag=True,
              help="Add the items to an existing bank in OUTPUT (refused if an imported id is already there).")
def import_command(package: Path, output: Path, blueprint: Path | None, merge: bool) -> None:
    """Read PACKAGE (a .zip, an unzipped package folder or a QTI XML file) into bank YAML in OUTPUT."""
    from exporters.import_target import ImportTargetError, check_target, rubric_ids_or_error
    from exporters.qti_import import ImportRefused, read_package, write_bank_files

    try:
        if blueprint is not None and not blueprint.is_file():
            raise ImportTargetError(f"--blueprint {blueprint}: no such file; give the path of a bank's "
                                    "blueprint.yaml or leave the option out")
        blueprint = blueprint or default_bank_path() / "blueprint.yaml"
        rubric_ids = rubric_ids_or_error(blueprint)
        existing_ids = check_target(output, merge)
        result = read_package(package, rubric_ids)
        imported_ids = {item.id for item in result.items} | {str(s.get("id")) for s in result.scenarios}
        if clashes := sorted(existing_ids & imported_ids):
            raise ImportTargetError(
                f"{output}: {len(clashes)} imported id(s) already in the bank: {', '.join(clashes[:10])}"
                + (" …" if len(clashes) > 10 else "") + "; nothing written (import into a new folder instead)")
    except (ImportRefused, ImportTargetError) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for skipped in result.skipped:
        click.echo(str(skipped))
    if not result.items:
        click.echo(f"error: {package.name}: no item of a supported type (single choice, multiple response, "
                   "true/false, essay); nothing written", err=True)
        sys.exit(1)
    try:
        written = write_bank_files(result, output, package.stem, blueprint)
    except ImportRefused as exc:
        _fail(str(exc), 1)
    except OSError as exc:
        _fail(f"{output}: cannot write the bank files ({exc.strerror or exc}); choose a folder you can write to",
              1)
    for item in result.items:
        if item.removed:
            counts = Counter(item.removed)
            click.echo(f"warning: {item.id} ({item.source}): left out unsafe content: "
                       + ", ".join(f"{what} ({n})" for what, n in counts.items())
                       + "; check that the item still reads as intended", err=True)
        gaps = item.missing()
        if gaps:
            click.echo(f"{item.id}: fill in {', '.join(gaps)} before the bank validates")
    copies = f" ({result.copies} further copies of the same items read once)" if result.copies else ""
    click.echo(f"imported {len(result.items)} item(s){copies}, {len(result.scenarios)} scenario(s), skipped "
               f"{len(result.skipped)} from {package.name} ({result.flavour or 'single file'}) into "
               + ", ".join(str(p) for p in written))
