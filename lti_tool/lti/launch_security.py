"""PyLTI1p3's login and launch with the gaps closed.

`ToolOIDCLogin` binds each login's state to its nonce, platform, deployment and parameters in the shared store
and sets a `SameSite=None; Secure; Partitioned` state cookie; when the platform offers its storage
(`lti_storage_target`), a per-login secret kept there stands in for a blocked cookie. When it offers none (Moodle
4.5), a launch without the cookie is accepted only when a page of the platform posted it (`Origin`: the
registration's URLs, its learned page origins or the one this very token names), and it is validated like any
other (docs/security.md, "Launch without the tool's cookies"). A token whose signature checked out names the origins
of the platform pages it came from (`page_origins`), which may frame the response to it.
`HardenedMessageLaunch` then refuses anything that does not match: oversized tokens, algorithms other than
RS256, unknown keys (after one refetch of the platform's key set), bad signatures, wrong issuer or audience, a
missing or foreign `azp`, expired tokens or tokens issued in the future or too long ago (with a configured
leeway), a nonce that is not the login's or was already used, an off-site `target_link_uri`, a deployment other
than the one announced at login, and messages other than resource-link and deep-linking launches.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode, urlsplit

import jwt
from flask import make_response
from flask import request as http_request
from jwt.algorithms import RSAAlgorithm
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.session import SessionService

from lti_tool.web.security_headers import ORIGIN
from lti_tool.web.shared_store import SharedStore

RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
SUBMISSION_REVIEW = "LtiSubmissionReviewRequest"
ACCEPTED_MESSAGES = (RESOURCE_LINK, DEEP_LINKING, SUBMISSION_REVIEW)
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
DL_SETTINGS_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")  # http is taken for these only (development and tests)
STATE_COOKIE_PREFIX = "lti1p3"
STORAGE_PROOF_FIELD = "lti_storage_proof"


class LaunchRefused(Exception):
    """A refusal with what to tell the person: HTTP status, title, explanation and what to check."""

    def __init__(self, status: int, title: str, explanation: str, what_to_check: str = "") -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.explanation = explanation
        self.what_to_check = what_to_check


class CookiesBlocked(Exception):
    """The launch is genuine so far but the browser did not send the login's state cookie back, and nothing
    posted with it stands in for the cookie yet."""

    def __init__(self, state_record: dict[str, Any]) -> None:
        super().__init__("state cookie missing")
        self.state_record = state_record


def refuse(title: str, explanation: str, what_to_check: str = "", status: int = 400) -> LaunchRefused:
    return LaunchRefused(status, title, explanation, what_to_check)


class StoreLaunchData(LaunchDataStorage):
    """PyLTI1p3's launch data storage over the shared store (no session cookie: works across workers)."""

    def __init__(self, shared: SharedStore, default_ttl: int) -> None:
        super().__init__()
        self._shared = shared
        self._ttl = default_ttl

    def get_session_cookie_name(self) -> None:
        return None

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_value(self, key: str) -> Any:
        return self._shared.get(self._prepare_key(key))

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        self._shared.put(self._prepare_key(key), value, exp or self._ttl)

    def check_value(self, key: str) -> bool:
        return self._shared.get(self._prepare_key(key)) is not None


class SecureCookieService(FlaskCookieService):
    """State cookies that survive inside an LMS iframe: SameSite=None; Secure; Partitioned; HttpOnly."""

    def update_response(self, response) -> None:
        for key, data in self._cookie_data_to_set.items():
            response.set_cookie(key=key, value=data["value"], max_age=data["exp"], secure=True, path="/",
                                httponly=True, samesite="None", partitioned=True)


def state_key(state: str) -> str:
    return "login-state:" + state


def nonce_key(nonce: str) -> str:
    return "nonce:" + nonce


