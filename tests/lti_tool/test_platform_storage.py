"""Launches through LTI platform storage (client-side postMessages) when the state cookie is blocked, over HTTP.

The browser half (the postMessages themselves) runs in Chromium in tests/browser; here the server's rules: the
login keeps a per-login secret for the platform's storage, a cookieless launch gets the page that reads it back,
and only that secret, posted from the tool's own page, stands in for the cookie, once.
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from lti_tool.lti.models import LaunchSession
from lti_tool.web import db
from tests.lti_platform import parse_form

CLIENT = "client-1"


def launches(app) -> int:
    with db.session_scope(app) as session:
        return session.execute(select(func.count()).select_from(LaunchSession)).scalar_one()


def data(page: str, name: str) -> str:
    return html.unescape(re.search(rf'data-{name}="([^"]*)"', page).group(1))


@pytest.fixture
def cookieless_launch(registered, platform, browser):
    """Login with lti_storage_target, authorize, then post the launch without the (blocked) state cookie."""
    params = platform.login_params(CLIENT) | {"lti_storage_target": "_parent"}
    login = browser.post(registered.url + "/lti/login", data=params, allow_redirects=False, timeout=10)
    assert login.status_code == 200 and any(c.name.startswith("lti1p3-") for c in browser.cookies)
    secret, auth_url = data(login.text, "value"), data(login.text, "next")
    assert data(login.text, "origin") == platform.url and data(login.text, "target") == "_parent"
    action, fields = parse_form(browser.get(auth_url, timeout=10).text)
    browser.cookies.clear()  # the tool's cookie is blocked inside the course page
    page = browser.post(action, data=fields, allow_redirects=False, timeout=10)
    return registered, page, fields, secret


def test_a_cookieless_launch_asks_the_platform_storage_and_records_nothing_yet(cookieless_launch):
    tool, page, fields, secret = cookieless_launch
    assert page.status_code == 200 and "lti_storage.js" in page.text
    assert data(page.text, "key") == "state_" + fields["state"]
    assert secret not in page.text
    assert page.headers["Cache-Control"] == "no-store"
    action, again = parse_form(page.text)
    assert action == tool.url + "/lti/launch" and again["lti_storage_proof"] == ""
    assert "in its own window" in page.text and "/lti/login" not in page.text  # shown if the platform does not answer
    assert launches(tool.app) == 0


def test_the_secret_from_platform_storage_posted_by_the_tools_page_completes_the_launch_once(cookieless_launch,
                                                                                              browser):
    tool, page, fields, secret = cookieless_launch
    _, again = parse_form(page.text)
    again["lti_storage_proof"] = secret
    done = browser.post(tool.url + "/lti/launch", data=again, headers={"Origin": tool.url}, allow_redirects=False)
    assert done.status_code == 303 and "ls=" in done.headers["Location"]
    assert launches(tool.app) == 1
    replay = browser.post(tool.url + "/lti/launch", data=again, headers={"Origin": tool.url}, allow_redirects=False)
    assert replay.status_code == 401 and launches(tool.app) == 1


@pytest.mark.parametrize(("proof", "origin"), [
    ("not-the-secret", "tool"),  # a guessed secret
    (None, "http://attacker.example"),  # the right secret, posted from another site (login CSRF)
    (None, ""),  # no Origin header at all
])
def test_a_wrong_secret_or_a_post_from_another_site_is_refused(cookieless_launch, browser, proof, origin):
    tool, page, fields, secret = cookieless_launch
    _, again = parse_form(page.text)
    again["lti_storage_proof"] = proof or secret
    headers = {"Origin": tool.url if origin == "tool" else origin} if origin else {}
    refused = browser.post(tool.url + "/lti/launch", data=again, headers=headers, allow_redirects=False)
    assert refused.status_code == 401 and fields["id_token"] not in refused.text
    assert launches(tool.app) == 0


def test_a_login_without_storage_target_still_redirects_with_its_cookie(registered, platform, browser):
    login = browser.post(registered.url + "/lti/login", data=platform.login_params(CLIENT), allow_redirects=False)
    assert login.status_code == 302 and "lti_storage.js" not in login.text
