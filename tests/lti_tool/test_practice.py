"""Adaptive practice (issue 15) over real HTTP with the test platform, on SQLite and PostgreSQL: questions from the
learner's weakest objectives, no repeat within the window, no enemies together, mastery that moves with right and
wrong answers, one score per answer on a graded link and none on an ungraded one, a reload that keeps the question,
a double submit scored once, another learner refused; the picker's practice links; and mastery rebuilt from the
stored responses (after a quiz, practice, an essay grade and a regrade, and by the 0008 migration) equal to what is
stored."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import jwt
import pytest
import requests
from jwcrypto.jwk import JWK
from sqlalchemy import func, inspect, select

from item_bank.enemies import are_enemies
from item_bank.mastery import Mastery
from item_bank.model import Bank, Item
from item_bank.practice import eligible_items, find_target, next_objectives, practice_pool
from lti_tool.delivery.mastery_models import MasteryRecord
from lti_tool.delivery.mastery_store import learner_mastery
from lti_tool.delivery.models import Attempt, AttemptItem, Response, ScoreOutbox
from lti_tool.delivery.practice import link_score
from lti_tool.grades.outbox import drain
from lti_tool.lti.models import ResourceLink
from lti_tool.web import db as tool_db
from lti_tool.web.db import session_scope
from tests.conftest import CONTENT_BANK
from tests.lti_platform import CLAIM, INSTRUCTOR, Browser, parse_form
from tests.lti_tool.helpers import follow

WINDOW = 20
GRADED = {"practice": "all", "practice_graded": "true", "practice_window": str(WINDOW)}
UNGRADED_D3 = {"practice": "D3", "practice_graded": "false"}
DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


@pytest.fixture
def app_config(real_bank) -> dict:
    """`tool` (conftest) serves the shipped bank: 232 practice questions with their enemy groups."""
    return {"BANK_PATH": str(CONTENT_BANK)}


@dataclass
class Learner:
    """One learner practising through the tool's pages, as their browser does."""

    tool: object
    bank: Bank
    browser: Browser
    page: requests.Response
    row_id: int = 0  # the pinned question row the learner was last shown

    @classmethod
    def launch(cls, tool, platform, bank: Bank, sub: str, custom: dict) -> Learner:
        browser = Browser()
        page = follow(browser, platform.launch(browser, "client-1", sub=sub, custom=custom))
        assert page.status_code == 200, page.text
        learner = cls(tool, bank, browser, page)
        learner.row_id = learner.shown_row()
        return learner

    @property
    def question_url(self) -> str:
        return urljoin(self.page.url, parse_form(self.page.text)[0])

    def shown_row(self) -> int:
        return int(re.search(r"/practice/questions/(\d+)", self.question_url).group(1))

    def shown(self) -> Item:
        with session_scope(self.tool.app) as db:
            return self.bank.item(db.get(AttemptItem, self.row_id).item_id)

    def mastery(self, objectives) -> dict[str, Mastery]:
        with session_scope(self.tool.app) as db:
            attempt = db.get(Attempt, db.get(AttemptItem, self.row_id).attempt_id)
            context_id = db.get(ResourceLink, attempt.resource_link_id).context_id
            return learner_mastery(db, context_id, attempt.user_id, objectives)

    def post(self, extra: dict) -> requests.Response:
        action, fields = parse_form(self.page.text)
        data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], **extra}
        return self.browser.post(urljoin(self.page.url, action), data=data, allow_redirects=False, timeout=10)

    def answer(self, choices: list[str]) -> requests.Response:
        self.page = follow(self.browser, self.post({"answer": choices}))
        return self.page

    def next(self) -> requests.Response:
        self.page = follow(self.browser, self.post({}))
        assert self.page.status_code == 200, self.page.text
        self.row_id = self.shown_row()
        return self.page


def wrong_choice(item: Item) -> str:
    return next(c.id for c in item.choices if not c.correct)


