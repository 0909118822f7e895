"""What was delivered is what is scored: a bank change under started and submitted attempts changes none of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from item_bank.load import load_bank
from item_bank.model import ScoringRule
from item_bank.scoring import score_response
from lti_tool.delivery.attempt_pins import version_of
from lti_tool.delivery.models import Attempt, AttemptItem, ScoreOutbox
from lti_tool.web.bank_access import EXTENSION
from lti_tool.web.db import session_scope
from tests.lti_tool.helpers import make_app
from tests.lti_tool.launch_rows import launch_row

FORM = "starter-draw"
LINEITEM = "https://lms.example.edu/api/lineitems/9"


@pytest.fixture
def app(tmp_path, database_url, bank_copy):
    return make_app(tmp_path, database_url, BANK_PATH=str(bank_copy))


def start(client, ls: str) -> int:
    response = client.get("/lti/delivery/start", query_string={"ls": ls})
    assert response.status_code == 303, response.text
    return int(re.search(r"/attempts/(\d+)/", response.location).group(1))


def shown(client, ls: str, attempt_id: int) -> list[tuple[str, list[str]]]:
    """Every question page of the attempt as the learner sees it: (stem, option ids in order)."""
    out = []
    number = 1
    while True:
        page = client.get(f"/lti/delivery/attempts/{attempt_id}/items/{number}", query_string={"ls": ls})
        if page.status_code == 404:
            return out
        assert page.status_code == 200, page.text
        stem = re.search(r'<div class="stem" id="stem">(.*?)</div>', page.text, re.S).group(1)
        out.append((stem, re.findall(r'name="answer" value="([^"]+)"', page.text)))
        number += 1


def answer_all_with_first_option(client, ls: str, csrf: str, attempt_id: int, pages) -> None:
    for number, (_, options) in enumerate(pages, start=1):
        values = options[:1]
        client.post(f"/lti/delivery/attempts/{attempt_id}/items/{number}",
                    data={"ls": ls, "csrf_token": csrf, "go": "next", "answer": values})


def submit(client, ls: str, csrf: str, attempt_id: int) -> None:
    done = client.post(f"/lti/delivery/attempts/{attempt_id}/submit", data={"ls": ls, "csrf_token": csrf})
    assert done.status_code == 303


def without_tokens(html: str) -> str:
    """The page without what changes per response: launch tokens and the CSP nonce."""
    return re.sub(r'(ls|csrf_token)=[^"&]+|value="[A-Za-z0-9_-]{20,}"|nonce="[^"]+"', "", html)


def change_the_bank(app, bank_root: Path, pinned: list[str]) -> tuple[str, set[str]]:
    """Re-key one pinned item, retire another, add items to the pool and change the form's size; then the tool
    runs on the changed bank (as after a redeploy)."""
    items_file = bank_root / "items" / "starter.yaml"
    data = yaml.safe_load(items_file.read_text())
    items = data["items"]
    choice_items = [i for i in items if i["id"] in pinned and i["type"] in ("single_choice", "multiple_response")]
    rekeyed, retired = choice_items[0], choice_items[1]
    old_keys = {c["id"] for c in rekeyed["choices"] if c["correct"]}
    for choice in rekeyed["choices"]:
        choice["correct"] = not choice["correct"]
    rekeyed["revision"] = rekeyed.get("revision", 1) + 1
    items.remove(retired)
    for n in range(1, 4):
        clone = {**items[0], "id": f"cps-s-d1-10{n}", "choices": [dict(c) for c in items[0]["choices"]]}
        items.append(clone)
    items_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    with (bank_root / "retired_ids.txt").open("a") as f:
        f.write(f"{retired['id']}\n")
    forms_file = bank_root / "forms.yaml"
    forms = yaml.safe_load(forms_file.read_text())
    draw_form = next(f for f in forms["forms"] if f["id"] == FORM)
    draw_form["rules"]["draw"][0]["count"] = 3
    forms["forms"] = [f for f in forms["forms"] if retired["id"] not in f.get("items", [])]
    forms_file.write_text(yaml.safe_dump(forms, allow_unicode=True, sort_keys=False))
    app.extensions[EXTENSION] = load_bank(bank_root)
    return rekeyed["id"], old_keys


def outbox_count(app) -> int:
    with session_scope(app) as db:
        return db.scalar(select(func.count()).select_from(ScoreOutbox))


def test_a_bank_change_changes_no_started_or_submitted_attempt(app, bank_copy):
    client = app.test_client()
    custom = {"form_id": FORM, "feedback": "after_submit"}
    ls_a, csrf_a = launch_row(app, sub="amara", custom=custom, lineitem=LINEITEM)
    ls_b, csrf_b = launch_row(app, sub="bongani", custom=custom, lineitem=LINEITEM)
    teacher, _ = launch_row(app, sub="teacher", custom={"form_id": FORM}, instructor=True)

    submitted = start(client, ls_a)
    pages_a = shown(client, ls_a, submitted)
    answer_all_with_first_option(client, ls_a, csrf_a, submitted, pages_a)
    submit(client, ls_a, csrf_a, submitted)
    in_progress = start(client, ls_b)
    pages_b = shown(client, ls_b, in_progress)
    answer_all_with_first_option(client, ls_b, csrf_b, in_progress, pages_b[:2])

    result_before = client.get(f"/lti/delivery/attempts/{submitted}/result", query_string={"ls": ls_a}).text
    stats_before = client.get("/lti/instructor/statistics", query_string={"ls": teacher}).text
    with session_scope(app) as db:
        score_before = db.get(Attempt, submitted).score
        pinned_ids = list(db.scalars(select(AttemptItem.item_id).where(AttemptItem.attempt_id == in_progress)
                                     .order_by(AttemptItem.position)))
    sent_before = outbox_count(app)

    rekeyed, old_keys = change_the_bank(app, bank_copy, pinned_ids)
    assert load_bank(bank_copy).item(rekeyed).key_ids != frozenset(old_keys)

    assert shown(client, ls_b, in_progress) == pages_b
    result_after = client.get(f"/lti/delivery/attempts/{submitted}/result", query_string={"ls": ls_a}).text
    assert without_tokens(result_after) == without_tokens(result_before)
    stats_after = client.get("/lti/instructor/statistics", query_string={"ls": teacher}).text
    assert without_tokens(stats_after) == without_tokens(stats_before)
    with session_scope(app) as db:
        assert db.get(Attempt, submitted).score == score_before
    assert outbox_count(app) == sent_before

    answer_all_with_first_option(client, ls_b, csrf_b, in_progress, pages_b)
    submit(client, ls_b, csrf_b, in_progress)
    with session_scope(app) as db:
        attempt = db.get(Attempt, in_progress)
        assert [r.item_id for r in attempt.pinned] == pinned_ids
        for row in attempt.pinned:
            item, _ = version_of(db.connection(), row.content_hash)
            assert row.score == float(score_response(item, row.response, ScoringRule.ALL_OR_NOTHING).score)
            if row.item_id == rekeyed:
                assert item.key_ids == frozenset(old_keys)
        assert sum(r.score for r in attempt.pinned) == attempt.score
    assert outbox_count(app) == sent_before + 1


def test_scores_are_stored_per_item_and_the_total_is_their_sum(app):
    client = app.test_client()
    ls, csrf = launch_row(app, sub="chayton", custom={"form_id": FORM}, lineitem=LINEITEM)
    attempt_id = start(client, ls)
    pages = shown(client, ls, attempt_id)
    answer_all_with_first_option(client, ls, csrf, attempt_id, pages)
    submit(client, ls, csrf, attempt_id)
    with session_scope(app) as db:
        attempt = db.get(Attempt, attempt_id)
        rows = attempt.pinned
        assert [r.position for r in rows] == list(range(1, len(pages) + 1))
        assert all(r.max_score is not None and r.score is not None for r in rows)
        assert sum(r.score for r in rows) == attempt.score
        assert sum(r.max_score for r in rows) == attempt.score_maximum
        assert attempt.form_version and attempt.bank_digest and attempt.form_record["id"] == FORM
        outbox = db.scalars(select(ScoreOutbox).where(ScoreOutbox.attempt_id == attempt_id)).all()
        assert [o.score_given for o in outbox] == [attempt.score]


def pins_of(app) -> dict[int, list[tuple]]:
    with session_scope(app) as db:
        rows = db.execute(select(AttemptItem.attempt_id, AttemptItem.position, AttemptItem.item_id,
                                 AttemptItem.revision, AttemptItem.content_hash, AttemptItem.choice_order,
                                 AttemptItem.score, AttemptItem.max_score, AttemptItem.pending)
                          .order_by(AttemptItem.attempt_id, AttemptItem.position)).all()
    out: dict[int, list[tuple]] = {}
    for row in rows:
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out


def test_the_migration_pins_attempts_already_in_the_database_to_what_they_show(app):
    """Attempts made before 0004 (simulated by downgrading to 0003, which drops the pins) are pinned by the
    migration to the same items, versions, orders and scores the tool shows for them."""
    from alembic import command

    from lti_tool.web.db import alembic_config, engine_of

    client = app.test_client()
    for sub, form in (("dawit", FORM), ("ebony", "starter-quiz"), ("gaurav", FORM)):
        ls, csrf = launch_row(app, sub=sub, link=f"link-{sub}", custom={"form_id": form}, lineitem=LINEITEM)
        attempt_id = start(client, ls)
        pages = shown(client, ls, attempt_id)
        answer_all_with_first_option(client, ls, csrf, attempt_id, pages)
        if sub != "gaurav":
            submit(client, ls, csrf, attempt_id)
    before = pins_of(app)
    assert len(before) == 3

    cfg = alembic_config(app.config["DATABASE_URL"])
    cfg.attributes["bank_path"] = app.config["BANK_PATH"]
    with engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0003_essay_grades")
    with engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")

    assert pins_of(app) == before
    with session_scope(app) as db:
        for attempt in db.scalars(select(Attempt)):
            assert attempt.form_record["id"] == attempt.form_id and attempt.bank_digest
