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