class ToolOIDCLogin(FlaskOIDCLogin):
    """Third-party initiated login: remembers, server-side, what the launch must match."""

    def __init__(self, request: FlaskRequest, tool_config, shared: SharedStore, state_seconds: int) -> None:
        session_service = SessionService(request)
        session_service.set_data_storage(StoreLaunchData(shared, state_seconds))
        super().__init__(request, tool_config, session_service=session_service,
                         cookie_service=SecureCookieService(request))
        self._shared = shared
        self._state_seconds = state_seconds

    def auth_redirect_url(self, launch_url: str, login_params: dict[str, str]) -> str:
        """The platform's authorization URL for this login; records state and nonce in the shared store."""
        registration = self.validate_oidc_login()
        self._registration = registration
        state = secrets.token_urlsafe(32)
        nonce = secrets.token_urlsafe(32)
        self._cookie_service.set_cookie(state, state, self._state_seconds)
        deployment = login_params.get("lti_deployment_id") or login_params.get("deployment_id") or None
        record = {"nonce": nonce, "platform_id": registration.platform_id, "deployment_id": deployment,
                  "login": login_params}
        self.state, self.storage_secret = state, None
        if login_params.get("lti_storage_target"):
            self.storage_secret = secrets.token_urlsafe(32)
            record["storage_secret"] = self.storage_secret
            record["storage_origin"] = origin_of(registration.get_auth_login_url())
        self._shared.put_many({state_key(state): record, nonce_key(nonce): registration.platform_id},
                              self._state_seconds)
        auth = {
            "scope": "openid",
            "response_type": "id_token",
            "response_mode": "form_post",
            "prompt": "none",
            "client_id": registration.get_client_id(),
            "redirect_uri": launch_url,
            "state": state,
            "nonce": nonce,
            "login_hint": login_params["login_hint"],
        }
        if login_params.get("lti_message_hint"):
            auth["lti_message_hint"] = login_params["lti_message_hint"]
        base = registration.get_auth_login_url()
        return base + ("&" if "?" in base else "?") + urlencode(auth)

    def redirect_response(self, url: str):
        return self.get_redirect(url).do_redirect()

    def page_response(self, page: str):
        """An HTML page (the platform-storage login page) carrying the state cookie, like the redirect does."""
        response = make_response(page)
        response.headers["Cache-Control"] = "no-store"
        self._cookie_service.update_response(response)
        return response


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, as browsers send it in the Origin header."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.lower()}"


def canonical_origin(url: str | None) -> str | None:
    """scheme://host[:port] of an http(s) URL or Origin header, lower case and without a default port; None for
    anything else (a missing header, "null")."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default = 443 if parts.scheme == "https" else 80
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def page_origin(url: object) -> str | None:
    """The origin of a platform page's URL when it may frame the tool: https, or http on this machine only; a plain
    scheme://host[:port] (ORIGIN) of at most 255 characters, else None."""
    origin = canonical_origin(url) if isinstance(url, str) else None
    if origin is None or len(origin) > 255 or not ORIGIN.fullmatch(origin):
        return None
    return origin if origin.startswith("https://") or urlsplit(origin).hostname in LOOPBACK_HOSTS else None


def page_origins(body: dict[str, Any], tool_base: str) -> tuple[str, ...]:
    """The origins of the platform pages a launch token names, both set and signed by the platform: its return URL
    and, for deep linking, where the picked links go back to; never the tool's own origin. Call it only on a token
    whose signature checked out."""
    presentation, settings = body.get(CLAIM + "launch_presentation"), body.get(DL_SETTINGS_CLAIM)
    urls = (presentation.get("return_url") if isinstance(presentation, dict) else None,
            settings.get("deep_link_return_url") if isinstance(settings, dict) else None)
    own = canonical_origin(tool_base)
    return tuple(dict.fromkeys(o for o in map(page_origin, urls) if o and o != own))


def same_tool(url: str, tool_base: str) -> bool:
    """Whether `url` is a page of this tool: same scheme, host and port, and under the tool's path."""
    target, base = urlsplit(url), urlsplit(tool_base)
    if (target.scheme, target.netloc.lower()) != (base.scheme, base.netloc.lower()):
        return False
    prefix = base.path.rstrip("/") + "/"
    return (target.path or "/").startswith(prefix) or target.path == base.path.rstrip("/")


class ParsedKeyCache:
    """Platform public keys already parsed, by (key set URL, kid), each kept no longer than the key set cache."""

    def __init__(self) -> None:
        self._keys: dict[tuple[str, str], tuple[float, Any]] = {}

    def get(self, url: str, kid: str) -> Any | None:
        found = self._keys.get((url, kid))
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]

    def put(self, url: str, kid: str, key: Any, ttl: int) -> None:
        if len(self._keys) > 1000:
            self._keys.clear()
        self._keys[(url, kid)] = (time.monotonic() + ttl, key)


PUBLIC_KEYS = ParsedKeyCache()


