"""`cps-assess grades send`: drain the score outbox once (a cron job, or after the tool was down).
`cps-assess grades worker`: a grade sender in the foreground, for deployments that run senders apart from the web
workers (`serve` already runs one in each of its workers; any number of senders may run together)."""

from __future__ import annotations

import signal
import sys

import click


@click.group()
def grades() -> None:
    """Grade passback (AGS): scores waiting in the outbox."""


@grades.command("send")
def send() -> None:
    """Send every score that is due now; exit 1 when some failed for good (their reasons are printed)."""
    from lti_tool import create_app
    from lti_tool.grades.outbox import drain
    from lti_tool.web import db

    app = create_app()
    db.upgrade(app)
    report = drain(app)
    for error in report.errors:
        click.echo(error, err=True)
    click.echo(str(report))
    sys.exit(1 if report.failed else 0)


@grades.command("worker")
@click.option("--interval", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds between drains (default: CPS_GRADES_SENDER_SECONDS, 10).")
def worker(interval: float | None) -> None:
    """Send scores as they become due until stopped (Ctrl-C or SIGTERM ends it after the score in hand)."""
    from lti_tool.cli.app import tool_app
    from lti_tool.grades.sender import GradeSender, interval_of

    app = tool_app()
    every = interval or interval_of(app)
    if every <= 0:
        click.echo("error: CPS_GRADES_SENDER_SECONDS is 0; give --interval SECONDS", err=True)
        sys.exit(2)
    sender = GradeSender(app, every)
    signal.signal(signal.SIGTERM, lambda *_: sender.request_stop())
    click.echo(f"grade sender: draining the outbox every {every:g} s; stop with Ctrl-C or SIGTERM")
    sys.stdout.flush()
    sender.wake()  # the first drain at once: scores may have waited while no sender ran
    try:
        sender.run()
    except KeyboardInterrupt:
        sender.request_stop()
    click.echo("grade sender stopped")
