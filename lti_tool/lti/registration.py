"""LTI Dynamic Registration for Moodle and Canvas, and Canvas's developer-key JSON (the pages that run them:
registration_views).

The tool fetches the platform's configuration and posts its own, both with the registration token as a Bearer
header, through `guarded_http` (public addresses only, bounded answers); `registration_checks` checks every field it
keeps (the issuer against the URL the configuration came from). Registrations need a one-time link created by the
tool's admin (`cps-assess registration-link`); with CPS_OPEN_REGISTRATION on, strangers may register too, but stay
pending until `cps-assess platform approve`. A registration only ever adds a registration: one whose issuer and
client id the tool already knows is refused and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.lti.models import Deployment, Platform, RegistrationLink
from lti_tool.lti.registration_checks import (
    ENDPOINTS,
    TOOL_CONFIG,
    PlatformConfiguration,
    RegistrationAnswer,
    RegistrationFailed,
    platform_configuration,
    registration_answer,
)
from lti_tool.lti.service_tokens import TOOL_SCOPES
from lti_tool.web.guarded_http import FetchRefused, GuardedClient
from lti_tool.web.urls import tool_url

log = logging.getLogger(__name__)

TOOL_NAME = "CPS ethics assessments"
TOOL_DESCRIPTION = "Ethics assessments for Certified Peer Specialists, scored into the gradebook."
CANVAS_PRIVACY = "https://canvas.instructure.com/lti/privacy_level"
PRIVACY_LEVEL = "name_only"
CANVAS_PLACEMENTS = ["assignment_selection", "link_selection"]
LINK_LIFETIME = timedelta(days=7)
MAX_CONFIG_URL = 2048
MAX_REGISTRATION_TOKEN = 8192


class AlreadyRegistered(Exception):
    """The platform answered with the issuer and client id of a registration the tool already has."""


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


def registration_client() -> GuardedClient:
    """The client for every call a registration makes: checked addresses, bounded time and size."""
    config = current_app.config
    return GuardedClient(config["REGISTRATION_ALLOWED_NETWORKS"], float(config["HTTP_TIMEOUT_SECONDS"]))


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def fetch_platform_configuration(client: GuardedClient, url: str, token: str) -> PlatformConfiguration:
    """The platform's configuration, checked; every URL the tool will call later checked too."""
    try:
        answer = client.get(url, headers=_bearer(token))
    except FetchRefused as refused:
        raise RegistrationFailed(f"The platform's configuration could not be fetched: {refused}.",
                                 "Start the registration from the LMS's own admin pages; the LMS must be "
                                 "reachable at a public https address.") from None
    if not answer.ok:
        raise RegistrationFailed(f"The platform's configuration could not be read (HTTP {answer.status}).",
                                 "Start the registration again from the platform; it may have expired.")
    try:
        raw = answer.json()
    except FetchRefused:
        raise RegistrationFailed("The platform's configuration is not JSON.",
                                 "Check that the LMS supports LTI 1.3 dynamic registration.") from None
    config = platform_configuration(raw, url)
    for name in ENDPOINTS:
        try:
            client.check(getattr(config, name))
        except FetchRefused as refused:
            raise RegistrationFailed(f"The platform's {name} was refused: {refused}.",
                                     "The LMS's addresses must be public https addresses.") from None
    return config


def check_platform_keys(client: GuardedClient, config: PlatformConfiguration) -> None:
    """The platform's key set must answer with keys: launches are verified against it."""
    try:
        answer = client.get(config.jwks_uri)
        keys = answer.json().get("keys") if answer.ok else None
    except (FetchRefused, AttributeError):
        keys = None
    if not isinstance(keys, list) or not keys or not all(isinstance(k, dict) for k in keys):
        raise RegistrationFailed("The platform's key set (jwks_uri) did not answer with keys.",
                                 "Check that the LMS's key set address works, then start the registration again.")


def tool_registration(config: PlatformConfiguration) -> dict[str, Any]:
    """The tool's registration request, shaped for the platform's product (Canvas's extras only for Canvas)."""
    launch_url = tool_url("launch.launch")
    supported = set(config.scopes_supported or TOOL_SCOPES)
    is_canvas = config.product == "canvas"
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


def post_registration(client: GuardedClient, config: PlatformConfiguration, token: str) -> RegistrationAnswer:
    """Register the tool at the platform; its answer checked. Of a refusal only the HTTP status is shown and logged:
    the platform's error text could say anything."""
    try:
        answer = client.post_json(config.registration_endpoint, tool_registration(config), headers=_bearer(token))
    except FetchRefused as refused:
        raise RegistrationFailed(f"The platform did not answer the registration: {refused}.",
                                 "Try again; check that the platform can be reached.") from None
    if not answer.ok:
        log.info("dynamic registration refused by the platform: HTTP %s", answer.status)
        raise RegistrationFailed(f"The platform refused the registration (HTTP {answer.status}).",
                                 "The LMS's own logs say why; start the registration again from the platform.")
    try:
        raw = answer.json()
    except FetchRefused:
        raise RegistrationFailed("The platform's answer to the registration is not JSON.",
                                 "Start the registration again; nothing was stored.") from None
    return registration_answer(raw)


def store_registration(session: Session, config: PlatformConfiguration, answer: RegistrationAnswer, *,
                       active: bool) -> Platform:
    """A new registration row (and its deployment); AlreadyRegistered when the issuer and client id are known.
    An existing registration, active or pending, is never changed by what a platform sends."""
    known = session.execute(select(Platform.id).where(Platform.issuer == config.issuer,
                                                      Platform.client_id == answer.client_id)).first()
    if known is not None:
        raise AlreadyRegistered(config.issuer)
    platform = Platform(issuer=config.issuer, client_id=answer.client_id, status=Platform.PENDING,
                        name=(config.product or config.issuer)[:255], product=config.product,
                        auth_login_url=config.authorization_endpoint, auth_token_url=config.token_endpoint,
                        auth_audience=config.authorization_server, key_set_url=config.jwks_uri)
    if answer.deployment_id is not None:
        platform.deployments.append(Deployment(deployment_id=answer.deployment_id))
    if active:
        platform.status = Platform.ACTIVE
    session.add(platform)
    try:
        session.flush()
    except IntegrityError:  # the same registration committed by a concurrent request
        session.rollback()
        raise AlreadyRegistered(config.issuer) from None
    return platform


def canvas_developer_key() -> dict[str, Any]:
    """The developer-key JSON configuration for Canvas's "Paste JSON" / "Enter URL" key setup."""
    launch_url = tool_url("launch.launch")
    placements = [{"placement": name, "message_type": "LtiDeepLinkingRequest", "target_link_uri": launch_url,
                   "text": "CPS ethics assessment"} for name in CANVAS_PLACEMENTS]
    return {
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
    }
