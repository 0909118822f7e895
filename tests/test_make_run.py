"""`make run` says, next to the http://127.0.0.1 URLs it prints, that an LMS needs the tool's public https URL
(CPS_PUBLIC_URL behind a TLS proxy), and stops saying it once CPS_PUBLIC_URL is set. The real Makefile target runs
the real `cps-assess serve` (set-up step skipped: this venv is the one under test)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, STARTER_BANK, skip_or_fail
from tests.server_output import banner_lines, free_port

HINT = "an LMS needs the tool's public https URL: put a TLS proxy in front and set CPS_PUBLIC_URL"


@pytest.fixture
def make_run(tmp_path):
    if shutil.which("make") is None:
        skip_or_fail("make is not installed")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CPS_PUBLIC_URL")}
    env.update({"CPS_INSTANCE_PATH": str(tmp_path / "instance"), "CPS_BANK": str(STARTER_BANK)})

    def start(port: int, **extra: str) -> subprocess.Popen:
        command = ["make", "-s", "-o", ".venv/.installed", "run", f"BIN={Path(sys.executable).parent}",
                   f"SERVE_ARGS=--port {port}"]
        return subprocess.Popen(command, cwd=REPO, env={**env, **extra}, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)
    return start



def stop(process: subprocess.Popen) -> None:
    """End make and the server it started (their own process group, made for this test)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_make_run_prints_the_https_hint_before_the_local_urls(make_run):
    port = free_port()
    process = make_run(port)
    try:
        lines = banner_lines(process)
        assert process.poll() is None, "".join(lines)
    finally:
        stop(process)
    hint = next(i for i, line in enumerate(lines) if HINT in line)
    first_url = next(i for i, line in enumerate(lines) if f"http://127.0.0.1:{port}/lti/login" in line)
    assert hint < first_url, "".join(lines)


def test_make_run_leaves_the_hint_out_when_the_public_url_is_set(make_run):
    with socket.socket() as busy:  # serve refuses a busy port at once: no server to stop
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        process = make_run(busy.getsockname()[1], CPS_PUBLIC_URL="https://assess.example.org")
        output, _ = process.communicate(timeout=60)
    assert process.returncode != 0 and "cannot listen on 127.0.0.1" in output
    assert HINT not in output
