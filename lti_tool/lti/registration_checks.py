"""What a platform sends during dynamic registration, checked field by field before anything is stored.

The platform's OpenID configuration and its answer to the tool's registration come from whoever started the
registration. Each field the tool keeps or uses is checked for type, length and format here, so that a bad answer
is a clear refusal (`RegistrationFailed`, a 400 page) instead of odd rows or a database error. URLs are checked for
form here; whether the tool may call them (public addresses, https) is `guarded_http`'s check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
MAX_URL = 1024
MAX_ISSUER = 512
MAX_ID = 255
MAX_SCOPES = 100
_VISIBLE = re.compile(r"[\x21-\x7e]+")  # printable ASCII without spaces: client and deployment ids, scopes
_PRODUCT = re.compile(r"[A-Za-z0-9._-]{1,64}")
ENDPOINTS = ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")


class RegistrationFailed(Exception):
    """A registration the tool refuses: what went wrong, and what the LMS admin can check."""

    def __init__(self, explanation: str, what_to_check: str) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.what_to_check = what_to_check


@dataclass(frozen=True)
class PlatformConfiguration:
    """The fields of a platform's OpenID configuration that the tool uses, all checked."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str | None
    product: str
    scopes_supported: tuple[str, ...] | None


@dataclass(frozen=True)
class RegistrationAnswer:
    """The platform's answer to the tool's registration: the client id and the deployment, checked."""

    client_id: str
    deployment_id: str | None


def _type_name(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number" if isinstance(value, int | float) else type(value).__name__)


def _bad(what: str, field: str, rule: str, value: Any) -> RegistrationFailed:
    """The refusal naming the field and its rule; it shows the value's type or length, never the value."""
    wants_text = rule.startswith(("text", "an http"))
    shown = f"it has {len(value)} characters" if isinstance(value, str) and wants_text else f"it is {_type_name(value)}"
    return RegistrationFailed(f"The platform's {what} is not valid: {field} must be {rule} ({shown}).",
                              "Check the LMS's LTI settings (its address and product) and start the registration "
                              "again; nothing was stored.")


def text_field(value: Any, field: str, what: str, *, max_length: int, pattern: re.Pattern[str] = _VISIBLE) -> str:
    """`value` if it is text of 1..max_length characters matching `pattern`, else RegistrationFailed."""
    rule = f"text of 1 to {max_length} visible characters"
    if not isinstance(value, str) or not 0 < len(value) <= max_length or not pattern.fullmatch(value):
        raise _bad(what, field, rule, value)
    return value


def url_field(value: Any, field: str, what: str, *, max_length: int = MAX_URL) -> str:
    """An absolute http(s) URL with a host, without credentials or fragment, of at most max_length characters."""
    rule = f"an http(s) address of at most {max_length} characters"
    text = text_field(value, field, what, max_length=max_length)
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        raise _bad(what, field, rule, value) from None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc or parts.fragment:
        raise _bad(what, field, rule, value)
    return text


def issuer_matches(issuer: str, config_url: str) -> bool:
    """The configuration came from the issuer itself: same scheme, host and port, and a path under the issuer's
    path (several LMSs can share one host under different paths)."""
    mine, theirs = urlsplit(issuer), urlsplit(config_url)
    if (mine.scheme.lower(), mine.netloc.lower()) != (theirs.scheme.lower(), theirs.netloc.lower()):
        return False
    base = mine.path.rstrip("/")
    return not base or theirs.path == base or theirs.path.startswith(base + "/")


def platform_configuration(raw: Any, config_url: str) -> PlatformConfiguration:
    """The checked configuration, or RegistrationFailed saying which field is wrong."""
    what = "configuration"
    if not isinstance(raw, dict):
        raise RegistrationFailed("The platform's configuration is not a JSON object.",
                                 "Start the registration again from the LMS; nothing was stored.")
    issuer = url_field(raw.get("issuer"), "issuer", what, max_length=MAX_ISSUER)
    if urlsplit(issuer).query or not issuer_matches(issuer, config_url):
        raise RegistrationFailed("The platform's issuer does not match the address its configuration came from.",
                                 "Start the registration from the platform itself, not from a copied link.")
    endpoints = {name: url_field(raw.get(name), name, what) for name in ENDPOINTS}
    audience = raw.get("authorization_server")
    platform = raw.get(PLATFORM_CONFIG)
    if platform is not None and not isinstance(platform, dict):
        raise _bad(what, PLATFORM_CONFIG, "an object", platform)
    product = (platform or {}).get("product_family_code")
    scopes = raw.get("scopes_supported")
    if scopes is not None and (not isinstance(scopes, list) or len(scopes) > MAX_SCOPES):
        raise _bad(what, "scopes_supported", f"a list of at most {MAX_SCOPES} scopes", scopes)
    return PlatformConfiguration(
        issuer=issuer, **endpoints,
        authorization_server=None if audience in (None, "") else text_field(
            audience, "authorization_server", what, max_length=MAX_URL),
        product="" if product in (None, "") else text_field(
            product, "product_family_code", what, max_length=64, pattern=_PRODUCT).lower(),
        scopes_supported=None if scopes is None else tuple(
            text_field(s, "scopes_supported", what, max_length=MAX_URL) for s in scopes))


def registration_answer(raw: Any) -> RegistrationAnswer:
    """The checked answer (client id; deployment id when the platform sent one), or RegistrationFailed."""
    what = "answer to the registration"
    if not isinstance(raw, dict):
        raise RegistrationFailed("The platform's answer to the registration is not a JSON object.",
                                 "Start the registration again from the LMS; nothing was stored.")
    client_id = text_field(raw.get("client_id"), "client_id", what, max_length=MAX_ID)
    tool_config = raw.get(TOOL_CONFIG)
    if tool_config is not None and not isinstance(tool_config, dict):
        raise _bad(what, TOOL_CONFIG, "an object", tool_config)
    deployment = (tool_config or {}).get("deployment_id")
    if deployment is not None:
        deployment = text_field(deployment, "deployment_id", what, max_length=MAX_ID)
    return RegistrationAnswer(client_id=client_id, deployment_id=deployment)
