"""The dynamic-registration pages (/lti/register, blueprint `registration`) and Canvas's developer-key JSON.

The platform opens /lti/register with `openid_configuration` and `registration_token`; the page explains what will
happen, and its confirmation runs the registration (lti_tool.lti.registration). Opened in a browser tab without
those parameters, it explains what to paste where in Moodle and Canvas (a 200 page, not an error).
Registrations need a one-time link created by the tool's admin (`cps-assess registration-link`) unless
CPS_OPEN_REGISTRATION is on; attempts are rate-limited per client address across workers. Every refusal is a 4xx
page that says what to check.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy.orm import Session

from lti_tool.lti.models import Platform
from lti_tool.lti.registration import (
    MAX_CONFIG_URL,
    MAX_REGISTRATION_TOKEN,
    TOOL_NAME,
    AlreadyRegistered,
    canvas_developer_key,
    check_platform_keys,
    consume_link,
    fetch_platform_configuration,
    link_is_usable,
    post_registration,
    registration_client,
    store_registration,
)
from lti_tool.lti.registration_checks import RegistrationFailed
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal
from lti_tool.web.rate_limit import Limit, retry_after
from lti_tool.web.shared_store import store
from lti_tool.web.urls import tool_base_url, tool_url

bp = Blueprint("registration", __name__)
log = logging.getLogger(__name__)


def rate_limited() -> tuple | None:
    """A 429 page when this client address has used up its registration attempts (counted across workers)."""
    config = current_app.config
    limit = Limit(config["REGISTRATION_ATTEMPTS"], config["REGISTRATION_WINDOW_SECONDS"])
    wait = retry_after(store(), "register", request.remote_addr or "unknown", limit)
    if wait is None:
        return None
    log.warning("dynamic registration rate-limited for one client address")
    minutes = -(-wait // 60)
    page, status = refusal(429, "Too many registration attempts",
                           f"This address has made {limit.attempts} registration attempts recently.",
                           f"Wait {minutes} minute{'' if minutes == 1 else 's'}, then start the registration again "
                           "from the LMS.")
    return page, status, {"Retry-After": str(wait)}


def request_refusal(session: Session, config_url: str, token: str, link: str) -> tuple | None:
    """The refusal page for a registration request that cannot go ahead (GET and POST alike), or None."""
    if not config_url:
        return refusal(400, "Start the registration from your LMS",
                       "This address is the tool's dynamic registration URL; it is opened by the LMS.",
                       "In Moodle or Canvas, add an LTI 1.3 tool by URL and paste this address.")
    if len(config_url) > MAX_CONFIG_URL or len(token) > MAX_REGISTRATION_TOKEN:
        return refusal(400, "The registration request is too long",
                       "The configuration address or the registration token is longer than an LMS sends.",
                       "Start the registration again from the LMS's admin pages.")
    if link and not link_is_usable(session, link):
        return refusal(403, "Registration link already used or expired",
                       "Each registration link works once, for a limited time.",
                       "Ask the tool's administrator for a new link (cps-assess registration-link).")
    if not link and not current_app.config["OPEN_REGISTRATION"]:
        return refusal(403, "A registration link is needed",
                       "This tool only accepts registrations from links its administrator created.",
                       "Ask the tool's administrator for a link (cps-assess registration-link).")
    return None


def help_page(link: str) -> str:
    """The page a person sees when opening the registration address (or a one-time link) in a browser tab."""
    base = tool_base_url()
    return render_template("registration/help.html", tool_name=TOOL_NAME, tool_base=base, link=link,
                           link_usable=bool(link) and link_is_usable(get_session(), link),
                           https=base.startswith("https://"), open_registration=current_app.config["OPEN_REGISTRATION"],
                           register_url=tool_url("registration.start"),
                           canvas_json_url=tool_url("registration.canvas_json"))


@bp.get("/lti/register")
def start():
    """The page the platform opens: explains what will happen and asks the admin to confirm."""
    config_url = request.args.get("openid_configuration", "")
    token = request.args.get("registration_token", "")
    link = request.args.get("link", "")
    if not config_url and not token:
        return help_page(link)
    refused = request_refusal(get_session(), config_url, token, link)
    if refused is not None:
        return refused
    return render_template("registration/confirm.html", config_url=config_url, token=token, link=link,
                           tool_name=TOOL_NAME, tool_base=tool_base_url())


@bp.post("/lti/register")
def register():
    """Fetch the platform's configuration, register the tool there and remember the registration."""
    limited = rate_limited()
    if limited is not None:
        return limited
    config_url = request.form.get("openid_configuration", "")
    token = request.form.get("registration_token", "")
    link = request.form.get("link", "")
    session = get_session()
    refused = request_refusal(session, config_url, token, link)
    if refused is not None:
        return refused
    client = registration_client()
    try:
        config = fetch_platform_configuration(client, config_url, token)
        check_platform_keys(client, config)
        answer = post_registration(client, config, token)
        platform = store_registration(session, config, answer, active=False)
    except RegistrationFailed as failed:
        log.info("dynamic registration failed: %s", failed.explanation)
        return refusal(400, "The registration did not complete", failed.explanation, failed.what_to_check)
    except AlreadyRegistered as known:
        log.warning("dynamic registration refused: issuer %r and the client id it sent are already registered",
                    str(known))
        return refusal(409, "This registration is already known",
                       "The LMS answered with the issuer and client id of a registration the tool already has. "
                       "Nothing was changed.",
                       "If the LMS's settings changed, the tool's administrator removes the old registration "
                       "(cps-assess platform list, then platform remove ID) and the LMS registers again.")
    approved = bool(link) and consume_link(session, link, platform.id)
    if approved:
        platform.status = Platform.ACTIVE
    session.commit()
    log.info("dynamic registration stored: platform %s (%s), status %s", platform.id, platform.product,
             platform.status)
    return render_template("registration/done.html", platform=platform, tool_name=TOOL_NAME,
                           is_moodle=platform.product == "moodle")


@bp.get("/lti/config/canvas.json")
def canvas_json():
    """The developer-key JSON configuration for Canvas's "Paste JSON" / "Enter URL" key setup."""
    return jsonify(canvas_developer_key())
