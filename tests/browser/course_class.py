"""A small, realistic class for the instructor pages and their screenshots, made through the tool's real HTTP routes.

Ten learners launch from the test platform (each with their own name, as the LMS sends it) and answer the starter
quiz with different patterns: strong, middling and weak, with partial multiple-response answers; one learner is
still in progress and two enrolled learners never open the quiz (one of them inactive). The instructor then
grades most essays against the rubric over the grading form; one graded score is refused by the platform for good,
so the attempts page shows its reason and the Retry button. Nothing is written to the tool's database directly.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import dataclass
from urllib.parse import urljoin

import requests

from item_bank.markup import to_plain_text
from item_bank.model import Item, ItemType
from tests.lti_platform import INSTRUCTOR, LEARNER, Browser, LtiPlatform, parse_form

CONTEXT = "course-1"
INSTRUCTOR_ID, INSTRUCTOR_NAME = "ruth.alvarez", "Ruth Alvarez"
KEYBOARD_LEARNER = ("amara.okafor", "Amara Okafor")  # the learner who takes the quiz in the browser


@dataclass(frozen=True)
class Learner:
    """One learner's answers by item id (choice ids, or None to leave it blank), their essay and its grade.

    `essay_grade` is the share of the rubric's top level given on every dimension; None leaves the essay to grade.
    `answered` < all questions leaves the attempt in progress.
    """

    user_id: str
    name: str
    choices: dict[str, tuple[str, ...] | None]
    essay: str = ""
    essay_grade: float | None = None
    answered: int | None = None
    refused_by_gradebook: bool = False


ESSAYS = {
    "strong": "First I would thank her for trusting me, then say honestly that I cannot accept the gift under our "
              "agency's policy, explain that the boundary protects our work together, and suggest we mark her "
              "progress in another way she chooses. I would note it in supervision.",
    "fair": "I would tell her I can't take it because of the rules, but that I'm glad she thought of me. "
            "I would talk to my supervisor about it.",
    "weak": "I would take the gift so she does not feel rejected, and not make a big deal of it.",
}

# Keys of the starter quiz: d1-001 b, d1-002 a+b, d1-003 true, d3-001 c, d4-001 a, d4-003 a+b.
CLASS = [
    Learner("diego.ramirez", "Diego Ramírez", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("a", "b"),
            "cps-s-d1-003": ("true",), "cps-s-d3-001": ("c",), "cps-s-d4-001": ("a",), "cps-s-d4-003": ("a", "b")},
            ESSAYS["strong"], 1.0),
    Learner("meiling.chen", "Mei-Ling Chen", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("a", "b"),
            "cps-s-d1-003": ("true",), "cps-s-d3-001": ("c",), "cps-s-d4-001": ("b",), "cps-s-d4-003": ("a",)},
            ESSAYS["strong"], 0.75),
    Learner("jamal.washington", "Jamal Washington", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("a", "c"),
            "cps-s-d1-003": ("true",), "cps-s-d3-001": ("a",), "cps-s-d4-001": ("a",), "cps-s-d4-003": ("a", "b")},
            ESSAYS["fair"], 0.5),
    Learner("sofia.petrova", "Sofia Petrova", {"cps-s-d1-001": ("c",), "cps-s-d1-002": ("a",),
            "cps-s-d1-003": ("false",), "cps-s-d3-001": ("c",), "cps-s-d4-001": ("a",),
            "cps-s-d4-003": ("a", "b", "c")}, ESSAYS["fair"], 0.5),
    Learner("tomas.silva", "Tomás Silva", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("b",), "cps-s-d1-003": ("true",),
            "cps-s-d3-001": ("d",), "cps-s-d4-001": ("c",), "cps-s-d4-003": ("a",)}, ESSAYS["weak"], 0.25),
    Learner("priya.natarajan", "Priya Natarajan", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("a", "b"),
            "cps-s-d1-003": ("true",), "cps-s-d3-001": ("c",), "cps-s-d4-001": ("a",), "cps-s-d4-003": ("a", "b")},
            ESSAYS["strong"], 0.75, refused_by_gradebook=True),
    Learner("grace.oconnor", "Grace O'Connor", {"cps-s-d1-001": ("d",), "cps-s-d1-002": ("c", "d"),
            "cps-s-d1-003": ("false",), "cps-s-d3-001": ("b",), "cps-s-d4-001": ("b",), "cps-s-d4-003": None},
            ESSAYS["weak"], 0.0),
    Learner("kwame.mensah", "Kwame Mensah", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("a", "b"),
            "cps-s-d1-003": ("true",), "cps-s-d3-001": ("c",), "cps-s-d4-001": ("a",), "cps-s-d4-003": ("a", "b")},
            ESSAYS["fair"]),
    Learner("hana.suzuki", "Hana Suzuki", {"cps-s-d1-001": ("b",), "cps-s-d1-002": ("a",), "cps-s-d1-003": ("false",),
            "cps-s-d3-001": ("c",), "cps-s-d4-001": ("a",), "cps-s-d4-003": ("a", "b", "e")}, ESSAYS["fair"]),
    Learner("lucas.moreau", "Lucas Moreau", {"cps-s-d1-001": ("a",), "cps-s-d1-002": ("a", "b")}, answered=2),
]
NOT_ATTEMPTED = [("fatima.haddad", "Fatima Haddad", "Active"), ("noah.williams", "Noah Williams", "Active"),
                 ("ben.carter", "Ben Carter", "Inactive")]


def identity(user_id: str, name: str) -> dict[str, str]:
    """The launch claims an LMS sends about the person (overriding the test platform's "Person <sub>")."""
    return {"name": name, "email": f"{user_id}@example.org"}


def enrol(platform: LtiPlatform) -> None:
    """The course's roster (NRPS): the instructor, the keyboard learner, the class and those who never start."""
    platform.add_member(CONTEXT, INSTRUCTOR_ID, (INSTRUCTOR,), name=INSTRUCTOR_NAME)
    platform.add_member(CONTEXT, KEYBOARD_LEARNER[0], (LEARNER,), name=KEYBOARD_LEARNER[1])
    for learner in CLASS:
        platform.add_member(CONTEXT, learner.user_id, (LEARNER,), name=learner.name)
    for user_id, name, status in NOT_ATTEMPTED:
        platform.add_member(CONTEXT, user_id, (LEARNER,), name=name, status=status)


def follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    while response.status_code in (302, 303):
        response = browser.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False,
                               timeout=10)
    assert response.status_code == 200, f"{response.url} answered {response.status_code}: {response.text[:300]}"
    return response


