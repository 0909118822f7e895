"""What a platform sends during dynamic registration: a registration only ever adds a registration (the rewrite
attack of issue 12 changes nothing), and every field is checked before it is stored (4xx, never a 500).

The LMSs are `HostilePlatform` sites on one host (127.0.0.1, several LMSs under different paths); the tool is the
real app, on SQLite and PostgreSQL, posted to as an LMS admin's browser would.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lti_tool.lti.models import Platform
from lti_tool.lti.registration import create_registration_link, link_is_usable
from lti_tool.web import db
from tests.lti_platform import PLATFORM_CONFIG, TOOL_CONFIG
from tests.lti_tool.helpers import make_app
from tests.lti_tool.hostile_platform import HostilePlatform


@pytest.fixture
def lms_host():
    started = HostilePlatform().start()
    yield started
    started.stop()


def tool(tmp_path, database_url: str, **settings):
    return make_app(tmp_path, database_url, **settings)


def new_link(app) -> str:
    with db.session_scope(app) as session:
        return create_registration_link(session)


def register(app, config_url: str, link: str = ""):
    """The admin's confirmation post, as the tool's own confirmation page sends it."""
    return app.test_client().post("/lti/register", data={"openid_configuration": config_url,
                                                          "registration_token": "token-1", "link": link})


def stored(app) -> list[tuple]:
    """Everything the tool trusts about each registration."""
    with db.session_scope(app) as session:
        return [(p.issuer, p.client_id, p.status, p.auth_login_url, p.auth_token_url, p.key_set_url,
                 p.auth_audience, sorted(d.deployment_id for d in p.deployments))
                for p in session.execute(select(Platform).order_by(Platform.id)).scalars()]


def text_of(page) -> str:
    return page.get_data(as_text=True)


# --- the rewrite attack ----------------------------------------------------------------------------------------------

@pytest.fixture(params=["active, links only", "active, open registration", "pending, open registration"])
def victim(request, tmp_path, database_url, lms_host):
    """The tool with LMS A (`lms-a`) registered through dynamic registration, active or pending."""
    status, mode = request.param.split(", ")
    app = tool(tmp_path, database_url, OPEN_REGISTRATION=mode == "open registration")
    done = register(app, lms_host.config_url("lms-a"), new_link(app) if status == "active" else "")
    assert done.status_code == 200, text_of(done)
    [row] = stored(app)
    assert row[:3] == (lms_host.issuer("lms-a"), "lms-a-client", status)
    return app


def attack_link(app) -> str:
    """A stranger without a link when registration is open; with a link (an LMS admin holding one) otherwise."""
    return "" if app.config["OPEN_REGISTRATION"] else new_link(app)


def test_a_registration_carrying_a_known_client_id_changes_nothing(victim, lms_host):
    """The attack as tried: configuration under LMS A's own address, the answer carrying A's client id and the
    attacker's endpoints. Refused; A keeps its endpoints, deployments and status; the link stays unused."""
    before = stored(victim)
    where = "lms-a/uploads/course-files"  # a file an LMS user could place under A's path
    attacker = lms_host.issuer("lms-b")
    lms_host.configs[where] = {"authorization_endpoint": f"{attacker}/auth", "token_endpoint": f"{attacker}/token",
                               "jwks_uri": f"{attacker}/jwks", "registration_endpoint": f"{attacker}/register"}
    lms_host.answers["lms-b"] = {"client_id": "lms-a-client", TOOL_CONFIG: {"deployment_id": "attacker-dep"}}
    link = attack_link(victim)
    refused = register(victim, lms_host.config_url(where), link)
    assert refused.status_code == 409, text_of(refused)
    assert "already known" in text_of(refused) and "Nothing was changed" in text_of(refused)
    assert stored(victim) == before
    if link:
        with db.session_scope(victim) as session:
            assert link_is_usable(session, link)


def test_a_configuration_from_another_path_of_the_same_host_cannot_claim_an_issuer(victim, lms_host):
    """LMS B, on the same host as A under another path, says it is A: the origin matches, the path does not."""
    before = stored(victim)
    lms_host.configs["lms-b"] = {"issuer": lms_host.issuer("lms-a")}
    lms_host.answers["lms-b"] = {"client_id": "lms-a-client", TOOL_CONFIG: {"deployment_id": "attacker-dep"}}
    refused = register(victim, lms_host.config_url("lms-b"), attack_link(victim))
    assert refused.status_code == 400 and "issuer does not match" in text_of(refused)
    assert stored(victim) == before
    assert not any("/lms-b/register" in r for r in lms_host.requests)


def test_without_a_link_and_without_open_registration_the_attack_is_refused_before_any_call(
        tmp_path, database_url, lms_host):
    app = tool(tmp_path, database_url)
    lms_host.answers["lms-a"] = {"client_id": "x"}
    refused = register(app, lms_host.config_url("lms-a"))
    assert refused.status_code == 403 and "link is needed" in text_of(refused)
    assert lms_host.requests == [] and stored(app) == []


# --- every field checked -------------------------------------------------------------------------------------------

