"""Security headers on every response: a Content-Security-Policy that allows only the tool's own scripts and styles
(inline blocks carry a per-response nonce) and lets only the registered platforms frame the tool, nosniff, a
Referrer-Policy that keeps launch tokens (`ls` in URLs) out of Referer headers, and HSTS when the public URL is https.

`frame-ancestors` and `form-action` list the origins the app's frame-origins source gives for the current response
(`FRAME_ORIGINS` in `app.extensions`, an object with `get(app)`: lti_tool.lti.platform_origins puts the registered
platforms and the origins learned from their launches there), CPS_FRAME_ANCESTORS, and the origins a view allowed for
its own response alone (`allow_framing_by`).
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g

HSTS = "max-age=31536000; includeSubDomains"
FRAME_ORIGINS = "frame_origins"
# scheme://host[:port] and nothing else: what may go into a CSP source list (no space, quote, semicolon or path).
ORIGIN = re.compile(r"https?://(?:\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)"
                    r"(?::[0-9]{1,5})?")


def csp_nonce() -> str:
    """The nonce of this response's inline <script> and <style> blocks."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(16)
    return nonce


def origin_of(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL, or None."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return f"{parts.scheme}://{parts.netloc.rsplit('@', 1)[-1].lower()}"


def allow_framing_by(*origins: str) -> None:
    """Let these origins frame this one response and receive its forms (a launch's signed page origins, which the
    cached lists may not hold yet). Anything that is not a plain lower-case origin is left out."""
    plain = tuple(origin for origin in origins if ORIGIN.fullmatch(origin or ""))
    g.response_frame_origins = (*g.get("response_frame_origins", ()), *plain)


def policy(app: Flask, nonce: str) -> str:
    """The Content-Security-Policy of one response."""
    extra = tuple(app.config.get("FRAME_ANCESTORS") or ())
    source = app.extensions.get(FRAME_ORIGINS)
    platforms = source.get(app) if source is not None else ()
    sources = " ".join(dict.fromkeys((*platforms, *extra, *g.get("response_frame_origins", ()))))
    return "; ".join((
        "default-src 'none'",
        f"script-src 'self' 'nonce-{nonce}'",
        f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "base-uri 'none'",
        f"form-action 'self' {sources}".rstrip(),
        f"frame-ancestors 'self' {sources}".rstrip(),
    ))


def _add_headers(response: Response) -> Response:
    app = current_app._get_current_object()
    response.headers["Content-Security-Policy"] = policy(app, csp_nonce())
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if (app.config.get("PUBLIC_URL") or "").startswith("https://"):
        response.headers["Strict-Transport-Security"] = HSTS
    return response


def init_app(app: Flask) -> None:
    """Headers on every response."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(_add_headers)
