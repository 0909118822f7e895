"""Dynamic registration against the test platform in Moodle's and Canvas's flavour, over HTTP."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from item_bank.cli import main
from lti_tool.lti.models import Platform
from lti_tool.lti.registration import create_registration_link
from lti_tool.web import db
from tests.lti_platform import TOOL_CONFIG, Browser, LtiPlatform, parse_form
from tests.lti_tool.helpers import FORM, live_grade_senders, register_by_hand

AGS_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@pytest.fixture(params=["moodle", "canvas"])
def lms(request):
    started = LtiPlatform(request.param).start()
    yield started
    started.stop()


def register(tool, lms: LtiPlatform, browser: Browser, link: str = ""):
    """Play the admin: open the registration URL from the LMS, confirm; returns the final page."""
    start_url = lms.registration_start_url(tool.url + "/lti/register" + (f"?link={link}" if link else ""))
    page = browser.get(start_url)
    if page.status_code != 200:
        return page
    action, fields = parse_form(page.text)
    return browser.post(tool.url + action if action.startswith("/") else action, data=fields)


@pytest.fixture
def open_tool(live_tool_factory, database_url):
    """The live tool with open registration opted in (CPS_OPEN_REGISTRATION=1): strangers may register, pending."""
    return live_tool_factory(database_url, OPEN_REGISTRATION=True)


def new_link(tool) -> str:
    with db.session_scope(tool.app) as session:
        return create_registration_link(session)


def platforms(tool) -> list[Platform]:
    with db.session_scope(tool.app) as session:
        rows = session.execute(select(Platform)).scalars().all()
        for row in rows:
            _ = row.deployments
        return rows


def cli(tool, *args: str):
    env = {"DATABASE_URL": tool.app.config["DATABASE_URL"], "CPS_INSTANCE_PATH": tool.app.instance_path}
    return CliRunner().invoke(main, list(args), env=env)


def test_open_registration_is_pending_until_the_admin_approves(open_tool, lms, browser):
    done = register(open_tool, lms, browser)
    assert done.status_code == 200, done.text[:500]
    assert "org.imsglobal.lti.close" in done.text
    assert 'id="pending"' in done.text
    assert ('id="moodle-pending"' in done.text) == (lms.flavour == "moodle")
    [row] = platforms(open_tool)
    client = lms.clients[row.client_id]
    assert (row.issuer, row.status, row.product) == (lms.issuer, "pending", lms.flavour)
    assert [d.deployment_id for d in row.deployments] == client.deployment_ids

    refused = Browser().post(client.initiate_login_uri, data=lms.login_params(row.client_id), allow_redirects=False)
    assert refused.status_code == 403 and "pending" in refused.text

    approved = cli(open_tool, "platform", "approve", str(row.id))
    assert approved.exit_code == 0, approved.output
    assert lms.launch(Browser(), row.client_id).status_code == 303


def test_what_the_tool_registers(live_tool, lms, browser):
    register(live_tool, lms, browser, new_link(live_tool))
    [client] = lms.clients.values()
    body = client.registration
    config = body[TOOL_CONFIG]
    assert config["domain"] == urlsplit(config["target_link_uri"]).netloc
    assert body["response_types"] == ["id_token"] and body["token_endpoint_auth_method"] == "private_key_jwt"
    assert {m["type"] for m in config["messages"]} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert AGS_SCORE in body["scope"].split() and NRPS in body["scope"].split()
    assert body["jwks_uri"] == live_tool.url + "/lti/jwks"
    if lms.flavour == "canvas":
        assert config["https://canvas.instructure.com/lti/privacy_level"] == "name_only"
        deep = next(m for m in config["messages"] if m["type"] == "LtiDeepLinkingRequest")
        assert set(deep["placements"]) == {"assignment_selection", "link_selection"}
    else:
        assert "https://canvas.instructure.com/lti/privacy_level" not in config


def test_a_one_time_link_registers_an_active_platform_once(live_tool, lms, browser):
    link = new_link(live_tool)
    done = register(live_tool, lms, browser, link)
    assert done.status_code == 200 and 'id="pending"' not in done.text
    [row] = platforms(live_tool)
    assert row.status == "active"
    assert lms.launch(Browser(), row.client_id).status_code == 303

    again = register(live_tool, lms, Browser(), link)
    assert again.status_code == 403
    assert len(platforms(live_tool)) == 1


def test_strangers_need_a_link_unless_open_registration_is_opted_in(live_tool_factory, sqlite_url, lms, browser):
    tool = live_tool_factory(sqlite_url)  # the default: CPS_OPEN_REGISTRATION off
    assert tool.app.config["OPEN_REGISTRATION"] is False
    page = register(tool, lms, browser)
    assert page.status_code == 403
    forged = browser.post(tool.url + "/lti/register", data={
        "openid_configuration": f"{lms.url}/dr/openid-configuration", "registration_token": "x"})
    assert forged.status_code == 403
    assert platforms(tool) == [] and lms.clients == {}


def test_an_issuer_that_does_not_match_its_configuration_url_is_refused(open_tool, lms, browser):
    lms.advertised_issuer = "https://evil.example"
    done = register(open_tool, lms, browser)
    assert done.status_code == 400 and "issuer" in done.text
    assert platforms(open_tool) == [] and lms.clients == {}


def test_the_registration_token_is_required(open_tool, lms, browser):
    start_url = lms.registration_start_url(open_tool.url + "/lti/register")
    lms.registration_tokens.clear()
    page = browser.get(start_url)
    action, fields = parse_form(page.text)
    done = browser.post(open_tool.url + action, data=fields)
    assert done.status_code == 400
    assert platforms(open_tool) == []


def test_a_registration_page_opened_directly_explains_what_to_paste_where(live_tool, browser):
    page = browser.get(live_tool.url + "/lti/register")
    assert page.status_code == 200
    assert "Moodle" in page.text and "Canvas" in page.text and "cps-assess registration-link" in page.text
    assert platforms(live_tool) == []


def test_canvas_developer_key_json(live_tool, browser):
    config = browser.get(live_tool.url + "/lti/config/canvas.json").json()
    assert config["oidc_initiation_url"] == live_tool.url + "/lti/login"
    assert config["target_link_uri"] == live_tool.url + "/lti/launch"
    assert config["public_jwk_url"] == live_tool.url + "/lti/jwks"
    [canvas] = config["extensions"]
    assert canvas["privacy_level"] == "name_only"
    assert {p["placement"] for p in canvas["settings"]["placements"]} == {"assignment_selection", "link_selection"}
    assert AGS_SCORE in config["scopes"]


def test_a_command_never_starts_the_background_grade_sender(live_tool):
    """Only the server's workers send grades: a sender in a command's process (or in-process, as here) would post
    scores behind `grades send` and drain outboxes it was never asked to."""
    listed = cli(live_tool, "platform", "list")
    assert listed.exit_code == 0, listed.output
    assert not live_grade_senders()


def test_platform_add_list_remove(live_tool, platform):
    added = cli(live_tool, "platform", "add", "--issuer", platform.issuer, "--client-id", "c-9",
                "--auth-login-url", platform.url + "/auth", "--token-url", platform.url + "/token",
                "--keyset-url", platform.url + "/jwks", "--deployment-id", "d-1", "--deployment-id", "d-2")
    assert added.exit_code == 0, added.output
    listed = cli(live_tool, "platform", "list")
    assert "client c-9" in listed.output and "d-1, d-2" in listed.output and "active" in listed.output
    platform.add_client("c-9", live_tool.url, ("d-1",))
    assert platform.launch(Browser(), "c-9").status_code == 303
    duplicate = cli(live_tool, "platform", "add", "--issuer", platform.issuer, "--client-id", "c-9",
                    "--auth-login-url", platform.url + "/auth", "--token-url", platform.url + "/token",
                    "--keyset-url", platform.url + "/jwks")
    assert duplicate.exit_code == 1 and "already" in duplicate.output
    [row] = platforms(live_tool)
    removed = cli(live_tool, "platform", "remove", str(row.id))
    assert removed.exit_code == 0
    assert platforms(live_tool) == []
    assert Browser().post(live_tool.url + "/lti/login", data=platform.login_params("c-9"),
                          allow_redirects=False).status_code == 403


def test_removing_a_platform_that_holds_attempts_needs_to_be_told_to_delete_them(live_tool, platform):
    """Removing a registration cascades to its learners' attempts, so the command keeps them unless told."""
    register_by_hand(live_tool, platform, "c-7")
    first_page = platform.launch(Browser(), "c-7", custom={"form_id": FORM})
    assert first_page.status_code == 200, first_page.text[:300]
    [row] = platforms(live_tool)
    kept = cli(live_tool, "platform", "remove", str(row.id))
    assert kept.exit_code == 1 and "1 attempt(s) by 1 learner(s)" in kept.output
    assert "--delete-learner-data" in kept.output and "Traceback" not in kept.output
    assert [p.id for p in platforms(live_tool)] == [row.id]
    removed = cli(live_tool, "platform", "remove", str(row.id), "--delete-learner-data")
    assert removed.exit_code == 0, removed.output
    assert platforms(live_tool) == []


def test_behind_a_tls_proxy_the_urls_are_https_when_configured(tmp_path, sqlite_url):
    from tests.lti_tool.helpers import make_app

    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "assess.example.org", "X-Forwarded-For": "10.0.0.9"}
    trusting = make_app(tmp_path / "a", sqlite_url, PROXY_HOPS=1).test_client()
    config = trusting.get("/lti/config/canvas.json", headers=headers).get_json()
    assert config["oidc_initiation_url"] == "https://assess.example.org/lti/login"
    ignoring = make_app(tmp_path / "b", f"sqlite:///{tmp_path / 'b.sqlite3'}").test_client()
    config = ignoring.get("/lti/config/canvas.json", headers=headers).get_json()
    assert config["oidc_initiation_url"] == "http://localhost/lti/login"