def test_a_well_formed_registration_from_the_hostile_platform_is_stored(tmp_path, sqlite_url, lms_host):
    """The control for the refusals below: the same platform with nothing wrong registers."""
    app = tool(tmp_path, sqlite_url)
    done = register(app, lms_host.config_url("lms-a"), new_link(app))
    assert done.status_code == 200, text_of(done)
    assert stored(app) == [(lms_host.issuer("lms-a"), "lms-a-client", "active", lms_host.issuer("lms-a") + "/auth",
                            lms_host.issuer("lms-a") + "/token", lms_host.issuer("lms-a") + "/jwks", None,
                            ["lms-a-1"])]


BAD_ANSWERS = {
    "client_id is an object": {"client_id": {"x": 1}},
    "client_id is a list": {"client_id": ["a", "b"]},
    "client_id is empty": {"client_id": ""},
    "client_id has 5,000 characters": {"client_id": "c" * 5000},
    "client_id is missing": {TOOL_CONFIG: {"deployment_id": "1"}},
    "client_id is a number": {"client_id": 10000000000001},
    "client_id has a space": {"client_id": "a b"},
    "deployment_id is a number": {"client_id": "c-1", TOOL_CONFIG: {"deployment_id": 7}},
    "deployment_id is a list": {"client_id": "c-1", TOOL_CONFIG: {"deployment_id": ["a", "b"]}},
    "deployment_id is an object": {"client_id": "c-1", TOOL_CONFIG: {"deployment_id": {"x": 1}}},
    "deployment_id is empty": {"client_id": "c-1", TOOL_CONFIG: {"deployment_id": ""}},
    "deployment_id has 300 characters": {"client_id": "c-1", TOOL_CONFIG: {"deployment_id": "d" * 300}},
    "the tool configuration is a list": {"client_id": "c-1", TOOL_CONFIG: ["deployment_id"]},
    "the answer is a list": ["client_id", "c-1"],
}


@pytest.mark.parametrize("answer", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_a_bad_registration_answer_is_refused_and_nothing_is_stored(tmp_path, database_url, lms_host, answer):
    app = tool(tmp_path, database_url)
    link = new_link(app)
    lms_host.answers["lms-a"] = answer
    refused = register(app, lms_host.config_url("lms-a"), link)
    assert refused.status_code == 400, text_of(refused)
    assert "not valid" in text_of(refused) or "not a JSON object" in text_of(refused)
    assert "Traceback" not in text_of(refused) and "c" * 100 not in text_of(refused)
    assert stored(app) == []
    with db.session_scope(app) as session:
        assert link_is_usable(session, link)


@pytest.mark.parametrize("body", [b"[" * 200_000, b"client_id=c-1", b'{"client_id": "c-1"'],
                         ids=["nested past Python's stack", "a form, not JSON", "cut off"])
def test_an_answer_that_is_not_json_is_refused(tmp_path, sqlite_url, lms_host, body):
    app = tool(tmp_path, sqlite_url)
    lms_host.answers["lms-a"] = body
    refused = register(app, lms_host.config_url("lms-a"), new_link(app))
    assert refused.status_code == 400 and "is not JSON" in text_of(refused)
    assert stored(app) == []


BAD_CONFIGURATIONS = {
    "issuer is an object": {"issuer": {"x": 1}},
    "issuer has a query": {"issuer": "ISSUER?x=1"},
    "jwks_uri is a javascript: URL": {"jwks_uri": "javascript:alert(1)"},
    "authorization_endpoint has 5,000 characters": {"authorization_endpoint": "ISSUER/" + "a" * 5000},
    "token_endpoint is a list": {"token_endpoint": ["ISSUER/token"]},
    "registration_endpoint carries credentials": {"registration_endpoint": "http://user:pw@127.0.0.1:1/register"},
    "product_family_code is an object": {PLATFORM_CONFIG: {"product_family_code": {"x": 1}}},
    "the platform configuration is a list": {PLATFORM_CONFIG: ["moodle"]},
    "scopes_supported is text": {"scopes_supported": "all"},
    "authorization_server is a number": {"authorization_server": 5},
}


@pytest.mark.parametrize("overrides", BAD_CONFIGURATIONS.values(), ids=BAD_CONFIGURATIONS.keys())
def test_a_bad_platform_configuration_is_refused_before_registering(tmp_path, sqlite_url, lms_host, overrides):
    app = tool(tmp_path, sqlite_url)
    issuer = lms_host.issuer("lms-a")
    lms_host.configs["lms-a"] = {k: v.replace("ISSUER", issuer) if isinstance(v, str) else v
                                 for k, v in overrides.items()}
    refused = register(app, lms_host.config_url("lms-a"), new_link(app))
    assert refused.status_code == 400, text_of(refused)
    assert stored(app) == []
    assert not any(r.startswith("POST") for r in lms_host.requests)


def test_the_platforms_error_text_is_never_shown(tmp_path, sqlite_url, lms_host):
    """A refusal by the platform shows its HTTP status only: its error text could be anything."""
    app = tool(tmp_path, sqlite_url)
    lms_host.answer_status["lms-a"] = 400
    lms_host.answers["lms-a"] = {"error": "invalid_client_metadata",
                                 "error_description": "<b>Call the helpdesk at 555-0100</b><script>x()</script>"}
    refused = register(app, lms_host.config_url("lms-a"), new_link(app))
    assert refused.status_code == 400 and "refused the registration (HTTP 400)" in text_of(refused)
    assert "555-0100" not in text_of(refused) and "helpdesk" not in text_of(refused)
    assert stored(app) == []
