"""/lti/register opened in a browser tab, without the LMS's registration parameters: a 200 page that says what to
paste where in Moodle and Canvas, never an error page and never a registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lti_tool.lti.registration import create_registration_link
from lti_tool.web import db
from tests.lti_tool.helpers import make_app


def new_link(app, now=None) -> str:
    with db.session_scope(app) as session:
        return create_registration_link(session, now)


def test_the_bare_registration_address_explains_what_to_paste_where(client):
    page = client.get("/lti/register")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "cps-assess registration-link" in text
    assert "Moodle" in text and "Manage tools" in text and "Add LTI Advantage" in text
    assert "Canvas" in text and "LTI Registration" in text and "/lti/config/canvas.json" in text


def test_the_help_names_the_public_base_url_and_warns_when_it_is_not_https(client, tmp_path, sqlite_url):
    text = client.get("/lti/register", base_url="http://127.0.0.1:8000").get_data(as_text=True)
    assert "registration-link --base-url http://127.0.0.1:8000" in text and "is not https" in text
    public = make_app(tmp_path, sqlite_url, PUBLIC_URL="https://assess.example.org").test_client()
    text = public.get("/lti/register").get_data(as_text=True)
    assert "registration-link --base-url https://assess.example.org" in text and "is not https" not in text


def test_a_one_time_link_opened_in_a_browser_says_to_paste_it_into_the_lms_and_stays_unused(app, client):
    link = new_link(app)
    page = client.get("/lti/register", query_string={"link": link})
    assert page.status_code == 200 and "one-time registration link" in page.get_data(as_text=True)
    again = client.get("/lti/register", query_string={"link": link}).get_data(as_text=True)
    assert "already been used" not in again


def test_an_expired_link_opened_in_a_browser_says_to_ask_for_a_new_one(app, client):
    link = new_link(app, datetime.now(UTC) - timedelta(days=30))
    text = client.get("/lti/register", query_string={"link": link}).get_data(as_text=True)
    assert "already been used or has expired" in text and "cps-assess registration-link" in text
