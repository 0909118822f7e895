"""Fixtures for the real-browser tests: the tool on one site (http://localhost:PORT, a secure context for
Chromium), the test platform and its course pages on another (http://127.0.0.1:PORT), registered with each other.

Skipped with the reason when Chromium, Playwright or npm is missing; under CI=true they must run (skip_or_fail).
"""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser.axe import axe_script
from tests.browser.chromium import CHROMIUM
from tests.browser.course_pages import CoursePages, add_course_pages
from tests.conftest import skip_or_fail
from tests.lti_platform import LtiPlatform
from tests.lti_tool.helpers import LiveTool, make_app, register_by_hand, stop_app

CLIENT = "client-1"


@dataclass
class Site:
    tool: LiveTool
    platform: LtiPlatform
    course: CoursePages

    @property
    def tool_origin(self) -> str:
        return self.tool.url

    @property
    def course_origin(self) -> str:
        return self.platform.url


@pytest.fixture(scope="session", autouse=True)
def _browser_tools_present() -> None:
    if not CHROMIUM.is_file():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    if importlib.util.find_spec("playwright") is None:
        skip_or_fail("playwright is not installed in the venv (pip install -r requirements.lock)")
    axe_script()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'tool.sqlite3'}", GRADES_SENDER_INTERVAL_SECONDS=0.3)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    tool = LiveTool(app=app, url=f"http://localhost:{server.server_port}")
    platform = LtiPlatform("canvas")
    course = add_course_pages(platform, CLIENT)
    platform.start()
    register_by_hand(tool, platform, CLIENT)
    try:
        yield Site(tool, platform, course)
    finally:
        stop_app(app)
        server.shutdown()
        server.server_close()
        platform.stop()
