"""`cps-assess serve` on a fresh instance folder: starts on SQLite, prints the URLs, keeps its secrets private."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.conftest import REPO
from tests.server_output import banner_lines, free_port

CLI = Path(sys.executable).parent / "cps-assess"
EXPECTED_LABELS = ("Login (OIDC initiation) URL", "Launch / redirect URL", "Public keyset (JWKS) URL",
                   "Dynamic registration URL", "Canvas developer key JSON")



def test_serve_starts_on_sqlite_and_prints_the_registration_urls(tmp_path):
    port = free_port()
    instance = tmp_path / "instance"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CPS_PUBLIC_URL")}
    env.update({"CPS_INSTANCE_PATH": str(instance), "CPS_BANK": str(REPO / "tests" / "fixtures" / "bank")})
    process = subprocess.Popen([str(CLI), "serve", "--port", str(port)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, env=env, cwd=tmp_path)
    try:
        lines = banner_lines(process)
        output = "".join(lines)
        assert process.poll() is None, output
        for label in EXPECTED_LABELS:
            assert label in output
        base = f"http://127.0.0.1:{port}"
        assert f"{base}/lti/login" in output and f"{base}/lti/register" in output
        assert f"{base}/lti/config/canvas.json" in output
        keys = _get_when_up(f"{base}/lti/jwks")
        assert len(keys.json()["keys"]) == 2
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    for name in ("secret_key", "cps-assess.sqlite3"):
        assert stat.S_IMODE((instance / name).stat().st_mode) == 0o600, name


def _get_when_up(url: str) -> requests.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
