"""Launch sessions: renewed while the learner works (a 2-hour exam is never cut off), ended after an idle spell with
a clear page and nothing lost, shorter for instructors, and a fresh launch for grade changes after a set time."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from lti_tool.delivery.models import Attempt, Response
from lti_tool.lti.models import LaunchSession
from lti_tool.web.db import session_scope
from tests.lti_tool.helpers import make_app
from tests.lti_tool.launch_rows import launch_row

FORM = "starter-quiz"


@pytest.fixture
def app_config() -> dict:
    """`app` (conftest) with a 2-second idle timeout and a 6-hour launch session."""
    return {"SESSION_IDLE_SECONDS": 2, "LAUNCH_SESSION_SECONDS": 6 * 3600}


def shift(app, ls: str, *, started_ago: timedelta | None = None, expires_in: timedelta | None = None) -> None:
    with session_scope(app) as db:
        values = {}
        if started_ago is not None:
            values["created_at"] = datetime.now(UTC) - started_ago
        if expires_in is not None:
            values["expires_at"] = datetime.now(UTC) + expires_in
        db.execute(update(LaunchSession).where(LaunchSession.id == ls).values(**values))


def start(client, ls: str) -> int:
    response = client.get("/lti/delivery/start", query_string={"ls": ls})
    return int(re.search(r"/attempts/(\d+)/", response.location).group(1))


def save_first_option(client, ls: str, csrf: str, attempt_id: int, number: int):
    page = client.get(f"/lti/delivery/attempts/{attempt_id}/items/{number}", query_string={"ls": ls})
    first = re.search(r'name="answer" value="([^"]+)"', page.text)
    data = {"ls": ls, "csrf_token": csrf, "go": "next", "answer": [first.group(1)] if first else []}
    return client.post(f"/lti/delivery/attempts/{attempt_id}/items/{number}", data=data)


def test_a_learner_who_keeps_working_is_never_cut_off(app):
    """Requests every second for longer than the idle timeout (2 s here) keep the session alive."""
    client = app.test_client()
    ls, csrf = launch_row(app, sub="amara", custom={"form_id": FORM}, expires_in=2)
    attempt_id = start(client, ls)
    deadline = time.monotonic() + 5
    number = 1
    while time.monotonic() < deadline:
        assert save_first_option(client, ls, csrf, attempt_id, number).status_code == 303
        number = number % 3 + 1
        time.sleep(0.8)


def test_a_learner_two_hours_into_an_exam_keeps_working(app):
    client = app.test_client()
    ls, csrf = launch_row(app, sub="amara", custom={"form_id": FORM})
    attempt_id = start(client, ls)
    shift(app, ls, started_ago=timedelta(hours=2), expires_in=timedelta(seconds=1))
    assert save_first_option(client, ls, csrf, attempt_id, 1).status_code == 303
    with session_scope(app) as db:
        renewed = db.get(LaunchSession, ls).expires_at
    assert renewed > datetime.now(UTC) + timedelta(seconds=1)


def test_an_idle_session_ends_with_a_clear_page_and_nothing_saved_is_lost(app):
    client = app.test_client()
    ls, csrf = launch_row(app, sub="amara", custom={"form_id": FORM})
    attempt_id = start(client, ls)
    save_first_option(client, ls, csrf, attempt_id, 1)
    shift(app, ls, expires_in=timedelta(seconds=-1))
    page = client.get(f"/lti/delivery/attempts/{attempt_id}/items/2", query_string={"ls": ls})
    assert page.status_code == 401
    assert "Your session has ended" in page.text and "Every answer you saved is kept" in page.text
    refused = save_first_option(client, ls, csrf, attempt_id, 2)
    assert refused.status_code == 401
    again, _ = launch_row(app, sub="amara", custom={"form_id": FORM})
    assert start(client, again) == attempt_id  # the new launch resumes the same attempt
    with session_scope(app) as db:
        assert db.get(Attempt, attempt_id).status == "in_progress"
        assert len(db.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()) == 1


def test_the_absolute_lifetime_caps_renewal_and_is_shorter_for_instructors(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, SESSION_IDLE_SECONDS=3600, INSTRUCTOR_SESSION_SECONDS=7200)
    client = app.test_client()
    teacher, _ = launch_row(app, sub="teacher", instructor=True, custom={"form_id": FORM})
    shift(app, teacher, started_ago=timedelta(minutes=100), expires_in=timedelta(minutes=1))
    assert client.get("/lti/instructor/", query_string={"ls": teacher}).status_code == 200
    with session_scope(app) as db:
        session = db.get(LaunchSession, teacher)
        assert session.expires_at <= session.created_at + timedelta(seconds=7200)


def test_an_instructor_grade_change_after_the_limit_asks_for_a_fresh_launch(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, GRADE_CHANGE_SECONDS=1800)
    client = app.test_client()
    teacher, csrf = launch_row(app, sub="teacher", instructor=True, custom={"form_id": FORM})
    shift(app, teacher, started_ago=timedelta(minutes=45))
    for path, data in (("/lti/instructor/attempts/1/grade", {}), ("/lti/instructor/scores/1/retry", {}),
                       ("/lti/instructor/regrade", {"confirm": "yes", "revision": "x@1", "policy": "drop",
                                                    "reason": "r"})):
        refused = client.post(path, data={"ls": teacher, "csrf_token": csrf, **data})
        assert refused.status_code == 403, path
        assert "Open the tool again to change grades" in refused.text and "Nothing was changed" in refused.text
    assert client.get("/lti/instructor/", query_string={"ls": teacher}).status_code == 200  # reading is fine


def test_settings_of_zero_are_refused_at_start(tmp_path, sqlite_url):
    with pytest.raises(ValueError, match="SESSION_IDLE_SECONDS must be a positive number"):
        make_app(tmp_path, sqlite_url, SESSION_IDLE_SECONDS=0)
