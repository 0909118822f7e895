"""Hostile launches (issue 5, point 10): each is refused with a 4xx page that does not echo the token, and
leaves no launch session, attempt or grade behind. A platform clock 20 s ahead is accepted."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import time

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy import func, select

import lti_tool.delivery.models as attempt_models
from lti_tool.lti.models import Deployment, LaunchSession
from lti_tool.web import db
from tests.lti_platform import CLAIM, Browser, b64url, new_rsa_key, unsigned_token
from tests.lti_tool.helpers import register_by_hand

CLIENT = "client-1"


def rows(app, model) -> int:
    with db.session_scope(app) as session:
        return session.execute(select(func.count()).select_from(model)).scalar_one()


def assert_refused(response, tool, platform, token: str | None = None, status: int | None = None) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:400])
    if status is not None:
        assert response.status_code == status, response.text[:400]
    assert "Traceback" not in response.text
    if token:
        assert token not in response.text
        assert token.split(".")[1] not in response.text
    assert rows(tool.app, LaunchSession) == 0
    assert rows(tool.app, attempt_models.Attempt) == 0
    assert rows(tool.app, attempt_models.ScoreOutbox) == 0
    assert platform.scores == []


def launch_with(platform, browser, tamper, **claim_args):
    """Run a launch whose id_token `tamper(claims, platform)` builds; returns (response, token)."""
    made: list[str] = []

    def record(claims, plat):
        token = tamper(claims, plat)
        made.append(token)
        return token

    platform.tamper = record
    response = platform.launch(browser, CLIENT, **claim_args)
    platform.tamper = None
    return response, made[0]


def with_claims(**changes):
    def tamper(claims, plat):
        claims.update(changes)
        return plat.sign({k: v for k, v in claims.items() if v is not None})
    return tamper


def without(*names):
    def tamper(claims, plat):
        return plat.sign({k: v for k, v in claims.items() if k not in names})
    return tamper


# `tool` (conftest): the live tool, on SQLite and PostgreSQL, with the test platform registered as client-1.


def test_a_genuine_launch_is_accepted(tool, platform, browser):
    response = platform.launch(browser, CLIENT)
    assert response.status_code == 303
    assert "ls=" in response.headers["Location"]
    assert rows(tool.app, LaunchSession) == 1
    cookie = next(c for c in browser.cookies if c.name.startswith("lti1p3-"))
    assert cookie.has_nonstandard_attr("Partitioned") and cookie.get_nonstandard_attr("SameSite") == "None"


def test_a_learners_launch_answers_with_question_1_whose_reload_is_a_plain_get(tool, platform, browser):
    """The launch's own response is the first question (no redirect); the page replaces its address with the
    question's, so a reload fetches that page and never posts the used id_token again."""
    response = platform.launch(browser, CLIENT, custom={"form_id": "starter-quiz"})
    assert response.status_code == 200 and "Question 1 of" in response.text
    assert response.headers["Cache-Control"] == "no-store"
    own_address = json.loads(re.search(r'history\.replaceState\(null, "", ("[^"]+")\)', response.text).group(1))
    assert re.fullmatch(r"/lti/delivery/attempts/\d+/items/1\?ls=[\w-]+", own_address)
    reloaded = browser.get(tool.url + own_address, allow_redirects=False)
    assert reloaded.status_code == 200 and "Question 1 of" in reloaded.text
    assert "replaceState" not in reloaded.text
    options = re.compile(r'name="answer" value="([^"]+)"')
    assert options.findall(reloaded.text) == options.findall(response.text)
    assert rows(tool.app, LaunchSession) == 1 and rows(tool.app, attempt_models.Attempt) == 1


def test_a_platform_clock_20_seconds_ahead_is_accepted(tool, platform, browser):
    now = int(time.time())
    response, _ = launch_with(platform, browser, with_claims(iat=now + 20, exp=now + 320))
    assert response.status_code == 303
    assert rows(tool.app, LaunchSession) == 1


def test_bad_signature(tool, platform, browser):
    other_key, _ = new_rsa_key()
    response, token = launch_with(platform, browser, lambda c, p: p.sign(c, key=other_key))
    assert_refused(response, tool, platform, token, 401)


