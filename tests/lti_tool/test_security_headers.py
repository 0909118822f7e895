"""Every response carries the security headers: a CSP with only the tool's own scripts and styles (inline blocks by
nonce) and the registered platforms as frame ancestors, nosniff, a Referrer-Policy that keeps launch tokens out of
Referer, and HSTS when the tool's public URL is https."""

from __future__ import annotations

import re

import pytest

from tests.lti_tool.helpers import make_app
from tests.lti_tool.launch_rows import ISSUER, launch_row, platform_row


@pytest.fixture
def app_config() -> dict:
    """`app` (conftest) with one extra frame ancestor."""
    return {"FRAME_ANCESTORS": ("https://lms.extra.example",)}


def directives(response) -> dict[str, str]:
    csp = response.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part for part in (p.strip() for p in csp.split(";"))}


def pages(app) -> dict[str, object]:
    """One of each kind of page: learner, instructor, picker, error, registration, home, JSON, static."""
    client = app.test_client()
    learner, _ = launch_row(app, sub="amara", custom={"form_id": "starter-quiz"})
    teacher, _ = launch_row(app, sub="teacher", instructor=True, custom={"form_id": "starter-quiz"})
    picker, _ = launch_row(app, sub="teacher", instructor=True, message_type="LtiDeepLinkingRequest",
                           deep_linking={"deep_link_return_url": "https://lms.example.edu/dl", "data": "x",
                                         "accept_types": ["ltiResourceLink"],
                                         "accept_presentation_document_targets": ["iframe"]})
    return {
        "learner question": client.get("/lti/delivery/start", query_string={"ls": learner}, follow_redirects=True),
        "instructor home": client.get("/lti/instructor/", query_string={"ls": teacher}),
        "instructor statistics": client.get("/lti/instructor/statistics", query_string={"ls": teacher}),
        "picker": client.get("/lti/deep-link/pick", query_string={"ls": picker}),
        "error": client.get("/lti/delivery/start"),
        "registration": client.get("/lti/register"),
        "home": client.get("/"),
        "jwks": client.get("/lti/jwks"),
        "not found": client.get("/no-such-page"),
    }


def test_every_response_carries_the_headers(app):
    platform_row(app)
    expected = {"learner question": 200, "instructor home": 200, "instructor statistics": 200, "picker": 200,
                "error": 401, "jwks": 200, "not found": 404, "registration": 200, "home": 200}
    for name, response in pages(app).items():
        assert response.status_code == expected.get(name, response.status_code) and response.status_code < 500, name
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] in ("no-referrer", "same-origin"), name
        assert "Strict-Transport-Security" not in headers, name
        d = directives(response)
        assert d["default-src"] == "default-src 'none'", name
        assert re.fullmatch(r"script-src 'self' 'nonce-[\w-]+'", d["script-src"]), name
        assert d["frame-ancestors"] == f"frame-ancestors 'self' {ISSUER} https://lms.extra.example", name


def test_inline_blocks_carry_the_responses_nonce_and_nothing_inline_is_left(app):
    for name, response in pages(app).items():
        if not response.content_type.startswith("text/html"):
            continue
        html = response.get_data(as_text=True)
        nonce = re.search(r"'nonce-([\w-]+)'", response.headers["Content-Security-Policy"]).group(1)
        for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
            assert f'nonce="{nonce}"' in tag, (name, tag)
        assert not re.search(r"\sstyle=|\son[a-z]+=", html), name


def test_a_new_registration_may_frame_the_tool_at_once(app):
    client = app.test_client()
    before = directives(client.get("/lti/jwks"))["frame-ancestors"]
    assert "https://new-lms.example" not in before
    platform_row(app, issuer="https://new-lms.example", client_id="c-2")
    assert "https://new-lms.example" in directives(client.get("/lti/jwks"))["frame-ancestors"]


def test_hsts_when_the_public_url_is_https(tmp_path, sqlite_url):
    app = make_app(tmp_path, sqlite_url, PUBLIC_URL="https://tool.example.org")
    response = app.test_client().get("/lti/jwks")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
