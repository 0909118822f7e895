"""Tool commands: `serve`, `platform add|list|remove|approve`, `keys rotate` (and the `keys` commands of
lti_tool/cli/keys.py), `registration-link`.

Every command works on the database DATABASE_URL names (default: SQLite in the instance folder) and applies
the migrations first, so a fresh clone needs no setup step. `serve` runs gunicorn; each of its workers builds the
app and, from the worker hooks, starts its own grade sender (lti_tool.grades.sender).
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import distinct, func, select

from lti_tool.cli.app import tool_app as _app
from lti_tool.cli.arguments import id_problem, port_problem, url_problem
from lti_tool.cli.keys import key_storage_commands, unencrypted_key_note

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def course_builder_urls(app, base_url: str) -> dict[str, str]:
    """The URLs a course builder pastes into the LMS, on the tool's public base URL."""
    from lti_tool.web.urls import registration_urls

    with app.test_request_context("/", base_url=base_url):
        return registration_urls()


@click.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="Port to listen on.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (gunicorn); more than one needs PostgreSQL and REDIS_URL.")
def serve(host: str, port: int, workers: int) -> None:
    """Run the LTI tool: apply migrations, create keys on first start, print the URLs to register it."""
    _exit_on(port_problem(host, port), 1 if 1 <= port <= 65535 else 2)
    app = _app()  # this process only prepares; each worker sends grades
    if workers > 1 and (app.config["DATABASE_URL"].startswith("sqlite") or not app.config["REDIS_URL"]):
        click.echo("error: --workers > 1 needs DATABASE_URL on PostgreSQL and REDIS_URL set "
                   "(launch state must be shared by the workers).", err=True)
        sys.exit(2)
    base = app.config["PUBLIC_URL"] or f"http://{host}:{port}"
    click.echo(f"cps-assess LTI tool on http://{host}:{port} (public URL {base})")
    click.echo(f"database: {_redacted(app.config['DATABASE_URL'])}; instance folder: {app.instance_path}")
    for label, url in course_builder_urls(app, base).items():
        click.echo(f"  {label + ':':30} {url}")
    if not app.config["OPEN_REGISTRATION"]:
        click.echo("note: dynamic registration needs a one-time link: cps-assess registration-link")
    if note := unencrypted_key_note(app):
        click.echo(note)
    if base.startswith("http://") and host not in ("127.0.0.1", "localhost"):
        click.echo("note: LMSs need https; put a TLS proxy in front and set CPS_PUBLIC_URL and CPS_PROXY_HOPS.")
    sys.stdout.flush()
    from lti_tool.web.db import engine_of

    engine_of(app).dispose()  # no connection of this process may be inherited by the forked workers
    _run(host, port, workers)


def _exit_on(problem: str | None, status: int = 2) -> None:
    if problem:
        click.echo(f"error: {problem}", err=True)
        sys.exit(status)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _run(host: str, port: int, workers: int) -> None:
    from gunicorn.app.base import BaseApplication

    class ToolServer(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", None)
            self.cfg.set("graceful_timeout", 10)
            self.cfg.set("control_socket_disable", True)

            # The grade sender is a role of each worker, started once the worker has built its app.
            self.cfg.set("post_worker_init", start_worker_sender)
            self.cfg.set("worker_exit", stop_worker_sender)

        def load(self):
            from lti_tool import create_app

            return create_app()

    ToolServer().run()


def start_worker_sender(worker) -> None:
    """gunicorn's post_worker_init hook: this worker sends grades for the app it loaded (its own thread)."""
    from lti_tool.grades.sender import start_sender

    start_sender(worker.wsgi)


def stop_worker_sender(_server, worker) -> None:
    """gunicorn's worker_exit hook: stop the worker's sender (it finishes the row in hand)."""
    from lti_tool.grades.sender import stop_sender

    app = getattr(worker, "wsgi", None)
    if app is not None:
        stop_sender(app, timeout=5)


@click.group("platform")
def platform_group() -> None:
    """Registrations of LMS platforms (issuer + client id)."""


@platform_group.command("add")
@click.option("--issuer", required=True, help="The platform's issuer (iss), e.g. https://canvas.instructure.com")
@click.option("--client-id", required=True, help="The client id the platform gave the tool.")
@click.option("--auth-login-url", required=True, help="The platform's OIDC authorization URL.")
@click.option("--token-url", required=True, help="The platform's OAuth2 access token URL.")
@click.option("--keyset-url", required=True, help="The platform's public keyset (JWKS) URL.")
@click.option("--deployment-id", "deployment_ids", multiple=True, help="A deployment id (repeat for several).")
@click.option("--name", default="", help="A name to recognise the platform by.")
@click.option("--audience", default=None, help="The token endpoint's audience, when not the token URL.")
def platform_add(issuer: str, client_id: str, auth_login_url: str, token_url: str, keyset_url: str,
                 deployment_ids: tuple[str, ...], name: str, audience: str | None) -> None:
    """Register a platform by hand (active at once)."""
    from lti_tool.lti.models import Deployment, Platform
    from lti_tool.web import db

    for label, url in (("--issuer", issuer), ("--auth-login-url", auth_login_url), ("--token-url", token_url),
                       ("--keyset-url", keyset_url)):
        _exit_on(url_problem(label, url))
    _exit_on(id_problem("--client-id", client_id))
    for deployment_id in deployment_ids:
        _exit_on(id_problem("--deployment-id", deployment_id))
    app = _app()
    with db.session_scope(app) as session:
        existing = session.execute(select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id)
                                   ).scalar_one_or_none()
        if existing is not None:
            click.echo(f"error: platform {existing.id} already has issuer {issuer} and client id {client_id}; "
                       "remove it first to change it.", err=True)
            sys.exit(1)
        row = Platform(issuer=issuer, client_id=client_id, name=name, auth_login_url=auth_login_url,
                       auth_token_url=token_url, key_set_url=keyset_url, auth_audience=audience,
                       status=Platform.ACTIVE)
        row.deployments = [Deployment(deployment_id=d) for d in dict.fromkeys(deployment_ids)]
        session.add(row)
        session.flush()
        click.echo(f"added platform {row.id}: {issuer} client {client_id} "
                   f"({len(row.deployments)} deployment(s)), active")


