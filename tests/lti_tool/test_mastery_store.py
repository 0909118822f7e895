"""Stored mastery is what the stored responses give (issue 15), on SQLite and PostgreSQL: after a quiz, practice, an
essay grade and a regrade, recomputing every learner's mastery from their pinned responses changes nothing; the
0008 migration fills the table the same way for responses stored before it."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, inspect, select

from item_bank.load import load_bank
from item_bank.model import Item, ItemType
from lti_tool.delivery.attempts import presented_items
from lti_tool.delivery.mastery_models import MasteryRecord
from lti_tool.delivery.mastery_store import learner_mastery, missed_items, recompute
from lti_tool.delivery.models import Attempt, AttemptItem
from lti_tool.instructor.grading import grade_attempt
from lti_tool.instructor.regrade import Policy, apply_regrade, plan_regrade
from lti_tool.lti.models import Context, User
from lti_tool.web import db as tool_db
from lti_tool.web.db import session_scope
from tests.conftest import STARTER_BANK
from tests.lti_tool.helpers import make_app
from tests.lti_tool.launch_rows import launch_row

BANK = load_bank(STARTER_BANK)
OBJECTIVES = list(BANK.blueprint.objectives)
ESSAY = "cps-s-d3-003"


@pytest.fixture
def app(tmp_path, database_url):
    return make_app(tmp_path, database_url)


def learner_ids(app, sub: str = "amara") -> tuple[int, int]:
    with session_scope(app) as db:
        context_id = db.scalar(select(Context.id).where(Context.context_id == "course-1"))
        return context_id, db.scalar(select(User.id).where(User.sub == sub))


def stored(app, sub: str = "amara") -> dict:
    context_id, user_id = learner_ids(app, sub)
    with session_scope(app) as db:
        return learner_mastery(db, context_id, user_id, OBJECTIVES)


def wrong(item: Item) -> list[str]:
    return [next(c.id for c in item.choices if not c.correct)]


def take_quiz_wrongly(app, sub: str = "amara") -> int:
    """The starter quiz through the delivery pages: a wrong option on every choice item, an essay; submitted."""
    client = app.test_client()
    ls, csrf = launch_row(app, sub=sub, link="quiz", custom={"form_id": "starter-quiz"})
    started = client.get("/lti/delivery/start", query_string={"ls": ls})
    attempt_id = int(re.search(r"/attempts/(\d+)/", started.location).group(1))
    with session_scope(app) as db:
        items = [p.item for p in presented_items(db, db.get(Attempt, attempt_id))]
    for number, item in enumerate(items, start=1):
        data = {"essay": "I would keep the limit kindly."} if item.type is ItemType.EXTENDED_TEXT else {
            "answer": wrong(item)}
        client.post(f"/lti/delivery/attempts/{attempt_id}/items/{number}", data={"ls": ls, "csrf_token": csrf, **data})
    assert client.post(f"/lti/delivery/attempts/{attempt_id}/submit",
                       data={"ls": ls, "csrf_token": csrf}).status_code == 303
    return attempt_id


def practise(app, answers: int, right_every: int = 2) -> list[str]:
    """Practise the whole starter blueprint at another link of the course; returns the item ids answered."""
    client = app.test_client()
    ls, csrf = launch_row(app, sub="amara", link="practice", custom={"practice": "all"})
    page = client.get("/practice/start", query_string={"ls": ls})
    answered = []
    for n in range(answers):
        page = client.get(page.location) if page.status_code == 303 else page
        row_id = int(re.search(r"/practice/questions/(\d+)", page.request.url).group(1))
        with session_scope(app) as db:
            item = BANK.item(db.get(AttemptItem, row_id).item_id)
        choice = sorted(item.key_ids) if n % right_every == 1 else wrong(item)
        done = client.post(f"/practice/questions/{row_id}", data={"ls": ls, "csrf_token": csrf, "answer": choice})
        assert done.status_code == 303
        answered.append(item.id)
        page = client.post("/practice/next", data={"ls": ls, "csrf_token": csrf})
    return answered


def test_recomputed_mastery_equals_stored_after_a_quiz_practice_an_essay_grade_and_a_regrade(app):
    attempt_id = take_quiz_wrongly(app)
    after_quiz = stored(app)
    missed_in_quiz = {o for o, m in after_quiz.items() if m.evidence and m.mean < 0.5}
    assert missed_in_quiz and after_quiz["D3.2"].evidence == 0  # the essay waits for its grade

    answered = practise(app, 12)
    assert len(answered) == 12

    with session_scope(app) as db:
        rubric = BANK.blueprint.rubrics["cps-essay-rubric"]
        grade_attempt(db, BANK, db.get(Attempt, attempt_id), {ESSAY: {d.id: 3 for d in rubric.dimensions}}, None)
    graded = stored(app)
    assert graded["D3.2"].evidence == 1 and graded["D3.2"].mean > 0.5

    regraded_item = BANK.item(answered[0])  # answered wrongly in the quiz and in practice
    with session_scope(app) as db:
        plan = plan_regrade(db, BANK, regraded_item.id, regraded_item.revision, Policy.FULL_CREDIT)
        assert len(plan.changed) >= 2  # the quiz attempt and the practice session
        apply_regrade(db, BANK, plan, actor="admin test", reason="the key was wrong")
    after_regrade = stored(app)
    objective = regraded_item.primary_objective
    assert after_regrade[objective].mean > graded[objective].mean
    assert after_regrade[objective].evidence == graded[objective].evidence

    with session_scope(app) as db:  # the question shown after the last answer was never answered: not regraded
        shown = db.scalars(select(AttemptItem).join(Attempt).where(Attempt.form_id.startswith("practice:"),
                                                                   AttemptItem.score.is_(None))).one()
        plan = plan_regrade(db, BANK, shown.item_id, shown.revision, Policy.FULL_CREDIT)
        assert shown.id not in {change.row_id for change in plan.changes}

    practise(app, 2)  # practice goes on after the regrade closed its session
    context_id, user_id = learner_ids(app)
    before = stored(app)
    with session_scope(app) as db:
        assert recompute(db, context_id, user_id, OBJECTIVES) == before
    assert stored(app) == before


def test_missed_items_are_the_latest_wrong_answers_with_their_pinned_rationales(app):
    take_quiz_wrongly(app)
    context_id, user_id = learner_ids(app)
    with session_scope(app) as db:
        missed = missed_items(db, context_id, user_id)
    assert {m.item_id for m in missed} == {"cps-s-d1-001", "cps-s-d1-002", "cps-s-d1-003", "cps-s-d3-001",
                                           "cps-s-d4-001", "cps-s-d4-003"}
    for m in missed:
        item = BANK.item(m.item_id)
        assert m.score < m.max_score
        chosen = [o.id for o in m.view.options if o.chosen]
        assert chosen == wrong(item)
        assert {o.id for o in m.view.options if o.correct} == item.key_ids
        assert all(str(o.rationale) for o in m.view.options)


def test_the_migration_fills_mastery_from_the_responses_stored_before_it(app, database_url):
    from alembic import command

    take_quiz_wrongly(app)
    take_quiz_wrongly(app, sub="bongani")
    with session_scope(app) as db:
        before = sorted((r.user_id, r.objective, r.alpha, r.beta, r.evidence, r.updated_at)
                        for r in db.scalars(select(MasteryRecord)))
        items_before = db.scalar(select(func.count()).select_from(AttemptItem))
    assert before
    cfg = tool_db.alembic_config(app.config["DATABASE_URL"])
    with tool_db.engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0007_keys_at_rest")
    assert not inspect(tool_db.engine_of(app)).has_table("lti_mastery")
    tool_db.upgrade(app)
    with session_scope(app) as db:
        after = sorted((r.user_id, r.objective, r.alpha, r.beta, r.evidence, r.updated_at)
                       for r in db.scalars(select(MasteryRecord)))
        assert db.scalar(select(func.count()).select_from(AttemptItem)) == items_before
    assert after == before
