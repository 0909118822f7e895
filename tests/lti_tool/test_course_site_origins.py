"""Canvas Cloud over HTTP: the course pages that frame the tool are on the school's site, apart from the
registration's issuer, OIDC and token URLs (canvas.instructure.com, sso.canvaslms.com). The tool learns the course
site from the return URL of a validated, signed launch, with nothing configured (no CPS_FRAME_ANCESTORS): the launch's
own answer and every later page may be framed by it, every worker's launched pages at once, and a cookieless launch
posted by it is accepted. Nothing unsigned is learned; a platform keeps a bounded number; they go with the platform.

The same in a real Chromium: tests/browser/test_course_site_apart.py."""

from __future__ import annotations

import html
import re

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select

from item_bank.cli import main
from lti_tool.lti.learned_origins import MAX_ORIGINS_PER_PLATFORM
from lti_tool.lti.models import PlatformOrigin
from lti_tool.web import db
from tests.lti_platform import CLAIM, INSTRUCTOR, new_rsa_key, parse_form
from tests.lti_tool.helpers import FORM, make_app, platform_id

CLIENT = "client-1"
PRESENTATION = CLAIM + "launch_presentation"


@pytest.fixture
def course_site(platform) -> str:
    """The platform's course pages on a site of their own (another port of 127.0.0.1), as Canvas Cloud's."""
    return platform.serve_pages_apart()


def csp(response, directive: str = "frame-ancestors") -> list[str]:
    """The sources of one directive of a response's Content-Security-Policy."""
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        if name == directive:
            return sources
    raise AssertionError(f"no {directive} in {response.headers['Content-Security-Policy']}")


def learned(app) -> list[str]:
    with db.session_scope(app) as session:
        return sorted(session.scalars(select(PlatformOrigin.origin)))


def returning_to(site: str) -> dict:
    """Claims overrides: the launch says it came from a page of `site`."""
    return {PRESENTATION: {"document_target": "iframe", "return_url": f"{site}/courses/1/external_tools/retrieve"}}


def test_the_first_launch_is_framed_by_the_course_site_and_so_is_every_later_page(tool, platform, course_site,
                                                                                   browser):
    assert course_site != platform.url
    before = browser.get(tool.url + "/lti/jwks")
    assert course_site not in csp(before) and platform.url in csp(before)

    first = platform.launch(browser, CLIENT, custom={"form_id": FORM})
    assert first.status_code == 200 and "Question 1 of" in first.text, first.text[:300]
    assert course_site in csp(first) and course_site in csp(first, "form-action")
    assert learned(tool.app) == [course_site]

    question = re.search(r'"(/lti/delivery/attempts/\d+/items/1\?ls=[^"]+)"', first.text).group(1)
    again = browser.get(tool.url + html.unescape(question))
    assert again.status_code == 200 and course_site in csp(again)
    for page in ("/lti/jwks", "/", "/no-such-page"):
        assert course_site in csp(browser.get(tool.url + page)), page


def test_another_workers_launched_pages_are_framed_by_the_course_site_before_its_list_learns_it(
        tool, platform, course_site, browser, live_tool_factory):
    other = live_tool_factory(tool.app.config["DATABASE_URL"])  # a second worker on the same database
    assert course_site not in csp(browser.get(other.url + "/lti/jwks"))  # its list, read now, kept a minute

    landed = platform.launch(browser, CLIENT, roles=(INSTRUCTOR,))  # an instructor: redirected to the workspace
    assert landed.status_code == 303
    workspace = browser.get(other.url + landed.headers["Location"].removeprefix(tool.url))
    assert workspace.status_code == 200 and course_site in csp(workspace)
    assert course_site not in csp(browser.get(other.url + "/lti/jwks"))  # no launch: the list, still a minute old


def test_a_launch_refused_for_its_signature_teaches_nothing(tool, platform, browser):
    other_key, _ = new_rsa_key()
    platform.tamper = lambda claims, plat: plat.sign(claims, key=other_key)
    refused = platform.launch(browser, CLIENT, returning_to("https://forged.example"))
    assert refused.status_code == 401 and "Invalid launch token" in refused.text
    assert "https://forged.example" not in csp(refused)
    assert learned(tool.app) == []
    assert "https://forged.example" not in csp(browser.get(tool.url + "/lti/jwks"))


def test_a_genuine_launch_refused_for_another_reason_is_framed_by_its_site_but_teaches_nothing(tool, platform,
                                                                                               course_site, browser):
    refused = platform.launch(browser, CLIENT, target_link_uri="https://elsewhere.example/lti/launch")
    assert refused.status_code == 400 and "Launch aimed elsewhere" in refused.text
    assert course_site in csp(refused)  # the refusal can be read in the course page's frame
    assert learned(tool.app) == []
    assert course_site not in csp(browser.get(tool.url + "/lti/jwks"))


@pytest.mark.parametrize("return_url", [
    "http://school.example/courses/1",  # http off this machine
    "javascript:alert(1)",
    "https://school.example;script-src */x",  # would break out of the CSP source list
    "https://ünïcode.example/courses/1",
    "not a url",
])
def test_only_plain_https_course_sites_are_learned(tool, platform, browser, return_url):
    landed = platform.launch(browser, CLIENT, {PRESENTATION: {"return_url": return_url}}, custom={"form_id": FORM})
    assert landed.status_code == 200 and "Question 1 of" in landed.text
    assert learned(tool.app) == []
    assert csp(landed) == ["'self'", platform.url]


