"""The values the tool's commands take from the command line, checked where they enter: URLs, the issuer, client
and deployment ids, the port `serve` listens on (in range and free). Each check returns None or a one-line error
naming the option, what is wrong and what to give instead; the commands print it and exit."""

from __future__ import annotations

import re
import socket
from urllib.parse import urlsplit

MAX_ID = 255
MAX_URL = 1024
_VISIBLE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces, as dynamic registration accepts


def url_problem(option: str, value: str) -> str | None:
    """An absolute http(s) address with a host, no spaces, credentials or fragment."""
    fix = "give the full address, e.g. https://lms.example.edu/path"
    if value != value.strip():
        return f"{option} {value!r} has spaces around it; {fix} without them"
    if not _VISIBLE.fullmatch(value) or len(value) > MAX_URL:
        return f"{option} {value!r} is not a URL (spaces or other characters a URL cannot hold); {fix}"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"{option} {value!r} is not a URL (bad host or port); {fix}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{option} {value!r} is not a URL (no http(s) scheme or no host); {fix}"
    if "@" in parts.netloc or parts.fragment:
        return f"{option} {value!r} must not carry a user name or a #fragment; {fix}"
    return None


def id_problem(option: str, value: str) -> str | None:
    """A client or deployment id: 1 to 255 visible characters, no spaces."""
    if not value.strip():
        return f"{option} is empty; give the id the LMS shows for the tool"
    if not _VISIBLE.fullmatch(value) or len(value) > MAX_ID:
        return (f"{option} {value!r} has spaces or characters an LTI id cannot hold (at most {MAX_ID} visible "
                "characters); copy the id from the LMS again")
    return None


def port_problem(host: str, port: int) -> str | None:
    """The port is in range and `host:port` can be bound now (nothing else listens there)."""
    if not 1 <= port <= 65535:
        return f"--port {port} is not a port; give a number from 1 to 65535 (default 8000)"
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn binds
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return (f"cannot listen on {host}:{port} ({reason}); stop what uses the port or choose another --port "
                "(and check --host)")
    return None
