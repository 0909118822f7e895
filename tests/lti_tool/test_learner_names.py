"""Learners the LMS sends without a name (Moodle: "Share launcher's name with tool" off) are labelled, never shown as
a bare id, and a name learned at an earlier launch is never replaced by an empty name or by the id."""

from __future__ import annotations

import csv
import io

from lti_tool.instructor.roster import roster_entries
from lti_tool.lti.learner_names import claimed_name, display_name
from tests.lti_platform import Browser
from tests.lti_tool.workspace import answer_and_submit, launch

NO_NAME = {"name": "", "given_name": "", "family_name": ""}
LABEL_6 = "Learner 6 (name not shared by the LMS)"


def test_an_id_in_the_name_claim_is_no_name():
    assert claimed_name({"name": "5"}, "5") == ""
    assert claimed_name({"given_name": "Amara", "family_name": "Mensah"}, "5") == "Amara Mensah"
    assert claimed_name({}, "5") == ""


def test_a_person_without_a_name_is_labelled_with_the_id():
    assert display_name("", "5") == "Learner 5 (name not shared by the LMS)"
    assert display_name("Amara Mensah", "5") == "Amara Mensah"


def test_the_roster_keeps_a_name_learned_at_a_launch_when_nrps_sends_none():
    members = [{"user_id": "5", "roles": []}, {"user_id": "6", "name": "6", "roles": []}]
    names = {e.user_id: e.name for e in roster_entries(members, {}, {"5": "Amara Mensah"})}
    assert names == {"5": "Amara Mensah", "6": LABEL_6}


def csv_column(response, column: str) -> list[str]:
    assert response.status_code == 200, response.text[:300]
    return [row[column] for row in csv.DictReader(io.StringIO(response.text))]


def test_instructor_pages_and_csv_keep_learned_names_and_label_the_rest(tool, platform, starter_bank):
    answer_and_submit(tool, platform, "5", starter_bank, claims_overrides={"name": "Amara Mensah"})
    launch(platform, Browser(), "5", claims_overrides=NO_NAME)  # Moodle stops sharing names
    launch(platform, Browser(), "5", claims_overrides={**NO_NAME, "name": "5"})  # or sends the id as the name
    answer_and_submit(tool, platform, "6", starter_bank, claims_overrides=NO_NAME)
    for user_id in ("5", "6", "7"):
        del platform.add_member("course-1", user_id)["name"]

    teacher = Browser()
    home = launch(platform, teacher, "teacher-1", instructor=True)
    ls = home.url.split("ls=")[1].split("&")[0]
    assert "Amara Mensah" in home.text and LABEL_6 in home.text
    learners = csv_column(teacher.get(f"{tool.url}/lti/instructor/attempts.csv", params={"ls": ls}, timeout=10),
                          "learner")
    assert sorted(learners) == ["Amara Mensah", LABEL_6]

    roster = teacher.get(f"{tool.url}/lti/instructor/roster", params={"ls": ls}, timeout=10).text
    assert "Amara Mensah" in roster and LABEL_6 in roster and "Learner 7 (name not shared by the LMS)" in roster
    names = csv_column(teacher.get(f"{tool.url}/lti/instructor/roster.csv", params={"ls": ls}, timeout=10), "name")
    assert "Amara Mensah" in names and LABEL_6 in names and "5" not in names