def test_a_platform_keeps_its_newest_course_sites_up_to_the_bound(tool, platform, browser):
    sites = [f"https://school-{n:02}.example" for n in range(MAX_ORIGINS_PER_PLATFORM + 5)]
    for n, site in enumerate(sites):
        landed = platform.launch(browser, CLIENT, returning_to(site), sub=f"learner-{n}", roles=(INSTRUCTOR,))
        assert landed.status_code == 303 and site in csp(landed)
    assert learned(tool.app) == sorted(sites[-MAX_ORIGINS_PER_PLATFORM:])
    now = csp(browser.get(tool.url + "/lti/jwks"))
    assert set(sites[-MAX_ORIGINS_PER_PLATFORM:]) <= set(now) and not set(sites[:5]) & set(now)


def test_removing_the_platform_removes_its_course_sites(tool, platform, course_site, browser, tmp_path):
    assert platform.launch(browser, CLIENT, roles=(INSTRUCTOR,)).status_code == 303
    assert learned(tool.app) == [course_site]
    env = {"DATABASE_URL": tool.app.config["DATABASE_URL"], "CPS_INSTANCE_PATH": tool.app.instance_path}
    removed = CliRunner().invoke(main, ["platform", "remove", str(platform_id(tool.app))], env=env)
    assert removed.exit_code == 0, removed.output
    assert learned(tool.app) == []
    fresh = make_app(tmp_path, tool.app.config["DATABASE_URL"])  # a worker reading the list now
    assert course_site not in csp(fresh.test_client().get("/lti/jwks"))


def cookieless(platform, browser, origin: str, overrides: dict | None = None, **claims):
    """A launch whose state cookie the browser blocked (a platform without storage), posted with this Origin."""
    action, fields = platform.launch_form(browser, CLIENT, overrides, **claims)
    browser.cookies.clear()
    return browser.post(action, data=fields, headers={"Origin": origin}, allow_redirects=False, timeout=10)


def test_a_cookieless_launch_posted_by_the_course_site_its_token_names_goes_on(tool, platform, course_site, browser):
    landed = cookieless(platform, browser, course_site, custom={"form_id": FORM})
    assert landed.status_code == 200 and "Question 1 of" in landed.text
    refused = cookieless(platform, browser, "https://other-school.example", custom={"form_id": FORM})
    assert refused.status_code == 401 and "Open the assessment in its own window" in refused.text
    assert course_site in csp(refused) and "https://other-school.example" not in csp(refused)


def test_a_cookieless_launch_without_a_return_url_goes_on_once_a_launch_taught_the_course_site(tool, platform,
                                                                                                course_site, browser):
    silent = {PRESENTATION: {"document_target": "iframe"}}  # no return_url in this token
    before = cookieless(platform, browser, course_site, silent)
    assert before.status_code == 401 and "Open the assessment in its own window" in before.text
    assert platform.launch(browser, CLIENT, roles=(INSTRUCTOR,)).status_code == 303  # it names the course site
    after = cookieless(platform, browser, course_site, silent)
    assert after.status_code == 303 and "ls=" in after.headers["Location"]


def test_the_platform_storage_pages_are_framed_by_the_course_site_and_teach_nothing(tool, platform, course_site,
                                                                                    browser):
    params = platform.login_params(CLIENT) | {"lti_storage_target": "_parent"}
    login = browser.post(tool.url + "/lti/login", data=params, headers={"Origin": course_site},
                         allow_redirects=False, timeout=10)
    assert login.status_code == 200 and "lti_storage.js" in login.text
    assert course_site in csp(login)  # the page that posted the login (nothing else on it to read or click)
    auth_url = html.unescape(re.search(r'data-next="([^"]*)"', login.text).group(1))
    action, fields = parse_form(browser.get(auth_url, timeout=10).text)
    browser.cookies.clear()
    storage_page = browser.post(action, data=fields, allow_redirects=False, timeout=10)
    assert storage_page.status_code == 200 and "lti_storage.js" in storage_page.text
    assert course_site in csp(storage_page)  # named by the token, whose signature checked out
    assert learned(tool.app) == []
    assert course_site not in csp(browser.get(tool.url + "/lti/jwks"))


def test_the_migration_adds_the_origins_table_and_the_launch_column_and_takes_them_away(tmp_path, database_url):
    from alembic import command

    app = make_app(tmp_path, database_url)
    engine = db.engine_of(app)
    assert {c["name"] for c in inspect(engine).get_columns("lti_platform_origins")} == {
        "id", "platform_id", "origin", "first_seen_at", "last_seen_at"}
    assert [u["column_names"] for u in inspect(engine).get_unique_constraints("lti_platform_origins")] == [
        ["platform_id", "origin"]]
    assert "frame_origins" in {c["name"] for c in inspect(engine).get_columns("lti_launch_sessions")}
    cfg = db.alembic_config(app.config["DATABASE_URL"])
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0008_practice")
    engine.dispose()
    assert not inspect(engine).has_table("lti_platform_origins")
    assert "frame_origins" not in {c["name"] for c in inspect(engine).get_columns("lti_launch_sessions")}
    db.upgrade(app)
    assert inspect(engine).has_table("lti_platform_origins")
