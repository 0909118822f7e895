"""A test LTI 1.3 platform served over real HTTP (127.0.0.1, a thread), playing Canvas or Moodle.

It is strict where the real platforms are strict, so the tool is tested against the rules, not against itself:
- OIDC: the tool's auth request must name a registered redirect_uri, response_type=id_token, scope=openid,
  prompt=none, response_mode=form_post, and echo a state and a nonce; id_tokens are signed with our RSA key,
  published at /jwks.
- Tokens (/token) only for a valid client assertion: iss = sub = client id, aud = token URL, RS256 signature
  checked against the tool's published JWKS, unexpired, unique jti.
- AGS with Canvas's rules: the score media type, scoreMaximum required with scoreGiven, older timestamps refused;
  line items can be read; every accepted score is recorded in `scores`. `fail_scores(...)` makes the score
  endpoint fail (5xx, 429, timeout), `fail_every(3)` fails every third score post, and `stop()` / `start()`
  take the whole platform down and up again.
- Dynamic registration as Moodle or Canvas (Bearer registration token on both calls, Moodle's domain,
  response_types and auth-method rules, Canvas's privacy level and placements).
- NRPS (Names and Role Provisioning Services) at /nrps/<context> for a token with the membership scope, with
  Canvas-style paging (`Link: <...>; rel="next"`, `members_page_size` per page); `add_member` enrols people.
- `tamper` lets a test rewrite the claims and the signing of the next id_tokens (hostile launches).
- `hints_once = True` makes each `lti_message_hint` good for one authorization request, as Moodle 4.5 does
  (`mod/lti/auth.php` unsets it after its first use): a second request gets Moodle's "Invalid request" error page
  (counted in `refused_hints`). `auth_referrer_policy` sets the Referrer-Policy of the page that posts the id_token.
- Launches carry the page they came from, as Canvas and Moodle do: `launch_presentation.return_url` (and the deep
  linking return URL) on `pages_url`. `serve_pages_apart()` puts the course pages on a site of their own, as
  Canvas Cloud's school sites are apart from its issuer (canvas.instructure.com) and OIDC and token URLs
  (sso.canvaslms.com).
"""

from __future__ import annotations

import base64
import html
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, abort, jsonify, request
from jwcrypto.jwk import JWK
from requests.cookies import RequestsCookieJar
from werkzeug.serving import make_server

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INVALID_REQUEST_PAGE = ('<!doctype html><html lang="en"><title>Error | Moodle</title><main><h1>Error</h1>'
                        "<p>Invalid request</p></main></html>")  # Moodle's answer to a login hint used twice


KEY_RING_SIZE = 16
_key_ring: list[tuple[str, dict[str, Any]]] = []
_key_turn = 0
_key_lock = threading.Lock()
_parsed_keys: dict[str, Any] = {}  # private PEM -> the key object PyJWT signs with


def new_rsa_key() -> tuple[str, dict[str, Any]]:
    """(private PEM, public JWK with kid) of a 2048-bit RSA key, different from the previous 15 handed out.

    Making a key takes 0.1-0.2 s of CPU and the tests make one per platform, hundreds per run; so the process keeps
    a ring of KEY_RING_SIZE keys and hands them out in turn: within a test every key is still a different one,
    across tests they repeat (each test has its own tool, database and platform)."""
    global _key_turn
    with _key_lock:
        if len(_key_ring) < KEY_RING_SIZE:
            _key_ring.append(_fresh_rsa_key())
            pem, public = _key_ring[-1]
        else:
            pem, public = _key_ring[_key_turn % KEY_RING_SIZE]
            _key_turn += 1
    return pem, dict(public)


def _fresh_rsa_key() -> tuple[str, dict[str, Any]]:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    jwk = JWK.from_pyca(private)
    public = json.loads(jwk.export_public())
    public.update({"kid": jwk.thumbprint(), "alg": "RS256", "use": "sig"})
    return pem, public


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(claims: dict[str, Any], header: dict[str, Any]) -> str:
    """A JWT with a header of our choosing and an empty signature (for `alg: none` attacks)."""
    return f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(claims).encode())}."


