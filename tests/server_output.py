"""What the tests that start `cps-assess serve` (directly or through `make run`) share: a free port, and the lines
the server prints up to the last URL of its start-up banner."""

from __future__ import annotations

import socket
import subprocess
import time

LAST_BANNER_LABEL = "Canvas developer key JSON"


def free_port() -> int:
    """A port nothing listens on now (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def banner_lines(process: subprocess.Popen, seconds: float = 60) -> list[str]:
    """The lines the server printed until its banner's last URL, end of output or `seconds`, whichever is first."""
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not any(LAST_BANNER_LABEL in line for line in lines):
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
    return lines
