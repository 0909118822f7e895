"""LTI Dynamic Registration (/lti/register) for Moodle and Canvas, and Canvas's developer-key JSON.

The platform opens /lti/register with `openid_configuration` and `registration_token`. The tool fetches the
platform's configuration and posts its own, both with the token as a Bearer header; it checks the
configuration's issuer against the URL it came from, and stores the client id and deployment. A stranger does
not get a working registration: without a one-time link created by the tool's admin
(`cps-assess registration-link`) the registration stays pending until `cps-assess platform approve`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.http_client import http_session
from lti_tool.launch_context import refusal
from lti_tool.models import Deployment, Platform, RegistrationLink
from lti_tool.service_tokens import TOOL_SCOPES
from lti_tool.urls import tool_base_url, tool_url

bp = Blueprint("registration", __name__)
log = logging.getLogger(__name__)

TOOL_NAME = "CPS ethics assessments"
TOOL_DESCRIPTION = "Ethics assessments for Certified Peer Specialists, scored into the gradebook."
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"
PRIVACY_LEVEL = "name_only"
CANVAS_PLACEMENTS = ["assignment_selection", "link_selection"]
LINK_LIFETIME = timedelta(days=7)


class RegistrationFailed(Exception):
    def __init__(self, explanation: str, what_to_check: str) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.what_to_check = what_to_check


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def hash_link(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_registration_link(session: Session, now: datetime | None = None) -> str:
    """A new one-time registration token (only its hash is stored); valid for LINK_LIFETIME."""
    now = now or datetime.now(UTC)
    token = secrets.token_urlsafe(32)
    session.add(RegistrationLink(token_hash=hash_link(token), created_at=now, expires_at=now + LINK_LIFETIME))
    session.commit()
    return token


def link_is_usable(session: Session, token: str) -> bool:
    link = session.execute(select(RegistrationLink).where(RegistrationLink.token_hash == hash_link(token))
                           ).scalar_one_or_none()
    return link is not None and link.used_at is None and link.expires_at > datetime.now(UTC)


def consume_link(session: Session, token: str, platform_id: int) -> bool:
    """Mark a link used, atomically: only one registration can ever use it."""
    result = session.execute(
        update(RegistrationLink)
        .where(RegistrationLink.token_hash == hash_link(token), RegistrationLink.used_at.is_(None),
               RegistrationLink.expires_at > datetime.now(UTC))
        .values(used_at=datetime.now(UTC), platform_id=platform_id))
    return result.rowcount == 1


def allowed_url(url: str) -> bool:
    """Platform URLs must be https (plain http only for loopback hosts, which tests and local setups use)."""
    parts = urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost"))


def fetch_platform_configuration(url: str, token: str) -> dict[str, Any]:
    if not allowed_url(url):
        raise RegistrationFailed("The platform's configuration address must use https.",
                                 "Start the registration from the platform's admin pages.")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = http_session().get(url, headers=headers)
        response.raise_for_status()
        config = response.json()
    except Exception:
        raise RegistrationFailed("The platform's configuration could not be read.",
                                 "Start the registration again from the platform; it may have expired.") from None
    if not isinstance(config, dict):
        raise RegistrationFailed("The platform's configuration is not valid.", "Start the registration again.")
    issuer = config.get("issuer")
    if not isinstance(issuer, str) or origin(issuer) != origin(url):
        raise RegistrationFailed("The platform's issuer does not match the address its configuration came from.",
                                 "Start the registration from the platform itself, not from a copied link.")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        if not isinstance(config.get(name), str) or not allowed_url(config[name]):
            raise RegistrationFailed(f"The platform's configuration has no valid {name}.",
                                     "Check that the platform supports LTI 1.3 dynamic registration.")
    return config


def product_of(config: dict[str, Any]) -> str:
    return str((config.get(PLATFORM_CONFIG) or {}).get("product_family_code") or "").lower()


def tool_registration(config: dict[str, Any]) -> dict[str, Any]:
    """The tool's registration request, shaped for the platform's product (Canvas's extras only for Canvas)."""
    launch_url = tool_url("launch.launch")
    supported = set(config.get("scopes_supported") or TOOL_SCOPES)
    is_canvas = product_of(config) == "canvas"
    deep_link: dict[str, Any] = {"type": "LtiDeepLinkingRequest", "target_link_uri": launch_url,
                                 "label": "Add a CPS ethics assessment"}
    if is_canvas:
        deep_link["placements"] = list(CANVAS_PLACEMENTS)
    tool_config: dict[str, Any] = {
        "domain": urlsplit(launch_url).netloc,
        "description": TOOL_DESCRIPTION,
        "target_link_uri": launch_url,
        "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
        "messages": [deep_link, {"type": "LtiResourceLinkRequest", "target_link_uri": launch_url,
                                 "label": TOOL_NAME}],
    }
    if is_canvas:
        tool_config[CANVAS_PRIVACY] = PRIVACY_LEVEL
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": tool_url("launch.login"),
        "redirect_uris": [launch_url],
        "client_name": TOOL_NAME,
        "jwks_uri": tool_url("keys.lti_jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(s for s in TOOL_SCOPES if s in supported),
        TOOL_CONFIG: tool_config,
    }


def post_registration(config: dict[str, Any], token: str) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = http_session().post(config["registration_endpoint"], json=tool_registration(config),
                                       headers=headers)
    except Exception:
        raise RegistrationFailed("The platform did not answer the registration.",
                                 "Try again; check that the platform can be reached.") from None
    if not response.ok:
        reason = ""
        try:
            reason = str(response.json().get("error_description") or "")[:300]
        except Exception:
            reason = ""
        raise RegistrationFailed(f"The platform refused the registration ({response.status_code}). {reason}".strip(),
                                 "Start the registration again from the platform.")
    answer = response.json()
    if not isinstance(answer, dict) or not answer.get("client_id"):
        raise RegistrationFailed("The platform's answer has no client id.", "Start the registration again.")
    return answer


def store_registration(session: Session, config: dict[str, Any], answer: dict[str, Any], *, active: bool) -> Platform:
    client_id = str(answer["client_id"])
    platform = session.execute(select(Platform).where(Platform.issuer == config["issuer"],
                                                      Platform.client_id == client_id)).scalar_one_or_none()
    if platform is None:
        platform = Platform(issuer=config["issuer"], client_id=client_id, status=Platform.PENDING)
        session.add(platform)
    platform.name = str((config.get(PLATFORM_CONFIG) or {}).get("product_family_code") or config["issuer"])[:255]
    platform.product = product_of(config)[:64]
    platform.auth_login_url = config["authorization_endpoint"]
    platform.auth_token_url = config["token_endpoint"]
    platform.auth_audience = config.get("authorization_server") or None
    platform.key_set_url = config["jwks_uri"]
    if active:
        platform.status = Platform.ACTIVE
    session.flush()
    deployment_id = (answer.get(TOOL_CONFIG) or {}).get("deployment_id")
    if deployment_id and not any(d.deployment_id == str(deployment_id) for d in platform.deployments):
        platform.deployments.append(Deployment(deployment_id=str(deployment_id)))
    session.flush()
    return platform


@bp.get("/lti/register")
def start():
    """The page the platform opens: explains what will happen and asks the admin to confirm."""
    config_url = request.args.get("openid_configuration", "")
    token = request.args.get("registration_token", "")
    link = request.args.get("link", "")
    if not config_url:
        return refusal(400, "Start the registration from your LMS",
                       "This address is the tool's dynamic registration URL; it is opened by the LMS.",
                       "In Moodle or Canvas, add an LTI 1.3 tool by URL and paste this address.")
    session = get_session()
    if link and not link_is_usable(session, link):
        return refusal(403, "Registration link already used or expired",
                       "Each registration link works once, for a limited time.",
                       "Ask the tool's administrator for a new link (cps-assess registration-link).")
    if not link and not current_app.config["OPEN_REGISTRATION"]:
        return refusal(403, "A registration link is needed",
                       "This tool only accepts registrations from links its administrator created.",
                       "Ask the tool's administrator for a link (cps-assess registration-link).")
    return render_template("registration/confirm.html", config_url=config_url, token=token, link=link,
                           tool_name=TOOL_NAME, tool_base=tool_base_url())


@bp.post("/lti/register")
def register():
    """Fetch the platform's configuration, register the tool there and remember the registration."""
    config_url = request.form.get("openid_configuration", "")
    token = request.form.get("registration_token", "")
    link = request.form.get("link", "")
    session = get_session()
    if not link and not current_app.config["OPEN_REGISTRATION"]:
        return refusal(403, "A registration link is needed",
                       "This tool only accepts registrations from links its administrator created.",
                       "Ask the tool's administrator for a link (cps-assess registration-link).")
    if link and not link_is_usable(session, link):
        return refusal(403, "Registration link already used or expired",
                       "Each registration link works once, for a limited time.",
                       "Ask the tool's administrator for a new link (cps-assess registration-link).")
    try:
        config = fetch_platform_configuration(config_url, token)
        answer = post_registration(config, token)
    except RegistrationFailed as failed:
        log.info("dynamic registration failed: %s", failed.explanation)
        return refusal(400, "The registration did not complete", failed.explanation, failed.what_to_check)
    platform = store_registration(session, config, answer, active=False)
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
    launch_url = tool_url("launch.launch")
    placements = [{"placement": name, "message_type": "LtiDeepLinkingRequest", "target_link_uri": launch_url,
                   "text": "CPS ethics assessment"} for name in CANVAS_PLACEMENTS]
    return jsonify({
        "title": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "oidc_initiation_url": tool_url("launch.login"),
        "target_link_uri": launch_url,
        "public_jwk_url": tool_url("keys.lti_jwks"),
        "scopes": list(TOOL_SCOPES),
        "extensions": [{
            "platform": "canvas.instructure.com",
            "domain": urlsplit(launch_url).netloc,
            "tool_id": "cps-assess",
            "privacy_level": PRIVACY_LEVEL,
            "settings": {"placements": placements},
        }],
        "custom_fields": {},
    })
