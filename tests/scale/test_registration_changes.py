"""Registrations are cached in each tool process for the launch; a change made by the `cps-assess platform`
commands (another process) or by any commit to the rows must take effect on the very next launch in every process.

Two tool processes over one PostgreSQL and one Redis, their caches warmed with launches, then: a platform added,
set pending, approved and removed; after each step both processes answer a launch accordingly at once."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from tests.conftest import REPO, STARTER_BANK
from tests.lti_platform import Browser, LtiPlatform, parse_form
from tests.lti_tool.helpers import FORM, follow
from tests.scale.tool_process import on
from tests.services import REDIS_URL

CLI = os.path.join(os.path.dirname(sys.executable), "cps-assess")


def cli(tool_env: dict[str, str], tmp_path, *args: str) -> str:
    env = {**os.environ, **tool_env, "CPS_INSTANCE_PATH": str(tmp_path / "instance"), "CPS_BANK": str(STARTER_BANK)}
    done = subprocess.run([CLI, *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def login_status(base: str, platform: LtiPlatform, client_id: str) -> tuple[int, str]:
    """The tool's answer to a login for `client_id`, sent to the process at `base`."""
    params = platform.login_params(client_id, sub="learner-x", custom={"form_id": FORM})
    answer = Browser().post(base + "/lti/login", data=params, allow_redirects=False, timeout=10)
    return answer.status_code, answer.text


def launches(base: str, platform: LtiPlatform, client_id: str, sub: str) -> bool:
    """A whole launch through the process at `base` reaches the first question."""
    browser = Browser()
    params = platform.login_params(client_id, sub=sub, custom={"form_id": FORM})
    login = browser.post(base + "/lti/login", data=params, allow_redirects=False, timeout=10)
    if login.status_code != 302:
        return False
    action, fields = parse_form(browser.get(login.headers["Location"], allow_redirects=False, timeout=10).text)
    page = follow(browser, browser.post(on(base, action), data=fields, allow_redirects=False, timeout=10))
    return page.status_code == 200 and "Question 1 of" in page.text


def test_platform_changes_reach_every_process_at_the_next_launch(tool_processes, platform, postgres_url,
                                                                  redis_prefix, tmp_path):
    first = tool_processes(workers=1, port=tool_processes.public_port)
    second = tool_processes(workers=2)
    both = (first.url, second.url)
    env = {"DATABASE_URL": postgres_url, "REDIS_URL": REDIS_URL, "CPS_REDIS_PREFIX": redis_prefix,
           "CPS_PUBLIC_URL": tool_processes.public_url}
    platform.add_client("client-2", tool_processes.public_url, ("dep-2",))
    for round_ in range(3):  # warm every worker's cache: client-1 known, client-2 known to be missing
        for base in both:
            assert launches(base, platform, "client-1", f"warm-{round_}-{base[-5:]}")
            assert login_status(base, platform, "client-2")[0] == 403

    cli(env, tmp_path, "platform", "add", "--issuer", platform.issuer, "--client-id", "client-2",
        "--auth-login-url", f"{platform.url}/auth", "--token-url", f"{platform.url}/token",
        "--keyset-url", f"{platform.url}/jwks", "--deployment-id", "dep-2")
    for base in both * 2:
        assert launches(base, platform, "client-2", f"added-{base[-5:]}")

    set_pending(postgres_url, redis_prefix, tmp_path, platform.issuer, "client-2")  # any ORM commit announces
    for base in both * 2:
        status, page = login_status(base, platform, "client-2")
        assert status == 403 and "pending approval" in page

    platform_id = platform_row_id(postgres_url, tmp_path, platform.issuer, "client-2")
    cli(env, tmp_path, "platform", "approve", str(platform_id))
    for base in both * 2:
        assert launches(base, platform, "client-2", f"approved-{base[-5:]}")

    browser = Browser()  # a login accepted before the removal: its launch, after it, is refused
    params = platform.login_params("client-2", sub="late", custom={"form_id": FORM})
    login = browser.post(first.url + "/lti/login", data=params, allow_redirects=False, timeout=10)
    assert login.status_code == 302
    action, fields = parse_form(browser.get(login.headers["Location"], allow_redirects=False, timeout=10).text)
    cli(env, tmp_path, "platform", "remove", str(platform_id), "--delete-learner-data")
    late = browser.post(on(second.url, action), data=fields, allow_redirects=False, timeout=10)
    assert late.status_code == 403 and "Unknown platform" in late.text
    for base in both * 2:
        assert login_status(base, platform, "client-2")[0] == 403
        assert launches(base, platform, "client-1", f"still-{base[-5:]}")


def _app(postgres_url: str, redis_prefix: str, tmp_path):
    from lti_tool import create_app

    return create_app({"INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": postgres_url,
                       "SECRET_KEY": "scale-test", "GRADES_SENDER_INTERVAL_SECONDS": 0, "REDIS_URL": REDIS_URL,
                       "REDIS_PREFIX": redis_prefix, "BANK_PATH": str(STARTER_BANK)})


def set_pending(postgres_url: str, redis_prefix: str, tmp_path, issuer: str, client_id: str) -> None:
    from lti_tool.lti.models import Platform
    from lti_tool.web.db import engine_of, session_scope

    app = _app(postgres_url, redis_prefix, tmp_path)
    with session_scope(app) as session:
        row = session.execute(select(Platform).filter_by(issuer=issuer, client_id=client_id)).scalar_one()
        row.status = Platform.PENDING
    engine_of(app).dispose()


def platform_row_id(postgres_url: str, tmp_path, issuer: str, client_id: str) -> int:
    from lti_tool.lti.models import Platform
    from lti_tool.web.db import engine_of, session_scope

    app = _app(postgres_url, "unused:", tmp_path)
    with session_scope(app) as session:
        found = session.execute(select(Platform.id).filter_by(issuer=issuer, client_id=client_id)).scalar_one()
    engine_of(app).dispose()
    return found
