"""Regrading on purpose, over real HTTP with the test platform: a re-keyed item regraded with each policy gives the
expected totals, an audit record, and exactly one new score per changed attempt at the platform; the admin command
previews before it commits."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from item_bank.cli import main
from item_bank.load import load_bank
from item_bank.markup import to_plain_text
from lti_tool.grades.outbox import drain
from lti_tool.instructor.regrade_models import Regrade
from lti_tool.web.bank_access import EXTENSION
from lti_tool.web.db import session_scope
from tests.lti_platform import INSTRUCTOR, LEARNER, Browser, parse_form, query_of
from tests.lti_tool.helpers import follow

FORM = "regrade-quiz"
ITEMS = ["cps-s-d1-001", "cps-s-d3-001", "cps-s-d4-001", "cps-s-d4-002"]
REKEYED = "cps-s-d3-001"  # key c; re-keyed to a as revision 2


@pytest.fixture
def bank(bank_copy):
    forms = bank_copy / "forms.yaml"
    forms.write_text(forms.read_text() + f"""  - id: {FORM}
    title: Regrade quiz
    items: [{", ".join(ITEMS)}]
    settings:
      feedback: after_submit
""")
    return bank_copy


@pytest.fixture
def app_config(bank) -> dict:
    """`tool` (conftest), on SQLite and PostgreSQL with the platform registered, serves the bank with the quiz."""
    return {"BANK_PATH": str(bank)}


def launch(platform, browser, sub, instructor=False):
    roles = (INSTRUCTOR,) if instructor else (LEARNER,)
    return follow(browser, platform.launch(browser, "client-1", sub=sub, roles=roles, custom={"form_id": FORM}))


def take_quiz(tool, platform, sub: str, answers: dict[str, str]) -> None:
    """A learner answers each question with the option `answers` names for its item (by stem), then submits."""
    items = {i.id: i for i in load_bank(tool.app.config["BANK_PATH"]).items}
    browser = Browser()
    page = launch(platform, browser, sub)
    while "Review your answers" not in page.text:
        text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page.text)))
        item_id = next(i for i in ITEMS if re.sub(r"\s+", " ", to_plain_text(items[i].stem))[:60] in text)
        action, fields = parse_form(page.text)
        data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "next", "answer": [answers[item_id]]}
        page = follow(browser, browser.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10))
    action, fields = parse_form(page.text)
    follow(browser, browser.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=10))


def rekey(tool, bank) -> None:
    """Publish cps-s-d3-001 revision 2 with the key moved from c to a, and run the tool on it."""
    path = bank / "items" / "starter.yaml"
    text = path.read_text()
    start = text.index(f"  - id: {REKEYED}\n")
    end = text.index("\n  - id:", start + 1)
    block = text[start:end].replace("correct: true", "correct: TRUE_").replace("correct: false", "correct: true", 1)
    block = block.replace("correct: TRUE_", "correct: false").replace(f"  - id: {REKEYED}\n",
                                                                      f"  - id: {REKEYED}\n    revision: 2\n")
    path.write_text(text[:start] + block + text[end:])
    tool.app.extensions[EXTENSION] = load_bank(bank)
    assert tool.app.extensions[EXTENSION].item(REKEYED).key_ids == {"a"}


def regrade(tool, platform, teacher, revision: int, policy: str, reason: str, confirm: bool = True,
            status: int = 200):
    """Preview the regrade in the workspace, then (with `confirm`) commit it; returns (preview, result) pages."""
    home = launch(platform, teacher, "teacher-1", instructor=True)
    page = teacher.get(urljoin(home.url, f"/lti/instructor/regrade?ls={query_of(home.url)['ls']}"), timeout=10)
    assert page.status_code == 200 and f"{REKEYED}, revision {revision}" in page.text
    action, fields = parse_form(page.text)
    data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "revision": f"{REKEYED}@{revision}",
            "policy": policy, "reason": reason}
    preview = teacher.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10)
    assert preview.status_code == status, preview.text
    if not confirm:
        return preview, None
    action, fields = parse_form(preview.text)
    done = teacher.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=10)
    return preview, done


def totals(platform) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for score in platform.scores:
        out.setdefault(score["userId"], []).append(score["scoreGiven"])
    return out


def test_a_rekeyed_item_regraded_with_each_policy(tool, platform, bank):
    keys = {"cps-s-d1-001": "b", "cps-s-d3-001": "c", "cps-s-d4-001": "a", "cps-s-d4-002": "a"}
    take_quiz(tool, platform, "learner-1", keys)                                # 4/4, chose the old key
    take_quiz(tool, platform, "learner-2", {**keys, REKEYED: "a"})               # 3/4, chose the new key
    take_quiz(tool, platform, "learner-3", {**keys, REKEYED: "b"})               # 3/4, neither
    assert drain(tool.app).sent == 3
    assert totals(platform) == {"learner-1": [4.0], "learner-2": [3.0], "learner-3": [3.0]}

    rekey(tool, bank)
    teacher = Browser()
    preview, _ = regrade(tool, platform, teacher, 1, "new-key", "Key of revision 1 was wrong", confirm=False)
    assert "2 of 3 attempt(s) change" in preview.text
    assert re.search(r"<strong>3 / 4</strong>", preview.text) and re.search(r"<strong>4 / 4</strong>", preview.text)
    assert drain(tool.app).sent == 0  # a preview saves and sends nothing
    with session_scope(tool.app) as db:
        assert db.scalars(select(Regrade)).all() == []

    _, done = regrade(tool, platform, teacher, 1, "new-key", "Key of revision 1 was wrong")
    assert done.status_code == 303 and "notice=regraded" in done.headers["Location"]
    assert drain(tool.app).sent == 2
    assert totals(platform) == {"learner-1": [4.0, 3.0], "learner-2": [3.0, 4.0], "learner-3": [3.0]}

    # The attempts now hold revision 2; full credit for it changes only learner-3's total.
    regrade(tool, platform, teacher, 2, "full-credit", "Both a and c are defensible")
    assert drain(tool.app).sent == 2
    assert totals(platform) == {"learner-1": [4.0, 3.0, 4.0], "learner-2": [3.0, 4.0], "learner-3": [3.0, 4.0]}

    # Dropping the item takes it out of every total: 3 of 3 for everyone, one new score each.
    regrade(tool, platform, teacher, 2, "drop", "Item withdrawn")
    assert drain(tool.app).sent == 3
    finals = {user: scores[-1] for user, scores in totals(platform).items()}
    assert finals == {"learner-1": 3.0, "learner-2": 3.0, "learner-3": 3.0}
    assert {s["scoreMaximum"] for s in platform.scores[-3:]} == {3.0}

    with session_scope(tool.app) as db:
        records = db.scalars(select(Regrade).order_by(Regrade.id)).all()
        assert [(r.item_id, r.revision, r.policy) for r in records] == [
            (REKEYED, 1, "new-key"), (REKEYED, 2, "full-credit"), (REKEYED, 2, "drop")]
        assert all(r.actor.startswith("instructor ") and "teacher-1" in r.actor for r in records)
        assert records[0].reason == "Key of revision 1 was wrong" and records[0].new_hash
        assert [(c.old_score, c.new_score) for c in records[0].changes] == [(4.0, 3.0), (3.0, 4.0)]
        assert [(c.old_maximum, c.new_maximum) for c in records[2].changes] == [(4.0, 3.0)] * 3


def test_a_regrade_needs_a_reason_and_a_newer_revision_for_a_new_key(tool, platform, bank):
    keys = {"cps-s-d1-001": "b", "cps-s-d3-001": "c", "cps-s-d4-001": "a", "cps-s-d4-002": "a"}
    take_quiz(tool, platform, "learner-1", keys)
    teacher = Browser()
    refused, _ = regrade(tool, platform, teacher, 1, "new-key", "No new revision yet", confirm=False, status=400)
    assert "still revision 1; publish the corrected item as revision 2 first" in refused.text
    home = launch(platform, teacher, "teacher-1", instructor=True)
    page = teacher.get(urljoin(home.url, f"/lti/instructor/regrade?ls={query_of(home.url)['ls']}"), timeout=10)
    action, fields = parse_form(page.text)
    refused = teacher.post(urljoin(page.url, action), data={
        "ls": fields["ls"], "csrf_token": fields["csrf_token"], "revision": f"{REKEYED}@1", "policy": "drop",
        "reason": " "}, timeout=10)
    assert refused.status_code == 400 and "Say why you regrade" in refused.text


def test_the_admin_command_previews_then_commits_across_links(tool, platform, bank, monkeypatch):
    keys = {"cps-s-d1-001": "b", "cps-s-d3-001": "c", "cps-s-d4-001": "a", "cps-s-d4-002": "a"}
    take_quiz(tool, platform, "learner-1", keys)
    assert drain(tool.app).sent == 1
    rekey(tool, bank)
    monkeypatch.setenv("DATABASE_URL", tool.app.config["DATABASE_URL"])
    monkeypatch.setenv("CPS_BANK", str(bank))
    monkeypatch.setenv("CPS_INSTANCE_PATH", tool.app.config["INSTANCE_PATH"])
    args = ["regrade", REKEYED, "--revision", "1", "--policy", "new-key", "--reason", "Wrong key", "--by", "ops"]
    preview = CliRunner().invoke(main, args)
    assert preview.exit_code == 0, preview.output
    assert "4/4 -> 3/4" in preview.output and "nothing was saved" in preview.output
    assert drain(tool.app).sent == 0
    done = CliRunner().invoke(main, [*args, "--yes"])
    assert done.exit_code == 0, done.output
    assert "1 score(s) queued" in done.output
    assert drain(tool.app).sent == 1 and totals(platform)["learner-1"] == [4.0, 3.0]
    with session_scope(tool.app) as db:
        [record] = db.scalars(select(Regrade)).all()
        assert record.actor == "admin ops" and record.resource_link_id is None
    unknown = CliRunner().invoke(main, [*args, "--link", "no-such-link"])
    assert unknown.exit_code == 1 and "no resource link no-such-link" in unknown.output
