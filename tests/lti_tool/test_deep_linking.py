"""The instructor's deep-linking page: the forms it lists, the settings it accepts, the signed response it returns."""

from __future__ import annotations

import json
import re

import jwt
import pytest
from jwcrypto.jwk import JWK

from item_bank.assemble import form_items
from lti_tool.lti.keys import jwks
from lti_tool.web.db import session_scope
from tests.lti_platform import parse_form
from tests.lti_tool.launch_rows import CLIENT_ID, ISSUER, launch_row

RETURN_URL = "https://lms.example.edu/deep-link-return"
SETTINGS = {"deep_link_return_url": RETURN_URL, "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe"], "data": "opaque-42"}
CHOICES = {"form_id": "starter-quiz", "attempts_allowed": "3", "time_limit_minutes": "45", "feedback": "never"}


# `app` and `client` (conftest): the app on SQLite, no background sender, and its test client.


def deep_link_launch(app, settings=SETTINGS, instructor=True):
    return launch_row(app, sub="teacher", instructor=instructor, message_type="LtiDeepLinkingRequest",
                      deep_linking=settings)


def choose(client, ls, csrf, **changes):
    return client.post("/lti/deep-link/pick", data={"ls": ls, "csrf_token": csrf, **CHOICES, **changes})


def decoded(app, token: str) -> dict:
    header = jwt.get_unverified_header(token)
    with session_scope(app) as db:
        key = next(k for k in jwks(db)["keys"] if k["kid"] == header["kid"])
    public = JWK.from_json(json.dumps(key)).export_to_pem()
    return jwt.decode(token, public, algorithms=["RS256"], audience=ISSUER, issuer=CLIENT_ID)


def test_the_picker_lists_every_form_with_size_domains_and_time_limit(app, client, starter_bank):
    ls, _ = deep_link_launch(app)
    page = client.get("/lti/deep-link/pick", query_string={"ls": ls})
    assert page.status_code == 200
    for form in starter_bank.forms:
        items = form_items(form, starter_bank)
        assert form.title in page.text
        assert f"{len(items)} ({sum(i.points for i in items):g} points)" in page.text
        for domain in {i.domain for i in items}:
            assert starter_bank.blueprint.domain(domain).title in page.text
    assert "20 minutes" in page.text
    assert len(re.findall(r'name="attempts_allowed"', page.text)) == len(starter_bank.forms)


def test_the_response_is_a_signed_resource_link_with_one_line_item_and_the_settings(app, client, starter_bank):
    ls, csrf = deep_link_launch(app)
    response = choose(client, ls, csrf)
    assert response.status_code == 200
    action, fields = parse_form(response.text)
    assert action == RETURN_URL
    message = decoded(app, fields["JWT"])
    assert message["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert message["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] == "dep-1"
    assert message["https://purl.imsglobal.org/spec/lti-dl/claim/data"] == "opaque-42"
    [item] = message["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    points = sum(i.points for i in form_items(starter_bank.form("starter-quiz"), starter_bank))
    assert item["type"] == "ltiResourceLink" and item["url"].endswith("/lti/launch")
    assert item["lineItem"] == {"scoreMaximum": points, "label": "Starter quiz", "resourceId": "starter-quiz",
                                "submissionReview": {"reviewableStatus": ["Completed"],
                                                     "label": "Review the submitted attempt", "url": item["url"]}}
    assert item["custom"] == CHOICES
    assert "<button type=\"submit\">Return to the course</button>" in response.text


@pytest.mark.parametrize("changes, problem", [
    ({"attempts_allowed": "-1"}, "Attempts must be a whole number"),
    ({"attempts_allowed": "many"}, "Attempts must be a whole number"),
    ({"time_limit_minutes": "9999"}, "time limit must be a whole number"),
    ({"feedback": "sometimes"}, "Choose when learners see feedback"),
    ({"form_id": "no-such-form"}, "Choose one of the assessments listed"),
])
def test_bad_choices_are_refused_with_a_clear_message_and_no_jwt(app, client, changes, problem):
    ls, csrf = deep_link_launch(app)
    response = choose(client, ls, csrf, **changes)
    assert response.status_code == 400
    assert problem in response.text and 'name="JWT"' not in response.text


def test_learners_and_forged_posts_are_refused(app, client):
    ls, csrf = deep_link_launch(app, instructor=False)
    assert client.get("/lti/deep-link/pick", query_string={"ls": ls}).status_code == 403
    teacher_ls, _ = deep_link_launch(app)
    assert choose(client, teacher_ls, "not-the-token").status_code == 403


def test_a_launch_that_is_not_deep_linking_or_refuses_resource_links_is_refused(app, client):
    ls, _ = launch_row(app, sub="teacher", instructor=True, custom={"form_id": "starter-quiz"})
    assert client.get("/lti/deep-link/pick", query_string={"ls": ls}).status_code == 400
    files_only = {**SETTINGS, "accept_types": ["file"]}
    ls, csrf = deep_link_launch(app, settings=files_only)
    page = client.get("/lti/deep-link/pick", query_string={"ls": ls})
    assert page.status_code == 400 and "does not accept LTI resource links" in page.text
    assert choose(client, ls, csrf).status_code == 400


def test_feedback_after_the_due_date_asks_canvas_for_the_due_date(app, client):
    ls, csrf = deep_link_launch(app)
    response = choose(client, ls, csrf, feedback="after_due")
    [item] = decoded(app, parse_form(response.text)[1]["JWT"])[
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
    assert item["custom"]["feedback"] == "after_due"
    assert item["custom"]["due_at"] == "$Canvas.assignment.dueAt.iso8601"