class Browser(requests.Session):
    """A browser stand-in: sends Secure cookies back to http://127.0.0.1, as browsers do for localhost."""

    def __init__(self) -> None:
        super().__init__()
        self.cookies = _LoopbackCookieJar()


class _LoopbackCookieJar(RequestsCookieJar):
    def set_cookie(self, cookie, *args, **kwargs):
        if cookie.domain in ("127.0.0.1", "localhost", "localhost.local"):
            cookie.secure = False
        return super().set_cookie(cookie, *args, **kwargs)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action = ""
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if tag == "form" and not self.action:
            self.action = attrs.get("action") or ""
        if tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""


def parse_form(page: str) -> tuple[str, dict[str, str]]:
    """(action, fields) of the first form on an HTML page."""
    parser = _FormParser()
    parser.feed(page)
    return parser.action, parser.fields


@dataclass
class Client:
    """A tool registered on this platform."""

    client_id: str
    redirect_uris: list[str]
    jwks_uri: str
    initiate_login_uri: str
    target_link_uri: str
    deployment_ids: list[str]
    registration: dict[str, Any] = field(default_factory=dict)


@dataclass
class PendingLogin:
    client_id: str
    claims: dict[str, Any]


class _PlatformEndpoints:
    """The platform's HTTP side: what the tool calls (key set, OIDC authorisation, token, AGS line items and
    scores, NRPS memberships, dynamic registration), served from the state `LtiPlatform` holds and its tests
    control."""

    # --- the HTTP endpoints ----------------------------------------------------------------------------------------
    def _build_app(self) -> Flask:
        app = Flask("test_lti_platform")
        platform = self

        @app.get("/jwks")
        def jwks():
            platform.jwks_requests += 1
            return jsonify({"keys": [platform.public_jwk, *platform.extra_jwks]})

        @app.get("/auth")
        def auth():
            return platform._authorize(request.args)

        @app.post("/token")
        def token():
            return platform._token(request.form)

        @app.get("/ags/<context>/lineitems/<item_id>")
        def lineitem(context, item_id):
            platform._require_token({LINEITEM_SCOPE, LINEITEM_READ_SCOPE})
            item = platform.lineitems.get(item_id)
            if item is None or item["context"] != context:
                abort(404)
            return Response(json.dumps({"id": f"{platform.url}/ags/{context}/lineitems/{item_id}", **item}),
                            content_type="application/vnd.ims.lis.v2.lineitem+json")

        @app.get("/ags/<context>/lineitems")
        def lineitems(context):
            platform._require_token({LINEITEM_SCOPE, LINEITEM_READ_SCOPE})
            items = [{"id": f"{platform.url}/ags/{context}/lineitems/{i}", **v}
                     for i, v in platform.lineitems.items() if v["context"] == context]
            return Response(json.dumps(items), content_type="application/vnd.ims.lis.v2.lineitemcontainer+json")

        @app.get("/nrps/<context>")
        def memberships(context):
            return platform._memberships(context)

        @app.post("/ags/<context>/lineitems/<item_id>/scores")
        def scores(context, item_id):
            return platform._score(context, item_id)

        @app.get("/dr/openid-configuration")
        def openid_configuration():
            platform._require_registration_token(consume=False)
            return jsonify(platform._openid_configuration())

        @app.post("/dr/register")
        def register():
            platform._require_registration_token(consume=True)
            return platform._register(request.get_json(silent=True) or {})

        return app

    def _authorize(self, args) -> Response:
        self.auth_requests.append(dict(args))
        client = self.clients.get(args.get("client_id", ""))
        problems = []
        if client is None:
            problems.append("unknown client_id")
        elif args.get("redirect_uri") not in client.redirect_uris:
            problems.append("redirect_uri not registered")
        expected = {"response_type": "id_token", "scope": "openid", "prompt": "none", "response_mode": "form_post"}
        problems += [f"{k} must be {v}" for k, v in expected.items() if args.get(k) != v]
        problems += [f"{k} missing" for k in ("state", "nonce", "login_hint") if not args.get(k)]
        pending = self.pending.get(args.get("login_hint", ""))
        if pending is None:
            problems.append("unknown login_hint")
        elif args.get("lti_message_hint") != "msg-" + args.get("login_hint", ""):
            problems.append("lti_message_hint not echoed")
        if problems:
            return Response("; ".join(problems), status=400)
        if self.hints_once and not self._first_use_of(args["lti_message_hint"]):
            return Response(INVALID_REQUEST_PAGE, status=400, content_type="text/html")
        claims = dict(pending.claims)
        claims["nonce"] = args["nonce"]
        id_token = self.tamper(claims, self) if self.tamper else self.sign(claims)
        page = (f'<form method="post" action="{html.escape(args["redirect_uri"])}">'
                f'<input type="hidden" name="id_token" value="{html.escape(id_token)}">'
                f'<input type="hidden" name="state" value="{html.escape(args["state"])}"></form>'
                "<script>document.forms[0].submit()</script>")
        headers = {"Referrer-Policy": self.auth_referrer_policy} if self.auth_referrer_policy else {}
        return Response(page, content_type="text/html", headers=headers)

    def _first_use_of(self, message_hint: str) -> bool:
        """Whether this message hint is used for the first time (a reuse is counted in `refused_hints`)."""
        with self._lock:
            first = message_hint not in self.used_hints
            self.used_hints.add(message_hint)
            self.refused_hints += 0 if first else 1
        return first

    def _token(self, form) -> Response:
        def refuse(reason: str) -> Response:
            return Response(json.dumps({"error": "invalid_client", "error_description": reason}), status=401,
                            content_type="application/json")

        if form.get("grant_type") != "client_credentials":
            return refuse("grant_type must be client_credentials")
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return refuse("client_assertion_type must be jwt-bearer")
        assertion = form.get("client_assertion", "")
        try:
            unverified = jwt.decode(assertion, options={"verify_signature": False})
            header = jwt.get_unverified_header(assertion)
        except jwt.InvalidTokenError:
            return refuse("client_assertion is not a JWT")
        client = self.clients.get(unverified.get("iss", ""))
        if client is None or unverified.get("sub") != client.client_id:
            return refuse("iss and sub must be a registered client id")
        keys = requests.get(client.jwks_uri, timeout=5).json()["keys"]
        key = next((k for k in keys if k.get("kid") == header.get("kid")), None)
        if key is None:
            return refuse("kid not in the tool's published JWKS")
        public = JWK.from_json(json.dumps(key)).export_to_pem()
        try:
            claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=f"{self.url}/token",
                                options={"require": ["exp", "iat", "jti", "iss", "sub", "aud"]})
        except jwt.InvalidTokenError as exc:
            return refuse(f"client_assertion invalid: {exc}")
        with self._lock:
            if claims["jti"] in self.seen_jti:
                return refuse("jti already used")
            self.seen_jti.add(claims["jti"])
            token = secrets.token_urlsafe(24)
            scopes = set(form.get("scope", "").split())
            self.access_tokens[token] = (client.client_id, scopes, time.time() + 3600)
            self.tokens_issued += 1
        return jsonify({"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                        "scope": " ".join(sorted(scopes))})

    def _require_token(self, any_of: set[str]) -> str:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        found = self.access_tokens.get(token)
        if found is None or found[2] < time.time():
            abort(Response("invalid access token", status=401))
        if not found[1] & any_of:
            abort(Response("insufficient scope", status=403))
        return found[0]

    def _memberships(self, context: str) -> Response:
        """NRPS 2.0 as Canvas serves it: the membership container, paged with a Link header (rel next/last)."""
        self._require_token({NRPS_SCOPE})
        if context not in self.members:
            abort(Response("context not found", status=404))
        self.nrps_requests += 1
        members = self.members[context]
        size = self.members_page_size
        page = max(int(request.args.get("page", "1") or 1), 1)
        last = max((len(members) + size - 1) // size, 1)
        base = f"{self.url}/nrps/{context}"
        links = [f'<{base}?page={page}>; rel="current"']
        if page < last:
            links.append(f'<{base}?page={page + 1}>; rel="next"')
        links += [f'<{base}?page=1>; rel="first"', f'<{base}?page={last}>; rel="last"']
        body = {"id": f"{base}?page={page}", "context": {"id": context, "title": "CPS ethics"},
                "members": members[(page - 1) * size:page * size]}
        return Response(json.dumps(body), content_type="application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                        headers={"Link": ",".join(links)})

    def _score(self, context: str, item_id: str) -> Response:
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            self.score_calls += 1
            if failure is None and self._fail_every and self.score_calls % self._fail_every[0] == 0:
                failure = self._fail_every[1]
        if failure == "timeout":
            time.sleep(self.fail_delay_seconds)
            return Response("too late", status=504)
        if failure == "429":
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        if failure:
            return Response("platform error", status=int(failure))

        def refused(status: int, reason: str) -> Response:
            self.score_refusals.append((status, reason))
            return Response(json.dumps({"errors": {"type": "bad_request", "message": reason}}), status=status,
                            content_type="application/json")

        self._require_token({SCORE_SCOPE})
        item = self.lineitems.get(item_id)
        if item is None or item["context"] != context:
            return refused(404, "line item not found")
        if request.mimetype != SCORE_MEDIA_TYPE:
            return refused(415, f"Content-Type must be {SCORE_MEDIA_TYPE}")
        score = request.get_json(force=True, silent=True)
        if not isinstance(score, dict):
            return refused(400, "body must be a JSON object")
        missing = [k for k in ("userId", "activityProgress", "gradingProgress", "timestamp") if k not in score]
        if missing:
            return refused(400, f"missing {', '.join(missing)}")
        if "scoreGiven" in score and "scoreMaximum" not in score:
            return refused(400, "ScoreMaximum must be present when ScoreGiven is present")
        try:
            stamp = datetime.fromisoformat(score["timestamp"].replace("Z", "+00:00"))
        except (AttributeError, ValueError):
            return refused(400, "timestamp must be ISO 8601")
        with self._lock:
            key = (item_id, score["userId"])
            last = self.last_score_time.get(key)
            if last is not None and stamp <= last:
                return refused(400, "Score timestamp is older than the last one recorded")
            self.last_score_time[key] = stamp
            self.scores.append({"lineitem": item_id, "context": context, **score})
        return Response("", status=200)

    def _require_registration_token(self, *, consume: bool) -> None:
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else ""
        if token not in self.registration_tokens:
            abort(Response("registration token required as a Bearer header", status=401))
        if consume:
            self.registration_tokens.discard(token)

    def _openid_configuration(self) -> dict[str, Any]:
        return {
            "issuer": self.advertised_issuer or self.issuer,
            "authorization_endpoint": f"{self.url}/auth",
            "token_endpoint": f"{self.url}/token",
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": f"{self.url}/jwks",
            "registration_endpoint": f"{self.url}/dr/register",
            "scopes_supported": ["openid", SCORE_SCOPE, LINEITEM_SCOPE, LINEITEM_READ_SCOPE, RESULT_SCOPE,
                                 NRPS_SCOPE],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["sub", "iss", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIG: {
                "product_family_code": self.flavour,
                "version": "4.1" if self.flavour == "moodle" else "cloud",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
            },
        }

    def _register(self, body: dict[str, Any]) -> Response:
        def refused(reason: str) -> Response:
            return Response(json.dumps({"error": "invalid_client_metadata", "error_description": reason}),
                            status=400, content_type="application/json")

        config = body.get(TOOL_CONFIG) or {}
        for name in ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name"):
            if not body.get(name):
                return refused(f"{name} is required")
        if "id_token" not in (body.get("response_types") or []):
            return refused("response_types must include id_token")
        if body.get("token_endpoint_auth_method") != "private_key_jwt":
            return refused("token_endpoint_auth_method must be private_key_jwt")
        if not {"client_credentials", "implicit"} <= set(body.get("grant_types") or []):
            return refused("grant_types must include client_credentials and implicit")
        target = config.get("target_link_uri", "")
        if not target:
            return refused("target_link_uri is required")
        messages = config.get("messages") or []
        if self.flavour == "moodle":
            if config.get("domain") != urlsplit(target).netloc:
                return refused("domain must equal the host:port of target_link_uri")
        if self.flavour == "canvas":
            if config.get("https://canvas.instructure.com/lti/privacy_level") not in (
                    "public", "name_only", "email_only", "anonymous"):
                return refused("https://canvas.instructure.com/lti/privacy_level is required")
            placements = {p for m in messages for p in m.get("placements") or []}
            if not {"assignment_selection", "link_selection"} <= placements:
                return refused("assignment_selection and link_selection placements are required")
        client_id = str(10000000000000 + len(self.clients) + 1)
        deployment_id = f"{len(self.clients) + 1}:{uuid.uuid4().hex[:8]}"
        self.clients[client_id] = Client(client_id=client_id, redirect_uris=list(body["redirect_uris"]),
                                         jwks_uri=body["jwks_uri"], initiate_login_uri=body["initiate_login_uri"],
                                         target_link_uri=target, deployment_ids=[deployment_id], registration=body)
        answer = dict(body)
        answer["client_id"] = client_id
        answer[TOOL_CONFIG] = {**config, "deployment_id": deployment_id}
        return jsonify(answer)


class LtiPlatform(_PlatformEndpoints):
    """The test platform. `flavour` is "canvas" or "moodle"."""

    def __init__(self, flavour: str = "canvas") -> None:
        self.flavour = flavour
        self.private_pem, self.public_jwk = new_rsa_key()
        self.extra_jwks: list[dict[str, Any]] = []
        self.clients: dict[str, Client] = {}
        self.pending: dict[str, PendingLogin] = {}
        self.registration_tokens: set[str] = set()
        self.access_tokens: dict[str, tuple[str, set[str], float]] = {}
        self.seen_jti: set[str] = set()
        self.lineitems: dict[str, dict[str, Any]] = {}
        self.members: dict[str, list[dict[str, Any]]] = {}
        self.members_page_size = 10
        self.nrps_requests = 0
        self.scores: list[dict[str, Any]] = []
        self.score_refusals: list[tuple[int, str]] = []
        self.last_score_time: dict[tuple[str, str], datetime] = {}
        self.tokens_issued = 0
        self.jwks_requests = 0
        self.auth_requests: list[dict[str, str]] = []
        self.tamper: Callable[[dict[str, Any], LtiPlatform], str] | None = None
        self.hints_once = False
        self.used_hints: set[str] = set()
        self.refused_hints = 0
        self.auth_referrer_policy: str | None = None
        self.advertised_issuer: str | None = None
        self._failures: list[str] = []
        self.fail_delay_seconds = 15.0
        self.score_calls = 0
        self._fail_every: tuple[int, str] | None = None
        self._lock = threading.Lock()
        self._server = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self._pages_server = None
        self.app = self._build_app()

    # --- serving ---------------------------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.url

    @property
    def pages_url(self) -> str:
        """Where the course pages are: the platform's own site, or another one after `serve_pages_apart()`."""
        return f"http://127.0.0.1:{self._pages_server.server_port}" if self._pages_server else self.url

    def serve_pages_apart(self) -> str:
        """Serve the platform's pages on a second site (another port of 127.0.0.1) as well, and name it in launches'
        return URLs from now on, while the issuer, OIDC, token and key set URLs stay on `url`: Canvas Cloud's
        arrangement. `stop()` ends it too. Returns the pages' site."""
        self._pages_server = make_server("127.0.0.1", 0, self.app, threaded=True)
        threading.Thread(target=self._pages_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self.pages_url

    def start(self) -> LtiPlatform:
        """Serve on 127.0.0.1 (the same port again after a stop)."""
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self._server.server_port
        # A short poll interval: stop() (shutdown) returns within 50 ms instead of the default 0.5 s, per test.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Take the platform down: connections to it are refused until `start()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._pages_server is not None:
            self._pages_server.shutdown()
            self._pages_server.server_close()
            self._pages_server = None

    def fail_scores(self, *modes: str) -> None:
        """The next score posts fail, one mode each: "500", "503", "429" or "timeout"."""
        with self._lock:
            self._failures.extend(modes)

    def fail_every(self, nth: int, mode: str = "503") -> None:
        """From now on every `nth` score post fails with `mode` (e.g. every third with a 503); 0 stops it."""
        with self._lock:
            self._fail_every = (nth, mode) if nth > 0 else None

    # --- tokens ----------------------------------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], *, headers: dict[str, Any] | None = None, key: str | None = None,
             algorithm: str = "RS256") -> str:
        header = {"kid": self.public_jwk["kid"]}
        header.update(headers or {})
        return jwt.encode(claims, key or self._signing_key(), algorithm=algorithm, headers=header)

    def _signing_key(self):
        """The platform's private key, parsed once per process (parsing a PEM costs ~40 ms: more than the launch it
        signs; the keys come from new_rsa_key's ring, so the same few are parsed for every platform)."""
        if self.private_pem not in _parsed_keys:
            from cryptography.hazmat.primitives.serialization import load_pem_private_key

            _parsed_keys[self.private_pem] = load_pem_private_key(self.private_pem.encode(), None)
        return _parsed_keys[self.private_pem]

    def launch_claims(self, client_id: str, *, nonce: str = "", message_type: str = "LtiResourceLinkRequest",
                      sub: str = "learner-1", roles: tuple[str, ...] = (LEARNER,), resource_link_id: str = "link-1",
                      context_id: str = "course-1", custom: dict[str, str] | None = None, ags: bool = True,
                      target_link_uri: str | None = None, deployment_id: str | None = None) -> dict[str, Any]:
        """The claims of a launch as Canvas or Moodle sends them."""
        client = self.clients[client_id]
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": client_id, "sub": sub, "iat": now, "exp": now + 300, "nonce": nonce,
            "name": f"Person {sub}", "email": f"{sub}@example.org",
            CLAIM + "message_type": message_type, CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": deployment_id or client.deployment_ids[0],
            CLAIM + "target_link_uri": target_link_uri or client.target_link_uri,
            CLAIM + "roles": list(roles),
            CLAIM + "context": {"id": context_id, "title": "CPS ethics", "label": "CPS-101"},
            CLAIM + "tool_platform": {"guid": "test-platform", "product_family_code": self.flavour},
            CLAIM + "custom": dict(custom or {}),
            CLAIM + "launch_presentation": {"document_target": "iframe", "return_url":
                                            f"{self.pages_url}/courses/{context_id}/external_tools/retrieve"},
            NRPS_CLAIM: {"context_memberships_url": f"{self.url}/nrps/{context_id}", "service_versions": ["2.0"]},
        }
        if message_type == "LtiDeepLinkingRequest":
            claims[DL_CLAIM] = {"deep_link_return_url": f"{self.pages_url}/deep-link-return/{client_id}",
                                "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets":
                                ["iframe", "window"], "accept_multiple": False, "data": "dl-data-1"}
        else:
            claims[CLAIM + "resource_link"] = {"id": resource_link_id, "title": "Ethics check"}
        if ags:
            lineitem = self.ensure_lineitem(context_id, resource_link_id)
            claims[AGS_CLAIM] = {"scope": [LINEITEM_SCOPE, LINEITEM_READ_SCOPE, RESULT_SCOPE, SCORE_SCOPE],
                                 "lineitems": f"{self.url}/ags/{context_id}/lineitems",
                                 "lineitem": f"{self.url}/ags/{context_id}/lineitems/{lineitem}"}
        return claims

    def add_member(self, context_id: str, user_id: str, roles: tuple[str, ...] = (LEARNER,), *,
                   name: str | None = None, status: str = "Active") -> dict[str, Any]:
        """Enrol someone in a course: they appear in its NRPS roster."""
        member = {"user_id": user_id, "name": name or f"Person {user_id}", "email": f"{user_id}@example.org",
                  "status": status, "roles": list(roles)}
        self.members.setdefault(context_id, []).append(member)
        return member

    def ensure_lineitem(self, context_id: str, resource_link_id: str, score_maximum: float = 10.0) -> str:
        with self._lock:
            for item_id, item in self.lineitems.items():
                if item["context"] == context_id and item["resourceLinkId"] == resource_link_id:
                    return item_id
            item_id = str(len(self.lineitems) + 1)
            self.lineitems[item_id] = {"context": context_id, "resourceLinkId": resource_link_id,
                                       "scoreMaximum": score_maximum, "label": "Ethics check"}
            return item_id

    # --- registration ----------------------------------------------------------------------------------------------
    def add_client(self, client_id: str, tool_url: str, deployment_ids: tuple[str, ...] = ("dep-1",)) -> Client:
        """Register a tool by hand, as an admin pasting the tool's URLs would."""
        client = Client(client_id=client_id, redirect_uris=[tool_url + "/lti/launch"], jwks_uri=tool_url + "/lti/jwks",
                        initiate_login_uri=tool_url + "/lti/login", target_link_uri=tool_url + "/lti/launch",
                        deployment_ids=list(deployment_ids))
        self.clients[client_id] = client
        return client

    def registration_start_url(self, tool_register_url: str) -> str:
        """The URL the platform opens (in an iframe) to start dynamic registration with a one-time token."""
        token = secrets.token_urlsafe(24)
        self.registration_tokens.add(token)
        query = {"openid_configuration": f"{self.url}/dr/openid-configuration", "registration_token": token}
        return tool_register_url + ("&" if "?" in tool_register_url else "?") + urlencode(query)

    # --- a whole launch --------------------------------------------------------------------------------------------
    def login_params(self, client_id: str, claims_overrides: dict[str, Any] | None = None, **claim_args) -> dict:
        """Start a launch: remember its claims under a fresh login hint; returns the tool's login parameters."""
        client = self.clients[client_id]
        hint = secrets.token_urlsafe(12)
        claims = self.launch_claims(client_id, **claim_args)
        claims.update(claims_overrides or {})
        self.pending[hint] = PendingLogin(client_id, claims)
        params = {"iss": self.issuer, "login_hint": hint, "target_link_uri": client.target_link_uri,
                  "lti_message_hint": "msg-" + hint, "client_id": client_id,
                  "lti_deployment_id": claims.get(CLAIM + "deployment_id", "")}
        return params

    def launch_form(self, browser: requests.Session, client_id: str, claims_overrides: dict[str, Any] | None = None,
                    **claim_args) -> tuple[str, dict[str, str]]:
        """Login at the tool and authorize here: (launch URL, form fields with id_token and state)."""
        client = self.clients[client_id]
        params = self.login_params(client_id, claims_overrides, **claim_args)
        login = browser.post(client.initiate_login_uri, data=params, allow_redirects=False, timeout=10)
        if login.status_code not in (302, 303):
            raise AssertionError(f"tool login answered {login.status_code}: {login.text[:300]}")
        auth = browser.get(login.headers["Location"], allow_redirects=False, timeout=10)
        if auth.status_code != 200:
            raise AssertionError(f"platform refused the auth request: {auth.status_code} {auth.text[:300]}")
        return parse_form(auth.text)

    def launch(self, browser: requests.Session, client_id: str, claims_overrides: dict[str, Any] | None = None,
               **claim_args) -> requests.Response:
        """A whole launch in `browser`; returns the tool's answer to the form post (redirects not followed)."""
        action, fields = self.launch_form(browser, client_id, claims_overrides, **claim_args)
        return browser.post(action, data=fields, allow_redirects=False, timeout=10)


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