def assert_from_the_weakest(item: Item, pool, mastery: dict[str, Mastery], shown: list[str], bank: Bank) -> None:
    """The shown item's objective is one the selector ranks first: the objective just missed (once), or else the
    weakest of the most doubtful (item_bank.practice.next_objectives)."""
    eligible = eligible_items(pool, shown, bank.enemies, WINDOW)
    assert item in eligible
    chosen = next_objectives(pool, mastery, shown, bank.enemies, WINDOW)
    assert item.primary_objective in chosen, (item.primary_objective, chosen)


def missed_objective_has_another_item(pool, shown: list[str], bank: Bank) -> bool:
    objective = bank.item(shown[-1]).primary_objective
    return any(i.primary_objective == objective for i in eligible_items(pool, shown, bank.enemies, WINDOW))


def test_twenty_questions_come_from_the_weakest_objectives_and_each_answer_sends_its_mastery(tool, platform,
                                                                                          real_bank):
    target = find_target(real_bank, "all")
    pool = practice_pool(real_bank, target)
    learner = Learner.launch(tool, platform, real_bank, "amara", GRADED)
    shown: list[str] = []
    sent: list[float] = []
    for n in range(20):
        item = learner.shown()
        before = learner.mastery(target.objectives)
        assert_from_the_weakest(item, pool, before, shown, real_bank)
        if n == 1 and missed_objective_has_another_item(pool, shown, real_bank):  # a miss comes back once
            assert item.primary_objective == real_bank.item(shown[0]).primary_objective
        right = n % 3 == 2
        page = learner.answer(sorted(item.key_ids) if right else [wrong_choice(item)])
        assert f"Your answer is <strong>{'right' if right else 'not right'}</strong>" in page.text
        assert page.text.count('class="rationale"') == len(item.choices)
        after = learner.mastery(target.objectives)
        moved = after[item.primary_objective].mean - before[item.primary_objective].mean
        assert (moved > 0) if right else (moved < 0)
        assert after[item.primary_objective].evidence == before[item.primary_objective].evidence + 1
        assert drain(tool.app).sent == 1
        sent.append(link_score(after, target))
        shown.append(item.id)
        learner.next()
    assert len(set(shown)) == 20, "an item came back within the window"
    assert not [(a, b) for n, a in enumerate(shown) for b in shown[n + 1:n + WINDOW]
                if are_enemies(a, b, real_bank.enemies)]
    assert [s["scoreGiven"] for s in platform.scores] == sent
    assert {(s["scoreMaximum"], s["gradingProgress"], s["userId"]) for s in platform.scores} == {
        (100, "FullyGraded", "amara")}
    with session_scope(tool.app) as db:
        assert db.scalar(select(func.count()).select_from(ScoreOutbox)) == 20


def test_a_learner_who_misses_two_objectives_gets_most_of_their_questions_and_is_told_to_practise_them(
        tool, platform, real_bank):
    """D3 practice (35 questions over 12 objectives, window 20): a learner who misses every question on D3.1 and
    D3.4 and answers the rest right. Those two hold 8 of the 35 questions, so an even spread over the objectives
    gives them about 3 of 20 and random drawing about 5 (4 or fewer one time in twenty); the selector brings back
    each miss once and keeps asking where the estimate is least sure, which is there: at least 7 of 20, all but at
    most one of their questions. Afterwards "practise next" names those two first."""
    weak = {"D3.1", "D3.4"}
    target = find_target(real_bank, "D3")
    on_weak = sum(1 for i in practice_pool(real_bank, target) if i.primary_objective in weak)
    learner = Learner.launch(tool, platform, real_bank, "bo", UNGRADED_D3)
    asked: list[str] = []
    for _ in range(20):
        item = learner.shown()
        missed = item.primary_objective in weak
        learner.answer([wrong_choice(item)] if missed else sorted(item.key_ids))
        asked.append(item.primary_objective)
        learner.next()
    weak_questions = sum(1 for objective in asked if objective in weak)
    assert on_weak == 8
    assert weak_questions >= 7, asked
    assert set(asked) - weak, "the other objectives were never asked: nothing was measured there"
    progress = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\s*Stop and see my progress', learner.page.text)
    page = learner.browser.get(urljoin(learner.page.url, html.unescape(progress.group(1))), timeout=10)
    assert page.status_code == 200
    advice = page.text.split('id="next-heading"', 1)[1]
    assert set(re.findall(r"<li><strong>(D\d+\.\d+)</strong>", advice)[:2]) == weak


