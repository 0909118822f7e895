"""The home page at `/`, as the admin who opens the tool's address sees it: what the tool is, its health, the URLs
to give an LMS on the public base URL in use, and a warning when that URL is not https."""

from __future__ import annotations

import pytest

from lti_tool.web import health
from tests.lti_tool.helpers import make_app

PUBLIC = "https://assess.example.org"
NOT_HTTPS = "this address is not https"


@pytest.fixture
def public_app(tmp_path, sqlite_url):
    return make_app(tmp_path, sqlite_url, PUBLIC_URL=PUBLIC)


def test_the_home_page_says_what_the_tool_is_and_that_it_can_serve(public_app):
    page = public_app.test_client().get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    assert "LTI 1.3 tool" in text and "Moodle or Canvas" in text
    assert "The tool is ready to serve." in text
    assert "<th scope=\"row\">Database</th><td>ok</td>" in text
    assert page.headers["Cache-Control"] == "no-store"


def test_the_home_page_lists_the_registration_urls_on_the_public_base_url(public_app):
    text = public_app.test_client().get("/", base_url="http://10.0.0.5:8000").get_data(as_text=True)
    assert f"Public base URL in use: <code>{PUBLIC}</code>" in text and "from CPS_PUBLIC_URL" in text
    for path in ("/lti/register", "/lti/login", "/lti/launch", "/lti/jwks", "/lti/config/canvas.json"):
        assert f"<code>{PUBLIC}{path}</code>" in text, path
    assert "10.0.0.5" not in text
    assert NOT_HTTPS not in text
    assert "cps-assess registration-link" in text


def test_without_a_public_url_the_home_page_uses_the_requests_address_and_warns_it_is_not_https(client):
    text = client.get("/", base_url="http://127.0.0.1:8000").get_data(as_text=True)
    assert "Public base URL in use: <code>http://127.0.0.1:8000</code>" in text
    assert "CPS_PUBLIC_URL is not" in text
    assert "<code>http://127.0.0.1:8000/lti/login</code>" in text
    assert NOT_HTTPS in text and "set CPS_PUBLIC_URL" in text


def test_a_request_over_https_without_a_public_url_gets_no_warning(client):
    text = client.get("/", base_url="https://assess.example.org").get_data(as_text=True)
    assert NOT_HTTPS not in text


def test_the_home_page_says_when_the_database_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(health, "_database_ok", lambda: "unreachable (OperationalError)")
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The tool cannot serve right now" in text and "unreachable (OperationalError)" in text
    assert "ready to serve" not in text
