"""The whole story over real HTTP with the test platform: registration, the instructor's deep link, a learner's
launch, answers, submission, and the platform receiving the right score exactly once (SQLite and PostgreSQL)."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urljoin

import jwt
import pytest
import requests
from jwcrypto.jwk import JWK

from lti_tool.grades.outbox import drain
from tests.lti_platform import CLAIM, INSTRUCTOR, Browser, LtiPlatform, parse_form
from tests.lti_tool.helpers import FORM, follow, outbox_settled, quiz_items, take_the_quiz, wait_for

DL_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"


def hidden(page: str, name: str) -> str:
    return html.unescape(re.search(rf'name="{name}" value="([^"]*)"', page).group(1))


def dynamic_registration(tool, platform) -> str:
    """The tool's admin makes a one-time registration link; the LMS admin pastes it; returns the client id."""
    from lti_tool.lti.registration import create_registration_link
    from lti_tool.web.db import session_scope

    with session_scope(tool.app) as db:
        link = create_registration_link(db)
    admin = Browser()
    confirm = admin.get(platform.registration_start_url(f"{tool.url}/lti/register?link={link}"), timeout=10)
    assert confirm.status_code == 200, confirm.text
    action, fields = parse_form(confirm.text)
    done = admin.post(urljoin(confirm.url, action), data=fields, timeout=10)
    assert done.status_code == 200, done.text
    assert "org.imsglobal.lti.close" in done.text
    [client_id] = platform.clients
    return client_id


def verified_deep_link(tool, platform, client_id: str, page: str) -> dict:
    """What the platform does with the returned JWT: check it against the tool's published keys."""
    action, fields = parse_form(page)
    assert action == f"{platform.url}/deep-link-return/{client_id}"
    header = jwt.get_unverified_header(fields["JWT"])
    keys = requests.get(f"{tool.url}/lti/jwks", timeout=5).json()["keys"]
    key = next(k for k in keys if k["kid"] == header["kid"])
    public = JWK.from_json(json.dumps(key)).export_to_pem()
    return jwt.decode(fields["JWT"], public, algorithms=["RS256"], audience=platform.issuer, issuer=client_id)


@pytest.mark.parametrize("flavour", ["canvas", "moodle"])
def test_registration_deep_link_launch_submit_and_exactly_one_score(live_tool_factory, database_url, flavour,
                                                                   starter_bank, request):
    platform = LtiPlatform(flavour).start()
    request.addfinalizer(platform.stop)
    tool = live_tool_factory(database_url, GRADES_SENDER_INTERVAL_SECONDS=0.5)
    request.addfinalizer(tool.app.extensions["grade_sender"].stop)
    client_id = dynamic_registration(tool, platform)

    # The instructor adds the assessment from the LMS (deep linking) and chooses its settings.
    teacher = Browser()
    picker = follow(teacher, platform.launch(teacher, client_id, message_type="LtiDeepLinkingRequest",
                                             roles=(INSTRUCTOR,), sub="teacher-1"))
    assert picker.status_code == 200 and "Starter quiz" in picker.text
    returned = teacher.post(f"{tool.url}/lti/deep-link/pick", data={
        "ls": hidden(picker.text, "ls"), "csrf_token": hidden(picker.text, "csrf_token"), "form_id": FORM,
        "attempts_allowed": "2", "time_limit_minutes": "30", "feedback": "after_submit"}, timeout=10)
    assert returned.status_code == 200
    message = verified_deep_link(tool, platform, client_id, returned.text)
    assert message[CLAIM + "message_type"] == "LtiDeepLinkingResponse"
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "dl-data-1"
    [link] = message[DL_ITEMS]
    points = sum(i.points for i in quiz_items(starter_bank))
    assert link["type"] == "ltiResourceLink" and link["url"] == f"{tool.url}/lti/launch"
    assert link["lineItem"] == {"scoreMaximum": points, "label": "Starter quiz", "resourceId": FORM,
                                "submissionReview": {"reviewableStatus": ["Completed"],
                                                     "label": "Review the submitted attempt", "url": link["url"]}}
    assert link["custom"] == {"form_id": FORM, "attempts_allowed": "2", "time_limit_minutes": "30",
                              "feedback": "after_submit"}
    lineitem = platform.ensure_lineitem("course-1", "link-1", score_maximum=link["lineItem"]["scoreMaximum"])

    # A learner launches the new link, answers every question and submits.
    learner = Browser()
    first = follow(learner, platform.launch(learner, client_id, sub="learner-1", custom=link["custom"]))
    assert first.status_code == 200 and "Question 1 of 7" in first.text
    result = take_the_quiz(tool, learner, first, quiz_items(starter_bank))
    choice_points = sum(i.points for i in quiz_items(starter_bank) if i.type.has_choices)
    assert f"Score: <strong>{choice_points:g} out of {points:g}</strong>" in result.text
    assert "Feedback" in result.text

    # The platform receives the score once, on the line item of this link.
    assert wait_for(lambda: outbox_settled(tool.app)), "the score did not reach the platform"
    assert drain(tool.app).sent == 0
    assert len(platform.scores) == 1
    score = platform.scores[0]
    assert (score["lineitem"], score["userId"]) == (lineitem, "learner-1")
    assert (score["scoreGiven"], score["scoreMaximum"]) == (choice_points, points)
    assert score["gradingProgress"] == "PendingManual" and score["activityProgress"] == "Completed"
    assert len(platform.lineitems) == 1

    # Reloading the launch shows the result again; nothing is sent twice.
    again = follow(learner, platform.launch(learner, client_id, sub="learner-1", custom=link["custom"]))
    assert "your result" in again.text
    assert "Start attempt 2" in again.text

    # The instructor's view of this link lists the attempt with its passback status.
    home = follow(teacher, platform.launch(teacher, client_id, sub="teacher-1", roles=(INSTRUCTOR,),
                                           custom=link["custom"]))
    assert home.status_code == 200 and "Person learner-1" in home.text and "sent" in home.text