def test_an_ungraded_link_sends_nothing_a_reload_keeps_the_question_and_a_double_submit_scores_once(
        tool, platform, real_bank):
    learner = Learner.launch(tool, platform, real_bank, "bongani", UNGRADED_D3)
    item = learner.shown()
    assert item.primary_objective.startswith("D3.")
    options = re.findall(r'name="answer" value="([^"]+)"', learner.page.text)
    reloaded = learner.browser.get(learner.question_url, timeout=10)
    assert reloaded.status_code == 200
    assert re.findall(r'name="answer" value="([^"]+)"', reloaded.text) == options
    assert f"/practice/questions/{learner.row_id}?" in reloaded.url

    first = learner.post({"answer": [wrong_choice(item)]})
    second = learner.post({"answer": sorted(item.key_ids)})
    assert first.status_code == second.status_code == 303
    feedback = follow(learner.browser, second)
    assert "Your answer is <strong>not right</strong>" in feedback.text
    with session_scope(tool.app) as db:
        row = db.get(AttemptItem, learner.row_id)
        assert (row.response, row.score) == ([wrong_choice(item)], 0.0)
        assert db.scalar(select(func.count()).select_from(Response)) == 1
    assert learner.mastery([item.primary_objective])[item.primary_objective].evidence == 1
    learner.page = feedback
    assert learner.next().status_code == 200 and learner.shown().primary_objective.startswith("D3.")
    assert drain(tool.app).sent == 0 and platform.scores == []
    with session_scope(tool.app) as db:
        assert db.scalar(select(func.count()).select_from(ScoreOutbox)) == 0


def test_another_learner_cannot_read_or_answer_a_question(tool, platform, real_bank):
    owner = Learner.launch(tool, platform, real_bank, "chen", UNGRADED_D3)
    other = Learner.launch(tool, platform, real_bank, "dana", UNGRADED_D3)
    other_fields = parse_form(other.page.text)[1]
    address = f"{tool.url}/practice/questions/{owner.row_id}"
    read = other.browser.get(address, params={"ls": other_fields["ls"]}, timeout=10)
    assert read.status_code == 404 and "no practice question of yours" in read.text
    item = owner.shown()
    posted = other.browser.post(address, data={"ls": other_fields["ls"], "csrf_token": other_fields["csrf_token"],
                                               "answer": sorted(item.key_ids)}, allow_redirects=False, timeout=10)
    assert posted.status_code == 404
    with session_scope(tool.app) as db:
        assert db.get(AttemptItem, owner.row_id).score is None


def test_the_quiz_pages_neither_show_nor_submit_a_practice_session(tool, platform, real_bank):
    """An open question's key never shows on a result page, and no quiz submit scores an unanswered question."""
    learner = Learner.launch(tool, platform, real_bank, "hana", UNGRADED_D3)
    fields = parse_form(learner.page.text)[1]
    with session_scope(tool.app) as db:
        attempt_id = db.get(AttemptItem, learner.row_id).attempt_id
    for page in ("result", "items/1", "review"):
        shown = learner.browser.get(f"{tool.url}/lti/delivery/attempts/{attempt_id}/{page}",
                                    params={"ls": fields["ls"]}, timeout=10)
        assert shown.status_code == 404, page
    submitted = learner.browser.post(f"{tool.url}/lti/delivery/attempts/{attempt_id}/submit", timeout=10,
                                     data={"ls": fields["ls"], "csrf_token": fields["csrf_token"]})
    assert submitted.status_code == 404
    with session_scope(tool.app) as db:
        assert db.get(AttemptItem, learner.row_id).score is None
        assert db.get(Attempt, attempt_id).status == "in_progress"


