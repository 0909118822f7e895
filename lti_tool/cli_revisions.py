"""`cps-assess revisions lock`: record every new item revision in the bank's revisions.lock."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from item_bank.load import default_bank_path
from item_bank.revisions import LOCK_NAME, locked_text
from lti_tool.cli_bank import BANK_ARG, load_or_exit


@click.group()
def revisions() -> None:
    """Item revisions: a changed item must carry a new revision, recorded in revisions.lock."""


@revisions.command("lock")
@BANK_ARG
def lock(path: Path | None) -> None:
    """Add every item revision not yet recorded to PATH/revisions.lock (recorded lines never change)."""
    bank, _ = load_or_exit(path)
    lock_path = Path(bank.root or (path or default_bank_path())) / LOCK_NAME
    text, added = locked_text(lock_path, bank.items, bank.scenarios)
    try:
        tmp = lock_path.with_name(lock_path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(lock_path)
    except OSError as exc:
        click.echo(f"error: cannot write {lock_path}: {exc.strerror}; check the folder's permissions", err=True)
        sys.exit(1)
    click.echo(f"recorded {added} new revision(s) in {lock_path}")


revisions_commands = [revisions]
