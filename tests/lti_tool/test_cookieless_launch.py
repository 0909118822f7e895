"""Issue 14, point 7, over HTTP: a launch whose state cookie the browser blocked, from a platform without LTI
platform storage that accepts each login hint only once (as Moodle 4.5 does). The tool finishes it on the server
when a page of the platform posted it (its Origin), validated like any launch and used once; posted from anywhere
else it gets the tool's own clear page, records nothing, and the platform's login is never started again.

The browser half (every cookie of the tool blocked in a real Chromium frame) is tests/browser/
test_cookies_blocked_in_frame.py."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from lti_tool.lti.models import LaunchSession
from lti_tool.web import db
from tests.lti_platform import new_rsa_key, parse_form
from tests.lti_tool.helpers import FORM, register_by_hand

CLIENT = "client-1"
OWN_PAGE_TITLE = "Open the assessment in its own window"


def launches(app) -> int:
    with db.session_scope(app) as session:
        return session.execute(select(func.count()).select_from(LaunchSession)).scalar_one()


def cookieless_launch(platform, browser, origin: str | None, **claim_args):
    """Login and authorize with the state cookie set, drop it (blocked in the course frame), then post the launch
    with this Origin header (None: none at all). Returns (launch URL, form fields, the tool's answer)."""
    action, fields = platform.launch_form(browser, CLIENT, **claim_args)
    browser.cookies.clear()
    headers = {"Origin": origin} if origin is not None else {}
    return action, fields, browser.post(action, data=fields, headers=headers, allow_redirects=False, timeout=10)


@pytest.fixture
def once_only(platform):
    """The platform accepts each login hint once, like Moodle 4.5's mod/lti/auth.php."""
    platform.hints_once = True
    return platform


def test_a_cookieless_launch_posted_by_the_platforms_page_goes_on_to_question_1(tool, once_only, browser):
    _, _, first = cookieless_launch(once_only, browser, once_only.url, custom={"form_id": FORM})
    assert first.status_code == 200 and "Question 1 of" in first.text, first.text[:400]
    assert launches(tool.app) == 1
    assert once_only.refused_hints == 0 and len(once_only.used_hints) == 1


def test_a_cookieless_launch_is_used_once(tool, once_only, browser):
    action, fields, landed = cookieless_launch(once_only, browser, once_only.url)
    assert landed.status_code == 303 and "ls=" in landed.headers["Location"]
    replay = browser.post(action, data=fields, headers={"Origin": once_only.url}, allow_redirects=False)
    assert replay.status_code == 401 and "already used" in replay.text
    assert launches(tool.app) == 1


@pytest.mark.parametrize("origin", ["http://attacker.example", "null", None, "tool"],
                         ids=["another-site", "origin-null", "no-origin", "the-tools-own-page"])
def test_a_cookieless_launch_from_anywhere_else_gets_the_tools_own_page_and_uses_nothing_up(tool, once_only,
                                                                                            browser, origin):
    sender = tool.url if origin == "tool" else origin
    action, fields, page = cookieless_launch(once_only, browser, sender)
    assert page.status_code == 401 and OWN_PAGE_TITLE in page.text and "New window" in page.text
    assert "Traceback" not in page.text and fields["id_token"] not in page.text
    assert "/lti/login" not in page.text and "msg-" not in page.text  # no way back into the platform's login
    assert page.headers["Cache-Control"] == "no-store"
    assert launches(tool.app) == 0
    # the refused post used up nothing: the same launch posted by the platform's page still goes through once
    assert browser.post(action, data=fields, headers={"Origin": once_only.url}, allow_redirects=False
                        ).status_code == 303
    assert launches(tool.app) == 1 and once_only.refused_hints == 0


def test_a_cookieless_launch_is_validated_like_any_other(tool, platform, browser):
    other_key, _ = new_rsa_key()
    platform.tamper = lambda claims, plat: plat.sign(claims, key=other_key)
    _, fields, refused = cookieless_launch(platform, browser, platform.url)
    assert refused.status_code == 401 and "Invalid launch token" in refused.text
    assert fields["id_token"] not in refused.text and launches(tool.app) == 0


def test_a_course_site_the_administrator_lets_frame_the_tool_may_post_the_launch(live_tool_factory, sqlite_url,
                                                                                 platform, browser):
    tool = live_tool_factory(sqlite_url, FRAME_ANCESTORS=("https://school.instructure.example",))
    register_by_hand(tool, platform)
    _, _, landed = cookieless_launch(platform, browser, "https://school.instructure.example")
    assert landed.status_code == 303 and launches(tool.app) == 1
    _, _, refused = cookieless_launch(platform, browser, "https://other-school.instructure.example")
    assert refused.status_code == 401 and launches(tool.app) == 1


def test_when_the_platform_keeps_a_secret_for_the_login_nothing_less_stands_in_for_the_cookie(tool, platform,
                                                                                                browser):
    params = platform.login_params(CLIENT) | {"lti_storage_target": "_parent"}
    login = browser.post(tool.url + "/lti/login", data=params, allow_redirects=False, timeout=10)
    auth_url = html.unescape(re.search(r'data-next="([^"]*)"', login.text).group(1))
    action, fields = parse_form(browser.get(auth_url, timeout=10).text)
    browser.cookies.clear()
    page = browser.post(action, data=fields, headers={"Origin": platform.url}, allow_redirects=False)
    assert page.status_code == 200 and "lti_storage.js" in page.text  # the platform's storage, not the Origin
    assert launches(tool.app) == 0
