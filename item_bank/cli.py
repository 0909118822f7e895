"""Bank commands: validate, lint, stats, forms, audit."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from item_bank.load import check_bank, default_bank_path
from item_bank.model import Bank
from item_bank.problems import Problem

BANK_ARG = click.argument("path", required=False, type=click.Path(path_type=Path))
BANK_OPT = click.option("--bank", "bank_path", type=click.Path(path_type=Path), default=None,
                        help="Bank folder (default: the embedded bank, or $CPS_BANK).")


def load_or_exit(path: Path | None) -> tuple[Bank, list[Problem]]:
    """Load the bank; print every problem and exit 1 when it cannot be loaded."""
    bank, problems = check_bank(path or default_bank_path())
    if bank is None:
        for p in problems:
            click.echo(str(p), err=True)
        errors = sum(1 for p in problems if p.severity == "error")
        click.echo(f"{errors} error(s); the bank was not loaded. Fix them and run again.", err=True)
        sys.exit(1)
    return bank, problems


@click.command()
@BANK_ARG
def validate(path: Path | None) -> None:
    """Load the bank at PATH and report every problem as file:line: field: message."""
    bank, problems = load_or_exit(path)
    for p in problems:
        click.echo(str(p))
    click.echo(f"ok: {len(bank.items)} items, {len(bank.scenarios)} scenarios, {len(bank.forms)} forms "
               f"in {bank.root}")


@click.command()
@BANK_ARG
def forms(path: Path | None) -> None:
    """List the forms with their size, points and delivery settings."""
    from item_bank.assemble import form_items

    bank, _ = load_or_exit(path)
    for form in bank.forms:
        items = form_items(form, bank)
        s = form.settings
        limit = f"{s.time_limit_minutes} min" if s.time_limit_minutes else "no time limit"
        attempts = "unlimited attempts" if s.attempts_allowed == 0 else f"{s.attempts_allowed} attempt(s)"
        how = f"drawn with seed {form.rules.seed}" if form.rules else "fixed list"
        click.echo(f"{form.id}: {form.title} — {len(items)} items, {sum(i.points for i in items):g} points, "
                   f"{how}, {limit}, {attempts}, feedback {s.feedback.value}")


@click.command()
@BANK_ARG
def lint(path: Path | None) -> None:
    """Check item-writing flaws; errors exit 1, warnings only print."""
    from item_bank.lint import lint_bank

    bank, _ = load_or_exit(path)
    findings = lint_bank(bank)
    for f in findings:
        click.echo(str(f))
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    click.echo(f"{errors} error(s), {warnings} warning(s) in {len(bank.items)} items")
    sys.exit(1 if errors else 0)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@BANK_OPT
def stats(as_json: bool, bank_path: Path | None) -> None:
    """Counts by domain, type and difficulty; coverage against the blueprint; readability; key balance; cue audit."""
    from item_bank.stats import bank_stats, format_stats

    bank, _ = load_or_exit(bank_path)
    data = bank_stats(bank, cue_audit=True)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(format_stats(data))


@click.command()
@BANK_ARG
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--top", default=10, show_default=True, type=click.IntRange(min=0),
              help="How many of the easiest items to list per model.")
def audit(path: Path | None, as_json: bool, top: int) -> None:
    """Cue audit: can a test-wise reader find the key from the options' wording alone?

    Key vs distractor rates of surface features, the key's length rank, two models cross-validated by item and a
    three-step rule, over the reviewed single-choice items. Needs the authoring extra (numpy, scikit-learn).
    """
    from item_bank.cue_audit import AuditUnavailable, cue_audit, format_audit

    bank, _ = load_or_exit(path)
    try:
        data = cue_audit(bank, top=top)
    except AuditUnavailable as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        click.echo(format_audit(data))


bank_commands = [validate, lint, stats, forms, audit]
