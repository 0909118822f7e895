"""Helpers shared by the LTI tool's tests (and the browser and scale tests): an app on a database of the test's own,
the tool registered on the test platform, following the tool's redirects, taking the starter quiz through the HTML
pages, the score outbox, and waiting for a condition with a deadline.

Test modules import from here, never from one another; the fixtures that use these live in conftest.py.
"""

from __future__ import annotations

import atexit
import html
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import requests
from flask import Flask

from tests.conftest import STARTER_BANK
from tests.lti_platform import LtiPlatform

FORM = "starter-quiz"

# Every app a test made; conftest's autouse fixture stops them when the test ends.
APPS_OF_THIS_TEST: list[Flask] = []
_migrated_sqlite: list[Path] = []  # one SQLite database at the migrations' head, made once per process


def make_app(tmp_path: Path, url: str, **overrides) -> Flask:
    """The tool's app on `url` with the starter bank, its migrations applied; stopped when the test ends.

    A new SQLite file starts as a copy of one database migrated once per process (running the migrations takes
    about 0.1 s per app, hundreds of times a run); `db.upgrade` then finds it at the head and does nothing."""
    from lti_tool import create_app
    from lti_tool.grades.sender import start_sender
    from lti_tool.web import db

    target = _sqlite_file(url)
    if target is not None and not target.exists() and target.parent.is_dir():
        shutil.copyfile(_migrated_sqlite_database(), target)
    config = {"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": url, "SECRET_KEY": "test-secret",
              "BANK_PATH": str(STARTER_BANK), "HTTP_TIMEOUT_SECONDS": 5,
              # No background grade sender unless a test asks for one: a sender left running by an earlier
              # test would drain the next test's outbox on the shared PostgreSQL database.
              "GRADES_SENDER_INTERVAL_SECONDS": 0,
              # The test platforms listen on 127.0.0.1: dynamic registration may call that address (and no other
              # non-public one), as CPS_REGISTRATION_ALLOWED_NETWORKS allows in development.
              "REGISTRATION_ALLOWED_NETWORKS": ("127.0.0.1/32",), **overrides}
    app = create_app(config)
    APPS_OF_THIS_TEST.append(app)
    db.upgrade(app)
    # create_app starts no sender; an app asked for one (GRADES_SENDER_INTERVAL_SECONDS > 0) runs it as a served
    # worker does (lti_tool/cli/server.py's worker hook).
    start_sender(app)
    return app


def _sqlite_file(url: str) -> Path | None:
    """The file of a `sqlite:///PATH` URL (None for other databases, memory and URLs with options)."""
    if not url.startswith("sqlite:///") or "?" in url or url == "sqlite:///:memory:":
        return None
    return Path(url.removeprefix("sqlite:///"))


