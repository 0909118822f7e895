"""Debian's Chromium under Playwright, with a cookie policy written into a fresh profile.

`ALLOW_THIRD_PARTY` is Chrome's classic default (third-party cookies allowed). `BLOCK_THIRD_PARTY` blocks
third-party cookies (profile.cookie_controls_mode = 1) and, for the tool's site embedded in the course's site,
every cookie, partitioned ones included, as Safari and Firefox's strict mode do: the tool must then launch
through the platform's storage or, on a platform without it, on the word of the platform's own page (Origin).
The profile's Preferences file is the reliable switch: the command-line flags for third-party cookies change from
release to release.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import skip_or_fail

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
ALLOW_THIRD_PARTY = "allow third-party cookies"
BLOCK_THIRD_PARTY = "block third-party cookies"


def preferences(policy: str, tool_origin: str, course_origin: str) -> dict:
    if policy == ALLOW_THIRD_PARTY:
        return {"profile": {"cookie_controls_mode": 0, "block_third_party_cookies": False}}
    embedded = f"{tool_origin},{course_origin}"  # the tool's cookies while it is embedded in the course's page
    return {"profile": {"cookie_controls_mode": 1, "block_third_party_cookies": True,
                        "content_settings": {"exceptions": {"cookies": {embedded: {"setting": 2}}}}}}


@contextmanager
def chromium(policy: str, tool_origin: str, course_origin: str, **context_options) -> Iterator:
    """A Playwright browser context on a fresh profile with `policy`; skips (fails under CI) without Chromium."""
    if not CHROMIUM.is_file():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed in the venv (pip install -r requirements.lock)")
    with tempfile.TemporaryDirectory(prefix="cps-chromium-") as profile:
        (Path(profile) / "Default").mkdir()
        (Path(profile) / "Default" / "Preferences").write_text(
            json.dumps(preferences(policy, tool_origin, course_origin)), encoding="utf-8")
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                profile, executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, **context_options)
            try:
                yield context
            finally:
                context.close()