def post_form(browser: requests.Session, page: requests.Response, data: dict) -> requests.Response:
    action, _ = parse_form(page.text)
    return follow(browser, browser.post(urljoin(page.url, action), data=data, allow_redirects=False, timeout=10))


def launch(platform: LtiPlatform, client_id: str, user_id: str, name: str, **claims) -> tuple[Browser,
                                                                                               requests.Response]:
    browser = Browser()
    response = platform.launch(browser, client_id, identity(user_id, name), sub=user_id, **claims)
    return browser, follow(browser, response)


def item_on_page(page: str, items: list[Item]) -> Item:
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
    for item in items:
        if re.sub(r"\s+", " ", to_plain_text(item.stem)).strip()[:60] in text:
            return item
    raise AssertionError("no bank item matches this question page")


def take(platform: LtiPlatform, client_id: str, learner: Learner, items: list[Item], custom: dict) -> None:
    """The learner's launch and answers through the delivery forms; submitted unless `answered` stops early."""
    browser, page = launch(platform, client_id, learner.user_id, learner.name, custom=custom)
    for _ in range(learner.answered if learner.answered is not None else len(items)):
        item = item_on_page(page.text, items)
        _, fields = parse_form(page.text)
        data: dict = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "next"}
        if item.type is ItemType.EXTENDED_TEXT:
            data["essay"] = learner.essay
        elif learner.choices.get(item.id):
            data["answer"] = list(learner.choices[item.id])
        page = post_form(browser, page, data)
    if learner.answered is None:
        assert "Review your answers" in page.text, page.text[:300]
        _, fields = parse_form(page.text)
        result = post_form(browser, page, fields)
        assert "Score" in result.text


def grade_essays(platform: LtiPlatform, client_id: str, learner: Learner, custom: dict) -> None:
    """The instructor opens the learner's grading page from the attempts page and saves rubric levels."""
    browser, home = launch(platform, client_id, INSTRUCTOR_ID, INSTRUCTOR_NAME, roles=(INSTRUCTOR,), custom=custom)
    link = re.search(r'<a href="([^"]+)">Grade essays<span class="visually-hidden"> of '
                     rf"{re.escape(learner.name)},", html.unescape(home.text))
    assert link, f"no Grade essays link for {learner.name}"
    page = follow(browser, browser.get(urljoin(home.url, link.group(1)), allow_redirects=False, timeout=10))
    _, fields = parse_form(page.text)
    data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"]}
    levels: dict[str, list[int]] = {}
    for name, value in re.findall(r'type="radio" name="(rubric-[^"]+)" value="(\d+)"', page.text):
        levels.setdefault(name, []).append(int(value))
    assert levels, "the grading page shows no rubric"
    for name, values in levels.items():
        data[name] = str(round(max(values) * learner.essay_grade))
    post_form(browser, page, data)


def wait_for_score_calls(platform: LtiPlatform, count: int, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while platform.score_calls < count:
        assert time.monotonic() < deadline, f"the platform got {platform.score_calls} score posts, expected {count}"
        time.sleep(0.1)


def populate(platform: LtiPlatform, client_id: str, items: list[Item], custom: dict) -> None:
    """The class takes the quiz, then the instructor grades; returns once every score post has been answered.

    The refused score is the last one sent, so no other learner's score meets the platform's refusal."""
    expected = platform.score_calls + sum(1 for learner in CLASS if learner.answered is None)
    for learner in CLASS:
        take(platform, client_id, learner, items, custom)
    wait_for_score_calls(platform, expected)
    graded = [learner for learner in CLASS if learner.essay_grade is not None]
    for learner in sorted(graded, key=lambda one: one.refused_by_gradebook):
        expected += 1
        if learner.refused_by_gradebook:
            platform.fail_scores("403")
        grade_essays(platform, client_id, learner, custom)
        wait_for_score_calls(platform, expected)
    wait_for_refusal_recorded(platform, client_id, custom)


def wait_for_refusal_recorded(platform: LtiPlatform, client_id: str, custom: dict, seconds: float = 10.0) -> None:
    """The platform answered the refused post; wait until the tool has recorded it (the Retry button shows)."""
    browser, home = launch(platform, client_id, INSTRUCTOR_ID, INSTRUCTOR_NAME, roles=(INSTRUCTOR,), custom=custom)
    deadline = time.monotonic() + seconds
    while ">Retry<" not in home.text:
        assert time.monotonic() < deadline, "the refused score never showed as failed on the attempts page"
        time.sleep(0.2)
        home = follow(browser, browser.get(home.url, allow_redirects=False, timeout=10))