def _migrated_sqlite_database() -> Path:
    if not _migrated_sqlite:
        from lti_tool import create_app
        from lti_tool.web import db

        folder = Path(tempfile.mkdtemp(prefix="cps-migrated-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        head = folder / "head.sqlite3"
        app = create_app({"INSTANCE_PATH": str(folder / "instance"), "DATABASE_URL": f"sqlite:///{head}",
                          "SECRET_KEY": "test-secret", "BANK_PATH": str(STARTER_BANK),
                          "GRADES_SENDER_INTERVAL_SECONDS": 0})
        db.upgrade(app)
        db.engine_of(app).dispose()
        _migrated_sqlite.append(head)
    return _migrated_sqlite[0]


def stop_app(app: Flask) -> None:
    """Stop the app's background work and close its connections (before a test database is dropped)."""
    from lti_tool.web import db

    sender = app.extensions.pop("grade_sender", None)
    if sender is not None:
        sender.stop()
    db.engine_of(app).dispose()


def live_grade_senders() -> list[threading.Thread]:
    """Background grade-sender threads still running in this process."""
    from lti_tool.grades.sender import SENDER_THREAD_NAME

    return [t for t in threading.enumerate() if t.name == SENDER_THREAD_NAME and t.is_alive()]


@dataclass
class LiveTool:
    app: Flask
    url: str


def register_by_hand(tool: LiveTool, platform: LtiPlatform, client_id: str = "client-1",
                     deployment_ids: tuple[str, ...] = ("dep-1",), status: str = "active") -> None:
    """Register the tool on the platform and the platform in the tool, as `cps-assess platform add` does."""
    from lti_tool.lti.models import Deployment, Platform
    from lti_tool.web import db

    platform.add_client(client_id, tool.url, deployment_ids)
    with db.session_scope(tool.app) as session:
        row = Platform(issuer=platform.issuer, client_id=client_id, name="Test platform", product=platform.flavour,
                       auth_login_url=f"{platform.url}/auth", auth_token_url=f"{platform.url}/token",
                       key_set_url=f"{platform.url}/jwks", status=status)
        row.deployments = [Deployment(deployment_id=d) for d in deployment_ids]
        session.add(row)


def follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    """Follow the tool's own redirects (303 after each post) to the page they lead to."""
    while response.status_code in (302, 303):
        response = browser.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False,
                               timeout=10)
    return response


def absolute(tool, location: str) -> str:
    return location if location.startswith("http") else tool.url + location


def wait_for(condition: Callable[[], object], seconds: float = 15.0, interval: float = 0.1) -> bool:
    """Poll `condition` until it holds or `seconds` pass; its last answer (so `assert wait_for(...)` reads well)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return bool(condition())


def quiz_items(bank, form: str = FORM):
    """The starter quiz's items in the order the tool delivers them."""
    from item_bank.assemble import form_items

    return form_items(bank.form(form), bank)


def item_on_page(page: str, items):
    """The bank item whose stem this question page shows."""
    from item_bank.markup import to_plain_text

    text = html.unescape(re.sub(r"<[^>]+>", " ", page))
    text = re.sub(r"\s+", " ", text)
    for item in items:
        if re.sub(r"\s+", " ", to_plain_text(item.stem))[:60] in text:
            return item
    raise AssertionError("no bank item matches this page")


def take_the_quiz(tool, browser, first_page: requests.Response, items, before_submit=None) -> requests.Response:
    """Answer every question through the HTML forms (keys for choice items, a text for essays), then submit."""
    from item_bank.model import ItemType
    from tests.lti_platform import parse_form

    page = first_page
    while "Review your answers" not in page.text:
        item = item_on_page(page.text, items)
        action, fields = parse_form(page.text)
        data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "next"}
        if item.type is ItemType.EXTENDED_TEXT:
            data["essay"] = "I would explain the limit kindly and keep the relationship."
        else:
            data["answer"] = sorted(item.key_ids)
        page = follow(browser, browser.post(absolute(tool, action), data=data, allow_redirects=False, timeout=10))
    action, fields = parse_form(page.text)
    if before_submit is not None:
        before_submit()
    return follow(browser, browser.post(absolute(tool, action), data=fields, allow_redirects=False, timeout=10))


def outbox(app: Flask) -> list:
    """The score outbox's rows, oldest first."""
    from sqlalchemy import select

    from lti_tool.delivery.models import ScoreOutbox
    from lti_tool.web.db import session_scope

    with session_scope(app) as db:
        return list(db.scalars(select(ScoreOutbox).order_by(ScoreOutbox.id)))


def outbox_settled(app: Flask, rows: int = 1) -> bool:
    """At least `rows` scores queued and each in a final state (sent, failed or superseded): no sender will post
    any of them again, so what the platform holds now is what it keeps."""
    found = outbox(app)
    return len(found) >= rows and all(row.status in ("sent", "failed", "superseded") for row in found)


def platform_id(app: Flask) -> int:
    from sqlalchemy import select

    from lti_tool.lti.models import Platform
    from lti_tool.web.db import session_scope

    with session_scope(app) as db:
        return db.scalar(select(Platform.id))


def lineitem_url(platform: LtiPlatform, link: str = "link-1") -> str:
    return f"{platform.url}/ags/course-1/lineitems/{platform.ensure_lineitem('course-1', link)}"


def submitted(tool: LiveTool, platform: LtiPlatform, sub: str, *, right: bool = True, link: str = "link-1",
              lineitem: str | None = None) -> int:
    """A learner takes the starter quiz through the delivery pages and submits; returns the attempt id."""
    from lti_tool.delivery.attempts import presented_items
    from lti_tool.delivery.models import Attempt
    from lti_tool.web.db import session_scope
    from tests.lti_tool.launch_rows import launch_row

    ls, csrf = launch_row(tool.app, sub=sub, link=link, custom={"form_id": FORM},
                          lineitem=lineitem or lineitem_url(platform, link), platform_id=platform_id(tool.app))
    client = tool.app.test_client()
    started = client.get("/lti/delivery/start", query_string={"ls": ls})
    attempt_id = int(re.search(r"/attempts/(\d+)/", started.location).group(1))
    with session_scope(tool.app) as db:
        items = [p.item for p in presented_items(db, db.get(Attempt, attempt_id))]
    for number, item in enumerate(items, start=1):
        if item.type.has_choices and right:
            client.post(f"/lti/delivery/attempts/{attempt_id}/items/{number}",
                        data={"ls": ls, "csrf_token": csrf, "answer": sorted(item.key_ids)})
    done = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    assert done.status_code == 303
    return attempt_id
