"""The instructor's view of one resource link: its attempts and passback status, a CSV, nothing from elsewhere."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import select

from lti_tool.delivery.models import ScoreOutbox
from lti_tool.web.db import session_scope
from tests.lti_tool.launch_rows import launch_row, platform_row

FORM = "starter-quiz"
LINEITEM = "https://lms.example.edu/api/lineitems/7"


# `app` and `client` (conftest): the app on SQLite, no background sender, and its test client.


def attempt_by(app, client, sub, *, link="link-1", submit=True, platform_id=None, lineitem=LINEITEM):
    ls, csrf = launch_row(app, sub=sub, link=link, custom={"form_id": FORM}, lineitem=lineitem,
                          platform_id=platform_id)
    started = client.get("/lti/delivery/start", query_string={"ls": ls})
    attempt_id = int(re.search(r"/attempts/(\d+)/", started.location).group(1))
    if submit:
        client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    return attempt_id


def test_the_page_lists_this_links_attempts_with_score_and_passback_status(app, client):
    attempt_by(app, client, "amara")
    attempt_by(app, client, "dev", submit=False)
    attempt_by(app, client, "keiko", lineitem=None)
    with session_scope(app) as db:
        row = db.scalar(select(ScoreOutbox))
        row.status, row.platform_reason = "failed", "score endpoint answered HTTP 404: line item not found"
    ls, _ = launch_row(app, sub="teacher", instructor=True, custom={"form_id": FORM})
    page = client.get("/lti/instructor/", query_string={"ls": ls})
    assert page.status_code == 200
    assert "Starter quiz" in page.text and "3 attempts at this link" in page.text
    assert "Learner amara" in page.text and "Learner dev" in page.text and "Learner keiko" in page.text
    assert "in progress" in page.text and "not submitted" in page.text
    assert "failed" in page.text and "line item not found" in page.text
    assert "no passback" in page.text
    assert "0 / 24" in page.text


def test_nothing_from_another_link_or_platform_is_shown(app, client):
    attempt_by(app, client, "amara", link="link-1")
    attempt_by(app, client, "stranger", link="link-2")
    other = platform_row(app, issuer="https://other-lms.example.org", client_id="other")
    attempt_by(app, client, "outsider", link="link-1", platform_id=other)
    ls, _ = launch_row(app, sub="teacher", instructor=True, link="link-1", custom={"form_id": FORM})
    page = client.get("/lti/instructor/", query_string={"ls": ls}).text
    report = client.get("/lti/instructor/attempts.csv", query_string={"ls": ls}).text
    for text in (page, report):
        assert "amara" in text
        assert "stranger" not in text and "outsider" not in text


def test_the_csv_has_one_row_per_attempt_and_neutralises_formulas(app, client):
    attempt_by(app, client, "amara")
    attempt_by(app, client, "=HYPERLINK(evil)")
    ls, _ = launch_row(app, sub="teacher", instructor=True, custom={"form_id": FORM})
    response = client.get("/lti/instructor/attempts.csv", query_string={"ls": ls})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 2
    by_user = {r["platform_user_id"]: r for r in rows}
    assert by_user["amara"]["score"] == "0" and by_user["amara"]["score_maximum"] == "24"
    assert by_user["amara"]["passback"] == "pending" and by_user["amara"]["status"] == "submitted"
    assert "'=HYPERLINK(evil)" in by_user


def test_learners_cannot_open_the_instructor_view(app, client):
    ls, _ = launch_row(app, sub="amara", custom={"form_id": FORM})
    assert client.get("/lti/instructor/", query_string={"ls": ls}).status_code == 403
    assert client.get("/lti/instructor/attempts.csv", query_string={"ls": ls}).status_code == 403
