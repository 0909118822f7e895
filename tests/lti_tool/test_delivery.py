"""The learner's pages: nothing secret before submission, stable order, saved answers, limits, ownership, CSRF."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from item_bank.assemble import form_items
from item_bank.markup import to_plain_text
from item_bank.model import ItemType
from lti_tool.delivery.models import Attempt, Response, ScoreOutbox
from lti_tool.web.db import session_scope
from tests.lti_tool.helpers import make_app
from tests.lti_tool.launch_rows import launch_row

FORM = "starter-quiz"
LINEITEM = "https://lms.example.edu/api/lineitems/7"


# `app` and `client` (conftest): the app on SQLite, no background sender, and its test client.


def learner(app, sub="amara", **custom):
    return launch_row(app, sub=sub, custom={"form_id": FORM, **custom}, lineitem=LINEITEM)


def start(client, ls):
    """Follow the launch landing page to the first question; returns the attempt id and the page."""
    response = client.get("/lti/delivery/start", query_string={"ls": ls})
    assert response.status_code == 303, response.text
    page = client.get(response.location)
    attempt_id = int(re.search(r"/attempts/(\d+)/", response.location).group(1))
    return attempt_id, page


def option_order(html: str) -> list[str]:
    return re.findall(r'name="answer" value="([^"]+)"', html)


def answer(client, attempt_id, number, ls, csrf, values=(), essay=None, go="next"):
    data = {"ls": ls, "csrf_token": csrf, "go": go, "answer": list(values)}
    if essay is not None:
        data["essay"] = essay
    return client.post(f"/lti/delivery/attempts/{attempt_id}/items/{number}", data=data)


def presented_ids(app, attempt_id):
    """The item ids in the order this attempt shows them (as the tool computes it)."""
    from lti_tool.delivery.attempts import presented_items

    with session_scope(app) as s:
        attempt = s.get(Attempt, attempt_id)
        return [p.item for p in presented_items(s, attempt)]


def test_pages_before_submission_contain_no_key_and_no_rationale(app, client, starter_bank):
    ls, csrf = learner(app)
    attempt_id, first = start(client, ls)
    items = form_items(starter_bank.form(FORM), starter_bank)
    secrets = [to_plain_text(c.rationale)[:40] for i in items for c in i.choices]
    secrets += [to_plain_text(i.feedback)[:40] for i in items]
    pages = [first.text]
    for number in range(2, len(items) + 1):
        pages.append(client.get(f"/lti/delivery/attempts/{attempt_id}/items/{number}", query_string={"ls": ls}).text)
    pages.append(client.get(f"/lti/delivery/attempts/{attempt_id}/review", query_string={"ls": ls}).text)
    assert len(pages) == len(items) + 1
    for html in pages:
        for secret in secrets:
            assert secret not in html
        inputs = " ".join(re.findall(r"<input[^>]*>", html))
        assert "correct" not in inputs and "rationale" not in html.lower()
        assert 'class="correct"' not in html


def test_reload_shows_the_same_order_and_saved_answers(app, client):
    ls, csrf = learner(app)
    attempt_id, first = start(client, ls)
    items = presented_ids(app, attempt_id)
    choice_items = [n for n, i in enumerate(items, start=1) if i.type is ItemType.SINGLE_CHOICE]
    number = choice_items[0]
    url = f"/lti/delivery/attempts/{attempt_id}/items/{number}"
    before = client.get(url, query_string={"ls": ls}).text
    assert option_order(before) == option_order(client.get(url, query_string={"ls": ls}).text)
    picked = option_order(before)[-1]
    response = answer(client, attempt_id, number, ls, csrf, [picked])
    assert response.status_code == 303
    again = client.get(url, query_string={"ls": ls}).text
    assert option_order(again) == option_order(before)
    assert re.search(rf'value="{picked}"\s+checked', again)
    resumed = client.get("/lti/delivery/start", query_string={"ls": ls})
    assert f"/attempts/{attempt_id}/" in resumed.location
    with session_scope(app) as s:
        saved = s.scalars(select(Response).where(Response.attempt_id == attempt_id)).all()
        assert [(r.item_id, r.choice_ids) for r in saved] == [(items[number - 1].id, [picked])]


def test_essay_answer_is_saved_and_shown_again(app, client):
    ls, csrf = learner(app)
    attempt_id, _ = start(client, ls)
    items = presented_ids(app, attempt_id)
    number = next(n for n, i in enumerate(items, start=1) if i.type is ItemType.EXTENDED_TEXT)
    answer(client, attempt_id, number, ls, csrf, essay="I would name the limit <kindly>.")
    page = client.get(f"/lti/delivery/attempts/{attempt_id}/items/{number}", query_string={"ls": ls}).text
    assert "I would name the limit &lt;kindly&gt;." in page


def test_submit_scores_with_the_bank_rule_and_queues_one_score(app, client, starter_bank):
    ls, csrf = learner(app)
    attempt_id, _ = start(client, ls)
    items = presented_ids(app, attempt_id)
    for number, item in enumerate(items, start=1):
        if item.type.has_choices:
            answer(client, attempt_id, number, ls, csrf, sorted(item.key_ids))
    first = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    second = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    assert first.status_code == 303 and second.status_code == 303
    choice_points = sum(i.points for i in items if i.type.has_choices)
    with session_scope(app) as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.submitted and attempt.score == choice_points and attempt.pending_manual
        assert attempt.score_maximum == sum(i.points for i in items)
        rows = s.scalars(select(ScoreOutbox)).all()
        assert len(rows) == 1
        assert (rows[0].score_given, rows[0].grading_progress, rows[0].lineitem_url) == (
            choice_points, "PendingManual", LINEITEM)
    result = client.get(first.location).text
    assert f"{choice_points:g} out of {sum(i.points for i in items):g}" in result
    rationale = to_plain_text(items[0].choices[0].rationale)[:40]
    assert rationale in result


def test_feedback_policy_never_shows_score_but_no_rationale(app, client):
    ls, csrf = learner(app, feedback="never")
    attempt_id, _ = start(client, ls)
    items = presented_ids(app, attempt_id)
    result = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    page = client.get(result.location).text
    assert "Score:" in page and "does not show the answers" in page
    for item in items:
        for choice in item.choices:
            assert to_plain_text(choice.rationale)[:40] not in page


def test_time_limit_is_enforced_on_the_server(app, client):
    ls, csrf = learner(app)
    attempt_id, _ = start(client, ls)
    with session_scope(app) as s:
        s.get(Attempt, attempt_id).deadline_at = datetime.now(UTC) - timedelta(seconds=1)
    items = presented_ids(app, attempt_id)
    late = answer(client, attempt_id, 1, ls, csrf, [sorted(items[0].key_ids)[0]])
    assert late.status_code == 303 and "/result" in late.location and "notice=time" in late.location
    with session_scope(app) as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.submitted and attempt.score == 0
        assert s.scalar(select(func.count()).select_from(Response)) == 0
    assert "time limit was reached" in client.get(late.location).text


def test_attempt_limit_is_enforced_on_the_server(app, client):
    ls, csrf = learner(app, attempts_allowed="1")
    attempt_id, _ = start(client, ls)
    client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    refused = client.post("/lti/delivery/attempts/new", data={"ls": ls, "csrf_token": csrf})
    assert refused.status_code == 303 and "notice=no-attempts" in refused.location
    assert "Start attempt" not in client.get(refused.location).text
    with session_scope(app) as s:
        assert s.scalar(select(func.count()).select_from(Attempt)) == 1


def test_a_second_attempt_is_allowed_when_the_limit_says_so(app, client):
    ls, csrf = learner(app, attempts_allowed="2")
    attempt_id, _ = start(client, ls)
    client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    again = client.post("/lti/delivery/attempts/new", data={"ls": ls, "csrf_token": csrf})
    assert again.status_code == 303 and "/items/1" in again.location
    with session_scope(app) as s:
        numbers = s.scalars(select(Attempt.number).order_by(Attempt.number)).all()
        assert numbers == [1, 2]
        seeds = s.scalars(select(Attempt.seed)).all()
        assert len(set(seeds)) == 2


def test_another_learners_attempt_is_refused(app, client):
    ls_a, csrf_a = learner(app, sub="amara")
    ls_b, csrf_b = learner(app, sub="dev")
    attempt_a, _ = start(client, ls_a)
    url = f"/lti/delivery/attempts/{attempt_a}/items/1"
    assert client.get(url, query_string={"ls": ls_b}).status_code == 404
    assert answer(client, attempt_a, 1, ls_b, csrf_b, ["a"]).status_code == 404
    submit = client.post(f"/lti/delivery/attempts/{attempt_a}/submit", data={"ls": ls_b, "csrf_token": csrf_b})
    assert submit.status_code == 404
    assert client.get(f"/lti/delivery/attempts/{attempt_a}/result", query_string={"ls": ls_b}).status_code == 404
    with session_scope(app) as s:
        assert not s.get(Attempt, attempt_a).submitted
        assert s.scalar(select(func.count()).select_from(Response)) == 0


def test_the_same_learner_at_another_link_cannot_reach_the_attempt(app, client):
    ls_here, _ = learner(app, sub="amara")
    ls_there, _ = launch_row(app, sub="amara", link="link-2", custom={"form_id": FORM})
    attempt_id, _ = start(client, ls_here)
    page = client.get(f"/lti/delivery/attempts/{attempt_id}/items/1", query_string={"ls": ls_there})
    assert page.status_code == 404


def test_posts_without_the_launch_csrf_token_are_refused(app, client):
    ls, csrf = learner(app)
    other_ls, other_csrf = learner(app, sub="dev")
    attempt_id, _ = start(client, ls)
    missing = client.post(f"/lti/delivery/attempts/{attempt_id}/items/1", data={"ls": ls, "answer": "a"})
    foreign = answer(client, attempt_id, 1, ls, other_csrf, ["a"])
    submit = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls})
    assert (missing.status_code, foreign.status_code, submit.status_code) == (403, 403, 403)
    with session_scope(app) as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0
        assert not s.get(Attempt, attempt_id).submitted


def test_an_expired_or_missing_launch_is_refused(app, client):
    ls, _ = launch_row(app, sub="amara", custom={"form_id": FORM}, expires_in=-1)
    assert client.get("/lti/delivery/start", query_string={"ls": ls}).status_code == 401
    assert client.get("/lti/delivery/start").status_code == 401


def test_an_answer_that_is_not_an_option_is_refused(app, client):
    ls, csrf = learner(app)
    attempt_id, _ = start(client, ls)
    refused = answer(client, attempt_id, 1, ls, csrf, ["zz"])
    assert refused.status_code == 409
    with session_scope(app) as s:
        assert s.scalar(select(func.count()).select_from(Response)) == 0


def test_item_page_is_accessible_html_without_scripts(app, client):
    ls, _ = learner(app)
    _, page = start(client, ls)
    html = page.text
    assert "<script" not in html
    assert 'name="viewport"' in html and "assess.css" in html
    assert re.search(r"<label><input type=\"(radio|checkbox)\"", html)
    assert 'aria-current="step"' in html


def test_concurrent_submits_make_one_submission_and_one_score(tmp_path, database_url):
    app = make_app(tmp_path, database_url)
    ls, csrf = learner(app)
    attempt_id, _ = start(app.test_client(), ls)
    statuses = []

    def submit() -> None:
        response = app.test_client().post(f"/lti/delivery/attempts/{attempt_id}/submit",
                                          data={"ls": ls, "csrf_token": csrf})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert statuses == [303] * 6
    with session_scope(app) as s:
        assert s.scalar(select(func.count()).select_from(ScoreOutbox)) == 1
        assert s.scalar(select(func.count()).select_from(Attempt)) == 1


@pytest.mark.parametrize("due_at, shown", [
    ("2000-01-01T00:00:00Z", True),
    ("2999-01-01T00:00:00Z", False),
    ("$Canvas.assignment.dueAt.iso8601", False),
])
def test_feedback_after_the_due_date_waits_for_the_due_date(app, client, due_at, shown):
    ls, csrf = learner(app, feedback="after_due", due_at=due_at)
    attempt_id, _ = start(client, ls)
    items = presented_ids(app, attempt_id)
    result = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    page = client.get(result.location).text
    rationale = to_plain_text(items[0].choices[0].rationale)[:40]
    assert (rationale in page) is shown
    assert ("shown after the due date" in page) is not shown