@platform_group.command("list")
def platform_list() -> None:
    """List the registrations with their status and deployments."""
    from lti_tool.lti.models import Platform
    from lti_tool.web import db

    app = _app()
    with db.session_scope(app) as session:
        rows = session.execute(select(Platform).order_by(Platform.id)).scalars().all()
        if not rows:
            click.echo("no platforms registered")
        for row in rows:
            deployments = ", ".join(d.deployment_id for d in row.deployments) or "none yet"
            click.echo(f"{row.id}\t{row.status}\t{row.issuer}\tclient {row.client_id}\t{row.product or '-'}\t"
                       f"deployments: {deployments}")


def _platform_or_exit(session, platform_id: int):
    from lti_tool.lti.models import Platform

    row = session.get(Platform, platform_id)
    if row is None:
        click.echo(f"error: no platform {platform_id}; see `cps-assess platform list`.", err=True)
        sys.exit(1)
    return row


@platform_group.command("remove")
@click.argument("platform_id", type=int)
@click.option("--delete-learner-data", is_flag=True,
              help="Also delete the platform's learners, attempts and unsent scores (they go with it).")
def platform_remove(platform_id: int, delete_learner_data: bool) -> None:
    """Remove a registration (its launches stop working at once). Its learners' attempts go with it, so a
    platform that holds any is kept unless --delete-learner-data says so."""
    from lti_tool.delivery.models import OUTBOX_SENT, Attempt, ScoreOutbox
    from lti_tool.web import db

    app = _app()
    with db.session_scope(app) as session:
        row = _platform_or_exit(session, platform_id)
        attempts, learners = session.execute(
            select(func.count(Attempt.id), func.count(distinct(Attempt.user_id)))
            .where(Attempt.platform_id == platform_id)).one()
        unsent = session.scalar(select(func.count(ScoreOutbox.id)).where(
            ScoreOutbox.platform_id == platform_id, ScoreOutbox.status != OUTBOX_SENT))
        if attempts and not delete_learner_data:
            click.echo(f"error: platform {platform_id} holds {attempts} attempt(s) by {learners} learner(s) and "
                       f"{unsent} unsent score(s), which removing it would delete; download them from the "
                       "instructor pages first, then run `cps-assess platform remove "
                       f"{platform_id} --delete-learner-data`.", err=True)
            sys.exit(1)
        session.delete(row)
        click.echo(f"removed platform {platform_id} ({row.issuer}, client {row.client_id})")


@platform_group.command("approve")
@click.argument("platform_id", type=int)
def platform_approve(platform_id: int) -> None:
    """Approve a pending registration (dynamic registration without a one-time link)."""
    from lti_tool.lti.models import Platform
    from lti_tool.web import db

    app = _app()
    with db.session_scope(app) as session:
        row = _platform_or_exit(session, platform_id)
        row.status = Platform.ACTIVE
        click.echo(f"approved platform {platform_id} ({row.issuer}, client {row.client_id})")


@click.group("keys")
def keys_group() -> None:
    """The tool's signing keys."""


@keys_group.command("rotate")
def keys_rotate() -> None:
    """Sign with the already-published next key; keep the old one published for the grace period."""
    from lti_tool.lti.keys import rotate
    from lti_tool.web import db

    app = _app()
    with db.session_scope(app) as session:
        current, upcoming = rotate(session, app.config["KEY_GRACE_SECONDS"])
        hours = app.config["KEY_GRACE_SECONDS"] / 3600
        click.echo(f"now signing with {current.kid}; next key {upcoming.kid} published; "
                   f"the previous key stays published for {hours:g} h")


@click.command("registration-link")
@click.option("--base-url", default=None, help="The tool's public URL (default: CPS_PUBLIC_URL).")
def registration_link(base_url: str | None) -> None:
    """Create a one-time dynamic-registration link (registrations through it are active at once)."""
    from lti_tool.lti.registration import create_registration_link
    from lti_tool.web import db

    if base_url is not None:
        _exit_on(url_problem("--base-url", base_url))
    app = _app()
    base = (base_url or app.config["PUBLIC_URL"] or f"http://{DEFAULT_HOST}:{DEFAULT_PORT}").rstrip("/")
    with db.session_scope(app) as session:
        token = create_registration_link(session)
    click.echo(f"{base}/lti/register?link={token}")
    click.echo("Paste it into the LMS as the tool's registration URL; it works once, within 7 days.", err=True)


for _command in key_storage_commands:
    keys_group.add_command(_command)
