"""The tool's own absolute URLs, from CPS_PUBLIC_URL when set, else from the request (behind ProxyFix)."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def tool_base_url() -> str:
    """https://host[:port][/prefix] without a trailing slash."""
    return current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/") + request.script_root


def tool_url(endpoint: str, **values: Any) -> str:
    """An absolute URL of one of the tool's endpoints, on its public base URL."""
    path = url_for(endpoint, **values)[len(request.script_root):]
    return tool_base_url() + path


# What an LMS admin pastes where, by endpoint (the endpoints belong to the lti room's blueprints).
REGISTRATION_URLS = (
    ("Login (OIDC initiation) URL", "launch.login"),
    ("Launch / redirect URL", "launch.launch"),
    ("Public keyset (JWKS) URL", "keys.lti_jwks"),
    ("Dynamic registration URL", "registration.start"),
    ("Canvas developer key JSON", "registration.canvas_json"),
)


def registration_urls() -> dict[str, str]:
    """The URLs an LMS needs, on the tool's public base URL (the home page and `serve` print the same list)."""
    return {label: tool_url(endpoint) for label, endpoint in REGISTRATION_URLS}