def test_the_picker_adds_graded_and_ungraded_practice_links(tool, platform, real_bank):
    teacher = Browser()
    picker = follow(teacher, platform.launch(teacher, "client-1", message_type="LtiDeepLinkingRequest",
                                             roles=(INSTRUCTOR,), sub="teacher-1"))
    assert "Adaptive practice: whole blueprint" in picker.text and "Adaptive practice: D3 " in picker.text
    fields = parse_form(picker.text)[1]
    base = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "practice_window": "15"}
    graded = returned_link(tool, platform, teacher.post(f"{tool.url}/lti/deep-link/pick-practice", timeout=10,
                                                        data={**base, "practice": "D3", "practice_graded": "true"}))
    title = find_target(real_bank, "D3").title
    assert graded["title"] == title
    assert graded["custom"] == {"practice": "D3", "practice_graded": "true", "practice_window": "15"}
    assert graded["lineItem"] == {"scoreMaximum": 100, "label": title, "resourceId": "practice:D3"}
    ungraded = returned_link(tool, platform, teacher.post(f"{tool.url}/lti/deep-link/pick-practice", timeout=10,
                                                          data={**base, "practice": "all",
                                                                "practice_graded": "false"}))
    assert ungraded["custom"]["practice_graded"] == "false" and "lineItem" not in ungraded
    refused = teacher.post(f"{tool.url}/lti/deep-link/pick-practice", timeout=10,
                           data={**base, "practice": "D42", "practice_graded": "maybe"})
    assert refused.status_code == 400
    assert "Choose one of the practice targets listed." in refused.text
    assert "Choose whether the practice is graded." in refused.text

    learner = Learner.launch(tool, platform, real_bank, "eli", graded["custom"])
    assert learner.shown().primary_objective.startswith("D3.")


def returned_link(tool, platform, page: requests.Response) -> dict:
    """The one content item of the deep-linking response the page posts back, checked against the tool's keys."""
    assert page.status_code == 200, page.text
    _, fields = parse_form(page.text)
    header = jwt.get_unverified_header(fields["JWT"])
    key = next(k for k in requests.get(f"{tool.url}/lti/jwks", timeout=5).json()["keys"] if k["kid"] == header["kid"])
    message = jwt.decode(fields["JWT"], JWK.from_json(json.dumps(key)).export_to_pem(), algorithms=["RS256"],
                         audience=platform.issuer, issuer="client-1")
    assert message[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    [link] = message[DL_ITEMS]
    return link


def test_a_practice_link_naming_no_target_explains_itself(tool, platform, real_bank):
    browser = Browser()
    page = follow(browser, platform.launch(browser, "client-1", sub="fay", custom={"practice": "D42"}))
    assert page.status_code == 404
    assert "Practice not available" in page.text and "D42" in page.text


def test_mastery_rows_hold_only_what_the_stored_responses_give(tool, platform, real_bank):
    """Rows exist only for objectives with evidence, each with the count of responses it was estimated from."""
    learner = Learner.launch(tool, platform, real_bank, "gus", UNGRADED_D3)
    item = learner.shown()
    learner.answer(sorted(item.key_ids))
    with session_scope(tool.app) as db:
        rows = {r.objective: r.evidence for r in db.scalars(select(MasteryRecord))}
    assert rows == {objective: 1 for objective in item.objectives}
    assert inspect(tool_db.engine_of(tool.app)).has_table("lti_mastery")
