"""`cps-assess`: the one command line, and the bank's commands (validate, lint, stats, forms, audit, revisions).

The group lives here, at the bottom, so the bank's commands never need the packages above it. The other packages
add their commands as entry points in the group `cps_assess.commands` (pyproject.toml): the exports and imports
(exporters.cli) always, the LTI tool's (lti_tool.cli) when its extra is installed. An entry point that names an
extra (`module:command [lti]`) is offered only when that extra's requirements are installed; called without them,
it says in one line which extra to install.

Exit status: 0 ok, 1 problems found (or a command's extra is not installed), 2 usage error (click's own convention
for bad arguments).
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path

import click

from item_bank.load import check_bank, default_bank_path
from item_bank.model import Bank
from item_bank.problems import Problem
from item_bank.revisions import LOCK_NAME, locked_text

ENTRY_POINT_GROUP = "cps_assess.commands"
DISTRIBUTION = "cps-assess"

BANK_ARG = click.argument("path", required=False, type=click.Path(path_type=Path))
BANK_OPT = click.option("--bank", "bank_path", type=click.Path(path_type=Path), default=None,
                        help="Bank folder (default: the embedded bank, or $CPS_BANK).")


def load_or_exit(path: Path | None) -> tuple[Bank, list[Problem]]:
    """Load the bank; print every problem and exit 1 when it cannot be loaded."""
    bank, problems = check_bank(path or default_bank_path(), bulk=True)
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
@BANK_ARG
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--bank", "bank_path", type=click.Path(path_type=Path), default=None,
              help="Deprecated: give the bank folder as PATH, as the other bank commands take it.")
def stats(path: Path | None, as_json: bool, bank_path: Path | None) -> None:
    """Counts by domain, type and difficulty; coverage against the blueprint; readability; key balance; cue audit."""
    from item_bank.stats import bank_stats, format_stats

    if bank_path is not None:
        if path is not None:
            click.echo(f"error: two banks given ({path} and --bank {bank_path}); give the folder once, as PATH",
                       err=True)
            sys.exit(2)
        click.echo(f"note: `stats --bank PATH` is deprecated; use `cps-assess stats {bank_path}`", err=True)
    bank, _ = load_or_exit(path or bank_path)
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


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def missing_for(extras: list[str], requires: list[str] | None) -> list[str]:
    """The requirements of `extras` (lines of a distribution's Requires-Dist) that are not installed."""
    wanted = []
    for line in requires or []:
        requirement, _, marker = line.partition(";")
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        name = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
        if extra and name and extra.group(1) in extras and name.group(0) != DISTRIBUTION:
            wanted.append(name.group(0))
    return [name for name in dict.fromkeys(wanted) if not _installed(name)]


def _not_installed(name: str, extras: list[str], missing: list[str]) -> click.Command:
    """Stands in for a command whose extra is not installed: one line saying which extra brings it."""
    spec = f"{DISTRIBUTION}[{','.join(extras)}]"

    @click.command(name, add_help_option=False, hidden=True,
                   context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
    def stand_in() -> None:
        which = f" ({', '.join(missing)} missing)" if len(missing) <= 3 else ""
        click.echo(f"error: `cps-assess {name}` needs the {'/'.join(extras)} extra, which is not installed{which}: "
                   f"pip install '{spec}'", err=True)
        sys.exit(1)

    return stand_in


class CommandGroup(click.Group):
    """The group's own commands, then the entry points of ENTRY_POINT_GROUP, loaded when first asked for."""

    def _entry_points(self) -> dict[str, metadata.EntryPoint]:
        found = {}
        for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
            found.setdefault(entry.name, entry)
        return found

    @staticmethod
    def _missing(entry: metadata.EntryPoint) -> list[str]:
        if not entry.extras:
            return []
        dist = entry.dist or metadata.distribution(DISTRIBUTION)
        return missing_for(entry.extras, dist.requires)

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        names.update(name for name, entry in self._entry_points().items() if not self._missing(entry))
        return sorted(names)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        entry = self._entry_points().get(name)
        if entry is None:
            return None
        missing = self._missing(entry)
        if missing:
            return _not_installed(name, entry.extras, missing)
        try:
            return entry.load()
        except ModuleNotFoundError as exc:  # an extra's package removed after its metadata was checked
            if not entry.extras:
                raise
            return _not_installed(name, entry.extras, [exc.name or str(exc)])

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_commands(ctx, formatter)
        absent: dict[str, list[str]] = {}
        for name, entry in sorted(self._entry_points().items()):
            if self._missing(entry):
                absent.setdefault(",".join(entry.extras), []).append(name)
        for extras, names in absent.items():
            with formatter.section(f"Not installed (pip install '{DISTRIBUTION}[{extras}]')"):
                formatter.write_text(", ".join(names))


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name=DISTRIBUTION)
def main() -> None:
    """CPS ethics assessments: validate and export the item bank, and run the LTI 1.3 tool."""


for _command in (validate, lint, stats, forms, audit, revisions):
    main.add_command(_command)

if __name__ == "__main__":
    main()
