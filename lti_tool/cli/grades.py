"""`cps-assess grades send`: drain the score outbox once (a cron job, or after the tool was down)."""

from __future__ import annotations

import sys

import click


@click.group()
def grades() -> None:
    """Grade passback (AGS): scores waiting in the outbox."""


@grades.command("send")
def send() -> None:
    """Send every score that is due now; exit 1 when some failed for good (their reasons are printed)."""
    from lti_tool import create_app, db
    from lti_tool.grades import drain

    app = create_app({"GRADES_SENDER_INTERVAL_SECONDS": 0})
    db.upgrade(app)
    report = drain(app)
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(str(report))
    sys.exit(1 if report.failed else 0)


grades_commands = [grades]
