"""The instructor's workspace as the tests drive it over real HTTP: launches from the test platform, a learner who
answers and submits the starter quiz, and the essay grading form. Shared by test_instructor_workspace.py and
test_learner_graded_result.py."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import requests

from tests.lti_platform import INSTRUCTOR, LEARNER, Browser, LtiPlatform, parse_form, query_of
from tests.lti_tool.helpers import absolute, follow, item_on_page, quiz_items

CLIENT = "client-1"
CUSTOM = {"form_id": "starter-quiz"}
ESSAY = "cps-s-d3-003"
RUBRIC = ("issue", "values", "duties", "voice", "consultation", "follow_through")
CHOICE_POINTS = 6.0
TOTAL_POINTS = 24.0


def launch(platform: LtiPlatform, browser: requests.Session, sub: str, *, instructor: bool = False,
           client: str = CLIENT, **claims) -> requests.Response:
    roles = (INSTRUCTOR,) if instructor else (LEARNER,)
    claims.setdefault("custom", CUSTOM)
    return follow(browser, platform.launch(browser, client, sub=sub, roles=roles, **claims))


def answer_and_submit(tool, platform, sub: str, bank, choose=None, **claims) -> requests.Response:
    """A learner launches, answers every question (choice items by `choose(item)`, keys by default; an essay
    text), and submits; returns the result page."""
    from item_bank.model import ItemType

    browser = Browser()
    page = launch(platform, browser, sub, **claims)
    assert "Question 1 of 7" in page.text, page.text[:500]
    while "Review your answers" not in page.text:
        item = item_on_page(page.text, quiz_items(bank))
        action, fields = parse_form(page.text)
        data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "next"}
        if item.type is ItemType.EXTENDED_TEXT:
            data["essay"] = f"{sub}: I would tell Amara what stays private and ask my supervisor."
        else:
            data["answer"] = choose(item) if choose else sorted(item.key_ids)
        page = follow(browser, browser.post(absolute(tool, action), data=data, allow_redirects=False, timeout=10))
    action, fields = parse_form(page.text)
    return follow(browser, browser.post(absolute(tool, action), data=fields, allow_redirects=False, timeout=10))


def grading_page(tool, teacher, home: requests.Response, learner_name: str) -> requests.Response:
    link = re.search(r'href="([^"]+/grade\?[^"]+)">(?:Grade|Regrade) essays<span class="visually-hidden"> of '
                     + re.escape(learner_name), home.text)
    assert link, f"no grading link for {learner_name}"
    return teacher.get(urljoin(home.url, link.group(1).replace("&amp;", "&")), timeout=10)


def post_grades(tool, teacher, page: requests.Response, points: dict[str, str]) -> requests.Response:
    action, fields = parse_form(page.text)
    data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"]}
    data.update({f"rubric-{ESSAY}-{dim}": value for dim, value in points.items()})
    return teacher.post(absolute(tool, action), data=data, allow_redirects=False, timeout=10)


def regrade_in_the_workspace(teacher: requests.Session, home: requests.Response, revision: str, policy: str,
                             reason: str) -> requests.Response:
    """From an instructor's page: open the regrade workspace, preview `revision` ("item-id@n") under `policy`, then
    commit it; returns the commit's response (a 303 back to the workspace)."""
    page = teacher.get(urljoin(home.url, f"/lti/instructor/regrade?ls={query_of(home.url)['ls']}"), timeout=10)
    action, fields = parse_form(page.text)
    preview = teacher.post(urljoin(page.url, action), timeout=10, data={
        "ls": fields["ls"], "csrf_token": fields["csrf_token"], "revision": revision, "policy": policy,
        "reason": reason})
    assert preview.status_code == 200, preview.text
    action, fields = parse_form(preview.text)
    return teacher.post(urljoin(page.url, action), data=fields, allow_redirects=False, timeout=10)