class HardenedMessageLaunch(FlaskMessageLaunch):
    """PyLTI1p3's message launch, validated in a stricter order with every check the library leaves out."""

    def __init__(self, request: FlaskRequest, tool_config, shared: SharedStore, settings: dict[str, Any],
                 tool_base: str, requests_session,
                 known_origins: Callable[[int], Iterable[str]] = lambda _platform_id: ()) -> None:
        session_service = SessionService(request)
        session_service.set_data_storage(StoreLaunchData(shared, settings["LAUNCH_SESSION_SECONDS"]))
        super().__init__(request, tool_config, session_service=session_service,
                         cookie_service=SecureCookieService(request), requests_session=requests_session)
        self._shared = shared
        self._settings = settings
        self._tool_base = tool_base
        self._state_record: dict[str, Any] = {}
        self._known_origins = known_origins  # a platform's learned page origins (lti_tool.lti.learned_origins)
        self.without_cookie = self._awaiting_storage = False
        self.signed_origins: tuple[str, ...] = ()  # page_origins() once the signature checked out
        self.set_launch_data_lifetime(settings["LAUNCH_SESSION_SECONDS"])

    # --- the order of checks -------------------------------------------------------------------------------------
    def validate(self) -> HardenedMessageLaunch:
        self._validated = True
        try:
            self.check_size()
            self.validate_state()
            self.validate_jwt_format()
            self.check_header()
            self.validate_registration()
            self.check_state_platform()
            self.validate_jwt_signature()
            self.check_times()
            self.check_nonce_matches_login()
            self.check_browser()
            self.check_target_link_uri()
            self.validate_deployment()
            self.validate_message()
            self.consume_nonce()
        except LaunchRefused:
            self._validated = False
            raise
        except CookiesBlocked:
            self._validated = False
            raise
        except (LtiException, AssertionError) as exc:
            self._validated = False
            raise refuse("The launch could not be accepted", str(exc),
                         "Check the tool's registration in the platform (client id, deployment, URLs).") from None
        return self

    def check_size(self) -> None:
        token = self._get_request_param("id_token") or ""
        if not token:
            raise refuse("No launch token", "The platform did not send an id_token.",
                         "Launch the tool from a course in the LMS, not by opening this address directly.")
        if len(token) > self._settings["MAX_ID_TOKEN_BYTES"]:
            raise refuse("Launch token too large", "The platform's id_token is larger than the tool accepts.",
                         "Ask the administrator to raise CPS_MAX_ID_TOKEN_BYTES if the platform is genuine.",
                         status=413)

    def validate_state(self) -> HardenedMessageLaunch:
        state = self._get_request_param("state")
        if not state or len(state) > 256:
            raise refuse("Missing login state", "The launch did not carry the state of its login.",
                         "Open the assessment again from the course.")
        record = self._shared.get(state_key(state))
        if record is None:
            raise refuse("Unknown or expired login", "This launch does not match a login the tool started, or "
                         "it was already used.", "Open the assessment again from the course.", status=401)
        cookie = self._cookie_service.get_cookie(state)
        if cookie is None and record.get("storage_secret"):
            self.check_storage_proof(record)
        elif cookie is None:
            self.without_cookie = True  # the sender is checked once the registration is known (check_state_platform)
        elif not secrets.compare_digest(cookie, state):
            raise refuse("Login state mismatch", "The launch belongs to another login.",
                         "Open the assessment again from the course.", status=401)
        self._state_record = record
        return self

    def check_storage_proof(self, record: dict[str, Any]) -> None:
        """Without the state cookie, the login's secret read back from the platform's storage (LTI client-side
        postMessages) proves the browser is the one that logged in; it must come from the tool's own page."""
        proof = self._get_request_param(STORAGE_PROOF_FIELD)
        secret = record["storage_secret"]
        if not proof:
            self._awaiting_storage = True  # the storage page is answered once the token proves genuine
            return
        own_page = http_request.headers.get("Origin") == origin_of(self._tool_base)
        if not (own_page and secrets.compare_digest(proof.encode(), secret.encode())):
            raise refuse("Login state mismatch", "The launch could not be matched to its login through the "
                         "platform's storage.", "Open the assessment again from the course.", status=401)

    def check_header(self) -> None:
        header = self._jwt.get("header", {})
        if header.get("alg") != "RS256":
            raise refuse("Unsupported signature", "The launch token must be signed with RS256.",
                         "Check the platform's signing configuration.", status=401)
        if not header.get("kid"):
            raise refuse("Unsigned key id", "The launch token does not name its signing key (kid).",
                         "Check the platform's signing configuration.", status=401)

    def get_client_id(self) -> str:
        body = self._jwt.get("body", {})
        aud = body.get("aud")
        if isinstance(aud, list):
            if len(aud) == 1:
                return aud[0]
            azp = body.get("azp")
            if not azp:
                raise refuse("Ambiguous audience", "The token names several audiences but no authorized party "
                             "(azp).", "The platform must send azp with our client id.", status=401)
            return azp
        return aud

    def validate_registration(self) -> HardenedMessageLaunch:
        try:
            super().validate_registration()
        except LtiException:
            raise refuse("Unknown platform", "No active registration matches this token's issuer and client id.",
                         "Register the tool in the platform, or ask the tool's administrator to approve it.",
                         status=403) from None
        return self

    def check_state_platform(self) -> None:
        if self._state_record.get("platform_id") != self._registration.platform_id:
            raise refuse("Login state mismatch", "The launch comes from another platform than its login.",
                         "Open the assessment again from the course.", status=401)

    def check_browser(self) -> None:
        """Once the token is genuine and this login's: a browser without the tool's cookie goes on only with the
        login's secret from the platform's storage (asked for now: CookiesBlocked) or, on a platform without
        storage, if a page of the platform posted the launch (its `Origin`, which another site cannot make a
        learner's browser claim); else it is told how to open the assessment (CookiesBlocked). Nothing is used up
        before this: the state and nonce only once the launch passes every check."""
        if self._awaiting_storage:
            raise CookiesBlocked(self._state_record)
        sender = canonical_origin(http_request.headers.get("Origin"))
        if self.without_cookie and (sender is None or sender not in self.platform_origins()):
            raise CookiesBlocked(self._state_record)

    def platform_origins(self) -> set[str]:
        """The origins whose pages may post this platform's launches: its issuer, OIDC and token URLs, the course
        sites the administrator lets frame the tool (CPS_FRAME_ANCESTORS), those learned from its earlier launches
        and the one this signed token names (a Canvas school's course site)."""
        registration = self._registration
        urls = (registration.get_issuer(), registration.get_auth_login_url(), registration.get_auth_token_url(),
                *(self._settings.get("FRAME_ANCESTORS") or ()), *self._known_origins(registration.platform_id))
        return {origin for origin in map(canonical_origin, urls) if origin} | set(self.signed_origins)

    def _key_set(self, refresh: bool) -> dict[str, Any]:
        url = self._registration.get_key_set_url()
        cache_key = "platform-jwks:" + hashlib.sha256(url.encode("utf-8")).hexdigest()
        if not refresh:
            cached = self._shared.get(cache_key)
            if cached is not None:
                return cached
        try:
            response = self._requests_session.get(url)
            response.raise_for_status()
            key_set = response.json()
            if not isinstance(key_set, dict) or not isinstance(key_set.get("keys"), list):
                raise ValueError("not a JWKS")
        except Exception:
            raise refuse("Platform keys unavailable", "The platform's public keys could not be fetched.",
                         "Check the key set URL of the registration and that the platform is reachable.",
                         status=502) from None
        self._shared.put(cache_key, key_set, self._settings["PLATFORM_JWKS_CACHE_SECONDS"])
        return key_set

    def get_public_key(self):
        """The platform's public key for the token's kid, parsed once per process for as long as the key set
        may be cached; an unknown kid reads the shared key set, then refetches it once."""
        kid = self._jwt["header"]["kid"]
        url = self._registration.get_key_set_url()
        parsed = PUBLIC_KEYS.get(url, kid)
        if parsed is not None:
            return parsed, "RS256"
        for refresh in (False, True):
            for key in self._key_set(refresh)["keys"]:
                if key.get("kid") == kid and key.get("alg", "RS256") == "RS256" and key.get("kty") == "RSA":
                    parsed = RSAAlgorithm.from_jwk(key)
                    PUBLIC_KEYS.put(url, kid, parsed, self._settings["PLATFORM_JWKS_CACHE_SECONDS"])
                    return parsed, "RS256"
        raise refuse("Unknown signing key", "The token is signed with a key the platform does not publish.",
                     "Check the key set URL of the registration.", status=401)

    def validate_jwt_signature(self) -> HardenedMessageLaunch:
        public_key, _ = self.get_public_key()
        client_id = self.get_client_id()
        try:
            jwt.decode(self._get_id_token(), public_key, algorithms=["RS256"], audience=client_id,
                       issuer=self._registration.get_issuer(), leeway=self._settings["JWT_LEEWAY_SECONDS"],
                       options={"require": ["exp", "iat", "iss", "aud", "nonce"]})
        except jwt.ExpiredSignatureError:
            raise refuse("Launch expired", "The launch token has expired.",
                         "Open the assessment again; if this repeats, check the platform's clock.",
                         status=401) from None
        except jwt.ImmatureSignatureError:
            raise refuse("Launch from the future", "The launch token was issued later than the tool's clock "
                         "allows.", "Check the clocks of the platform and the tool server (NTP).", status=401) from None
        except jwt.InvalidAudienceError:
            raise refuse("Wrong audience", "The launch token is not addressed to this tool's client id.",
                         "Check the client id of the registration.", status=401) from None
        except jwt.InvalidIssuerError:
            raise refuse("Wrong issuer", "The launch token's issuer does not match the registration.",
                         "Check the issuer of the registration.", status=401) from None
        except jwt.InvalidTokenError:
            raise refuse("Invalid launch token", "The launch token's signature or claims are not valid.",
                         "Check the platform's keys and the tool's registration.", status=401) from None
        body = self._jwt["body"]
        self.signed_origins = page_origins(body, self._tool_base)
        azp = body.get("azp")
        if azp is not None and azp != client_id or (isinstance(body.get("aud"), list) and client_id not in body["aud"]):
            raise refuse("Wrong authorized party", "The token's authorized party (azp) is not this tool.",
                         "Check the client id of the registration.", status=401)
        return self

    def check_times(self) -> None:
        body = self._jwt["body"]
        now = time.time()
        leeway = self._settings["JWT_LEEWAY_SECONDS"]
        iat = float(body["iat"])
        if iat > now + leeway:
            raise refuse("Launch from the future", "The launch token was issued later than the tool's clock "
                         "allows.", "Check the clocks of the platform and the tool server (NTP).", status=401)
        if iat < now - self._settings["MAX_TOKEN_AGE_SECONDS"] - leeway:
            raise refuse("Launch too old", "The launch token was issued too long ago.",
                         "Open the assessment again from the course.", status=401)

    def check_nonce_matches_login(self) -> None:
        nonce = self._jwt["body"].get("nonce")
        if not isinstance(nonce, str) or not secrets.compare_digest(nonce, self._state_record.get("nonce", "")):
            raise refuse("Launch does not match its login", "The token's nonce is not the one of this login.",
                         "Open the assessment again from the course.", status=401)

    def consume_nonce(self) -> None:
        """Use the nonce up and drop the login's state, in one round trip to the shared store."""
        used = self._shared.take_and_delete(nonce_key(self._jwt["body"]["nonce"]),
                                            state_key(self._get_request_param("state")))
        if used is None:
            raise refuse("Launch already used", "This launch was already used once; launches cannot be replayed.",
                         "Open the assessment again from the course.", status=401)

    def check_target_link_uri(self) -> None:
        target = self._jwt["body"].get(CLAIM + "target_link_uri")
        if not isinstance(target, str) or not same_tool(target, self._tool_base):
            raise refuse("Launch aimed elsewhere", "The launch's target_link_uri is not a page of this tool.",
                         f"Set the tool's launch URL in the platform to an address under {self._tool_base}.")

    def validate_deployment(self) -> HardenedMessageLaunch:
        deployment_id = self._jwt["body"].get(CLAIM + "deployment_id")
        if not isinstance(deployment_id, str) or not deployment_id:
            raise refuse("Missing deployment", "The launch token has no deployment id.",
                         "Check the platform's tool deployment.")
        announced = self._state_record.get("deployment_id")
        if announced and announced != deployment_id:
            raise refuse("Deployment mismatch", "The launch's deployment differs from the one announced at login.",
                         "Open the assessment again from the course.", status=401)
        try:
            super().validate_deployment()
        except LtiException:
            raise refuse("Unknown deployment", "This deployment of the tool is not registered and the tool "
                         "accepts known deployments only.",
                         "Ask the tool's administrator to add the deployment id (cps-assess platform add).",
                         status=403) from None
        return self

    def validate_message(self) -> HardenedMessageLaunch:
        body = self._jwt["body"]
        message_type = body.get(CLAIM + "message_type")
        if message_type not in ACCEPTED_MESSAGES:
            raise refuse("Unsupported launch", "The tool accepts resource-link, deep-linking and submission-review "
                         "launches only.",
                         "Check the placement the tool was added with.")
        try:
            super().validate_message()
        except LtiException as exc:
            raise refuse("Incomplete launch", f"The launch message is not valid: {exc}.",
                         "Check the platform's LTI 1.3 settings for this tool.") from None
        if not isinstance(body.get(CLAIM + "roles"), list):
            raise refuse("Incomplete launch", "The launch message has no list of roles.",
                         "Check the platform's LTI 1.3 settings for this tool.")
        return self

    @property
    def registration(self):
        return self._registration

    @property
    def body(self) -> dict[str, Any]:
        return self._jwt["body"]

    @property
    def state_record(self) -> dict[str, Any]:
        return self._state_record
