"""`cps-assess import PACKAGE -o DIR`: QTI 2.1 / 2.2 / 3.0 packages and Canvas QTI 1.2 zips into bank YAML."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import click

from exporters.qti_import import ImportRefused, read_package, rubric_ids_from, write_bank_files
from item_bank.load import default_bank_path


@click.command(name="import")
@click.argument("package", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Bank folder to write items/ (and scenarios/) into; created if missing.")
@click.option("--blueprint", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Blueprint to copy into a new folder and to map rubrics (default: the bank's, or $CPS_BANK's).")
def import_command(package: Path, output: Path, blueprint: Path | None) -> None:
    """Read PACKAGE (a .zip, an unzipped package folder or a QTI XML file) into bank YAML in OUTPUT."""
    blueprint = blueprint or default_bank_path() / "blueprint.yaml"
    try:
        result = read_package(package, rubric_ids_from(blueprint))
    except ImportRefused as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for skipped in result.skipped:
        click.echo(str(skipped))
    if not result.items:
        click.echo(f"error: {package.name}: no item of a supported type (single choice, multiple response, "
                   "true/false, essay); nothing written", err=True)
        sys.exit(1)
    written = write_bank_files(result, output, package.stem, blueprint)
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


import_commands = [import_command]
