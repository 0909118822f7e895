"""`cps-assess regrade`: an admin regrades one item revision across resource links, with a preview first."""

from __future__ import annotations

import getpass
import sys

import click


@click.command()
@click.argument("item_id")
@click.option("--revision", type=click.IntRange(min=1), required=True,
              help="The item revision the attempts were given.")
@click.option("--policy", type=click.Choice(["new-key", "full-credit", "drop"]), required=True,
              help="new-key: score the saved answers with the bank's newer revision; full-credit; drop.")
@click.option("--reason", required=True, help="Why (kept in the regrade record).")
@click.option("--link", "links", multiple=True, metavar="RESOURCE_LINK_ID",
              help="Only attempts at these LMS resource links (repeatable; default: every link).")
@click.option("--by", "actor", default=None, help="Who regrades (default: the system user name).")
@click.option("--yes", is_flag=True, help="Commit; without it only the preview is printed and nothing is saved.")
def regrade(item_id: str, revision: int, policy: str, reason: str, links: tuple[str, ...], actor: str | None,
            yes: bool) -> None:
    """Regrade the submitted attempts that used ITEM_ID at --revision, showing old and new totals first."""
    from sqlalchemy import select

    from lti_tool import create_app
    from lti_tool.instructor import regrade as regrading
    from lti_tool.lti.models import ResourceLink
    from lti_tool.web import db
    from lti_tool.web.bank_access import bank_of
    from lti_tool.web.db import session_scope

    if not reason.strip():
        click.echo("error: --reason is empty; say why you regrade", err=True)
        sys.exit(2)
    app = create_app()
    db.upgrade(app)
    bank = bank_of(app)
    with session_scope(app) as session:
        link_ids = None
        if links:
            rows = session.scalars(select(ResourceLink).where(ResourceLink.resource_link_id.in_(links))).all()
            missing = sorted(set(links) - {r.resource_link_id for r in rows})
            if missing:
                click.echo(f"error: no resource link {', '.join(missing)} in the tool's database; check the ids "
                           "(the LMS's resource link ids)", err=True)
                sys.exit(1)
            link_ids = [r.id for r in rows]
        try:
            plan = regrading.plan_regrade(session, bank, item_id, revision, regrading.Policy(policy), link_ids)
        except regrading.RegradeRefused as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        for c in plan.changes:
            mark = "" if c.changes_total else "  (unchanged)"
            click.echo(f"attempt {c.attempt_id} {c.learner}: {_pair(c.old_total)} -> {_pair(c.new_total)}{mark}")
        label = regrading.POLICY_LABELS[plan.policy]
        click.echo(f"{len(plan.changed)} of {len(plan.changes)} attempt(s) change ({label})")
        if not yes:
            click.echo("preview only: nothing was saved; run again with --yes to commit")
            return
        who = actor or getpass.getuser()
        record, queued = regrading.apply_regrade(session, bank, plan, actor=f"admin {who}", reason=reason)
        click.echo(f"regrade {record.id} saved; {len(queued)} score(s) queued for the gradebook "
                   "(the server's sender sends them, or run `cps-assess grades send`)")


def _pair(total: tuple[float | None, float | None]) -> str:
    return f"{total[0] or 0:g}/{total[1] or 0:g}"