def test_unknown_kid_is_refused_after_one_refetch(tool, platform, browser):
    platform.launch(Browser(), CLIENT)  # caches the platform's keys
    before = platform.jwks_requests
    with db.session_scope(tool.app) as session:
        session.execute(LaunchSession.__table__.delete())
    response, token = launch_with(platform, browser, lambda c, p: p.sign(c, headers={"kid": "no-such-key"}))
    assert_refused(response, tool, platform, token, 401)
    assert platform.jwks_requests == before + 1


def test_a_rotated_platform_key_is_found_by_one_refetch(tool, platform, browser):
    platform.launch(Browser(), CLIENT)
    new_pem, new_jwk = new_rsa_key()
    platform.extra_jwks.append(new_jwk)
    response, _ = launch_with(platform, browser, lambda c, p: p.sign(c, key=new_pem, headers={"kid": new_jwk["kid"]}))
    assert response.status_code == 303


def test_alg_none(tool, platform, browser):
    response, token = launch_with(platform, browser,
                                  lambda c, p: unsigned_token(c, {"alg": "none", "kid": p.public_jwk["kid"]}))
    assert_refused(response, tool, platform, token, 401)


def test_hs256_signed_with_the_platform_public_key(tool, platform, browser):
    def forge(claims, plat):
        public_pem = serialization.load_pem_private_key(plat.private_pem.encode(), None).public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        head = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": plat.public_jwk["kid"]}).encode())
        body = b64url(json.dumps(claims).encode())
        mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
        return f"{head}.{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"

    response, token = launch_with(platform, browser, forge)
    assert_refused(response, tool, platform, token, 401)


@pytest.mark.parametrize("changes", [
    pytest.param({"iss": "https://evil.example"}, id="wrong-iss"),
    pytest.param({"aud": "someone-else"}, id="wrong-aud"),
    pytest.param({"aud": [CLIENT, "someone-else"]}, id="several-aud-without-azp"),
    pytest.param({"aud": [CLIENT, "someone-else"], "azp": "someone-else"}, id="azp-not-ours"),
    pytest.param({"azp": "someone-else"}, id="azp-not-ours-single-aud"),
])
def test_wrong_issuer_audience_or_authorized_party(tool, platform, browser, changes):
    response, token = launch_with(platform, browser, with_claims(**changes))
    assert_refused(response, tool, platform, token)


def test_several_audiences_with_our_azp_are_accepted(tool, platform, browser):
    response, _ = launch_with(platform, browser, with_claims(aud=[CLIENT, "someone-else"], azp=CLIENT))
    assert response.status_code == 303


@pytest.mark.parametrize("offsets", [
    pytest.param({"iat": -400, "exp": -120}, id="expired"),
    pytest.param({"iat": 300, "exp": 600}, id="iat-in-the-future-beyond-leeway"),
    pytest.param({"iat": -3600, "exp": 300}, id="iat-older-than-max-age"),
])
def test_token_times(tool, platform, browser, offsets):
    now = int(time.time())
    response, token = launch_with(platform, browser, with_claims(**{k: now + v for k, v in offsets.items()}))
    assert_refused(response, tool, platform, token, 401)


def test_a_replayed_token_is_refused_in_the_same_browser(tool, platform, browser):
    action, fields = platform.launch_form(browser, CLIENT)
    assert browser.post(action, data=fields, allow_redirects=False).status_code == 303
    with db.session_scope(tool.app) as session:
        session.execute(LaunchSession.__table__.delete())
    replay = browser.post(action, data=fields, allow_redirects=False)
    assert_refused(replay, tool, platform, fields["id_token"], 401)


def test_a_replayed_token_is_refused_in_a_fresh_browser(tool, platform, browser):
    action, fields = platform.launch_form(browser, CLIENT)
    assert browser.post(action, data=fields, allow_redirects=False).status_code == 303
    with db.session_scope(tool.app) as session:
        session.execute(LaunchSession.__table__.delete())
    replay = Browser().post(action, data=fields, allow_redirects=False)
    assert_refused(replay, tool, platform, fields["id_token"], 401)


def test_a_stolen_unused_token_in_another_browser_gets_no_launch(tool, platform, browser):
    action, fields = platform.launch_form(browser, CLIENT)
    stolen = Browser().post(action, data=fields, allow_redirects=False)
    assert_refused(stolen, tool, platform, fields["id_token"], 401)
    assert browser.post(action, data=fields, allow_redirects=False).status_code == 303


def test_missing_state(tool, platform, browser):
    action, fields = platform.launch_form(browser, CLIENT)
    response = browser.post(action, data={"id_token": fields["id_token"]}, allow_redirects=False)
    assert_refused(response, tool, platform, fields["id_token"], 400)


def test_swapped_state(tool, platform, browser):
    action, first = platform.launch_form(browser, CLIENT)
    _, second = platform.launch_form(browser, CLIENT)
    response = browser.post(action, data={"id_token": first["id_token"], "state": second["state"]},
                            allow_redirects=False)
    assert_refused(response, tool, platform, first["id_token"], 401)


def test_unknown_deployment_in_strict_mode(live_tool_factory, sqlite_url, platform, browser):
    tool = live_tool_factory(sqlite_url, STRICT_DEPLOYMENTS=True)
    register_by_hand(tool, platform)
    response, token = launch_with(platform, browser, lambda c, p: p.sign(c), deployment_id="dep-unknown")
    assert_refused(response, tool, platform, token, 403)


def test_a_deployment_other_than_the_one_announced_at_login(tool, platform, browser):
    response, token = launch_with(platform, browser, with_claims(**{CLAIM + "deployment_id": "dep-other"}))
    assert_refused(response, tool, platform, token, 401)


def test_a_new_deployment_is_recorded_and_accepted_outside_strict_mode(tool, platform, browser):
    response = platform.launch(browser, CLIENT, deployment_id="dep-2")
    assert response.status_code == 303
    with db.session_scope(tool.app) as session:
        ids = set(session.execute(select(Deployment.deployment_id)).scalars())
    assert ids == {"dep-1", "dep-2"}


@pytest.mark.parametrize("changes", [
    pytest.param({CLAIM + "message_type": "LtiSubmissionReviewRequest"}, id="unsupported-message-type"),
    pytest.param({CLAIM + "message_type": "NoSuchMessage"}, id="unknown-message-type"),
    pytest.param({CLAIM + "version": "1.1.0"}, id="wrong-version"),
    pytest.param({CLAIM + "target_link_uri": "https://evil.example/lti/launch"}, id="off-site-target-link-uri"),
])
def test_wrong_message(tool, platform, browser, changes):
    response, token = launch_with(platform, browser, with_claims(**changes))
    assert_refused(response, tool, platform, token, 400)


@pytest.mark.parametrize("claim", ["sub", CLAIM + "roles", CLAIM + "resource_link"])
def test_missing_claims(tool, platform, browser, claim):
    response, token = launch_with(platform, browser, without(claim))
    assert_refused(response, tool, platform, token, 400)


def test_an_off_site_target_link_uri_at_login(tool, platform, browser):
    params = platform.login_params(CLIENT)
    params["target_link_uri"] = "https://evil.example/lti/launch"
    response = browser.post(tool.url + "/lti/login", data=params, allow_redirects=False)
    assert_refused(response, tool, platform, status=400)


def test_an_oversized_token(tool, platform, browser):
    def huge(claims, plat):
        claims[CLAIM + "custom"] = {"padding": "x" * 70_000}
        return plat.sign(claims)

    response, token = launch_with(platform, browser, huge)
    assert_refused(response, tool, platform, token, 413)


def test_a_pending_registration_cannot_launch(live_tool, platform, browser):
    register_by_hand(live_tool, platform, status="pending")
    response = browser.post(live_tool.url + "/lti/login", data=platform.login_params(CLIENT), allow_redirects=False)
    assert_refused(response, live_tool, platform, status=403)
    assert "pending" in response.text


def test_id_tokens_are_never_logged(tool, platform, browser, caplog):
    caplog.set_level(logging.DEBUG)
    other_key, _ = new_rsa_key()
    response, token = launch_with(platform, browser, lambda c, p: p.sign(c, key=other_key))
    assert response.status_code == 401
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert token not in logged and token.split(".")[1] not in logged


@pytest.mark.parametrize(("roles", "instructor", "learner"), [
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
      "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"], False, True),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"], True, False),
    (["http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"], True, False),
    (["Learner"], False, True),
])
def test_only_course_roles_make_an_instructor(roles, instructor, learner):
    from lti_tool.lti.roles import is_instructor, is_learner

    assert (is_instructor(roles), is_learner(roles)) == (instructor, learner)
