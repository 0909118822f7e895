"""Outbound HTTP on a stranger's say-so (dynamic registration): public addresses only, bounded answers.

A registration makes the tool fetch URLs that whoever opened /lti/register chose. Every such request goes through
`GuardedClient`: the host is resolved once and every address it resolves to must be public (not loopback, private,
link-local, multicast or reserved) unless it lies in a network the operator allowed
(`CPS_REGISTRATION_ALLOWED_NETWORKS`: development, or an LMS on the private network); the connection then goes to
that checked address, so a second DNS answer cannot slip in between the check and the connect. Plain http is only
for allowed networks. Redirects are followed a few hops, each checked the same way. An answer larger than
MAX_ANSWER_BYTES or slower than the deadline is abandoned. Environment proxies are ignored (they would bypass the
check).
"""

from __future__ import annotations

import ipaddress
import json
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from lti_tool.web.http_client import USER_AGENT

MAX_ANSWER_BYTES = 256 * 1024
MAX_REDIRECTS = 3
READ_CHUNK = 16 * 1024
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Not private by Python's tables, but they reach internal hosts: NAT64 and 6to4 embed an IPv4 address.
_EMBEDDING = tuple(ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16"))


class FetchRefused(requests.RequestException):
    """A URL the tool will not call, or an answer it will not read; the message says which and why."""


def parse_networks(values: str | Iterable[str]) -> tuple[Network, ...]:
    """'127.0.0.1/32, 10.0.0.0/8' (or a list of such) -> networks; a bad entry raises ValueError naming it."""
    items = values.split(",") if isinstance(values, str) else list(values)
    networks = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP network; write e.g. 127.0.0.1/32 or 10.20.0.0/16") from None
    return tuple(networks)


def kind_of(address: Address) -> str | None:
    """Why an address is not public ('loopback', 'private', ...), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, flag in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                       ("multicast", address.is_multicast), ("unspecified", address.is_unspecified),
                       ("reserved", address.is_reserved), ("private", address.is_private)):
        if flag:
            return kind
    if not address.is_global or any(address in net for net in _EMBEDDING):
        return "non-public"
    return None


def checked_addresses(host: str, port: int, allowed: tuple[Network, ...]) -> list[Address]:
    """Every address `host` resolves to, once each; FetchRefused when any is not public and not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise FetchRefused(f"the host {host} could not be resolved") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    if not addresses:
        raise FetchRefused(f"the host {host} could not be resolved")
    for address in addresses:
        kind = kind_of(address)
        if kind and not any(address in net for net in allowed):
            shown = "" if host.strip("[]") == str(address) else f" (it resolves to {address})"
            article = "an" if kind[0] in "aeiou" else "a"
            raise FetchRefused(f"{host} is {article} {kind} address{shown}; the tool only calls public addresses")
    return addresses


def check_url(url: str, allowed: tuple[Network, ...]) -> list[Address]:
    """A URL the tool may call: http(s), a host whose addresses pass `checked_addresses`, https unless allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"{_short(url)} is not an http(s) address")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchRefused(f"{_short(url)} has an invalid port") from None
    addresses = checked_addresses(parts.hostname, port, allowed)
    if parts.scheme == "http" and not all(any(a in net for net in allowed) for a in addresses):
        raise FetchRefused(f"{_short(url)} uses plain http; the platform's addresses must use https")
    return addresses


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "..."


class _CheckedAdapter(HTTPAdapter):
    """Connects to the address `check_url` approved (pinned), keeping the host name for Host, SNI and the
    certificate check."""

    def __init__(self, allowed: tuple[Network, ...]) -> None:
        super().__init__(max_retries=0)
        self._allowed = allowed

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # type: ignore[override]
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        [address, *_] = check_url(request.url or "", self._allowed)
        host, port = host_params["host"], host_params["port"]
        request.headers = CaseInsensitiveDict(request.headers or {})
        shown = f"[{host}]" if ":" in host else host
        request.headers["Host"] = shown if port is None else f"{shown}:{port}"
        if host_params["scheme"] == "https":
            pool_kwargs["assert_hostname"] = host
            pool_kwargs["server_hostname"] = host
        host_params["host"] = str(address)
        return host_params, pool_kwargs


@dataclass(frozen=True)
class Answer:
    """A bounded answer: status and body (at most MAX_ANSWER_BYTES)."""

    status: int
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; FetchRefused when it is not JSON."""
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than Python's stack
            raise FetchRefused("the answer is not JSON") from None


class GuardedClient:
    """GET and POST for registration: checked addresses, at most `timeout` seconds and MAX_ANSWER_BYTES each."""

    def __init__(self, allowed_networks: str | Iterable[str], timeout: float,
                 max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self._allowed = parse_networks(allowed_networks)
        self._timeout = timeout
        self._max_bytes = max_bytes

    def check(self, url: str) -> None:
        """Raise FetchRefused unless the tool may call `url` (for URLs stored now and called later)."""
        check_url(url, self._allowed)

    def get(self, url: str, headers: dict[str, str] | None = None) -> Answer:
        return self._fetch("GET", url, headers or {})

    def post_json(self, url: str, body: Any, headers: dict[str, str] | None = None) -> Answer:
        """A POST of `body` as JSON; a redirect is not followed (it is the answer)."""
        return self._fetch("POST", url, headers or {}, body)

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.trust_env = False
        session.headers["User-Agent"] = USER_AGENT
        adapter = _CheckedAdapter(self._allowed)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session

    def _fetch(self, method: str, url: str, headers: dict[str, str], body: Any = None) -> Answer:
        """One call; a GET follows up to MAX_REDIRECTS redirects, each target checked before it is called and no
        redirect body read. The Authorization header goes to the first host only."""
        started = time.monotonic()
        try:
            with self._session() as session:
                for _ in range(MAX_REDIRECTS + 1):
                    if time.monotonic() - started > self._timeout:
                        raise FetchRefused(f"no complete answer within {self._timeout:g} seconds")
                    check_url(url, self._allowed)
                    with session.request(method, url, headers=headers, json=body, stream=True,
                                         allow_redirects=False, timeout=(self._timeout, self._timeout)) as response:
                        if not (method == "GET" and response.is_redirect):
                            return Answer(response.status_code, self._body(response, started))
                        target = urljoin(url, response.headers["Location"])
                    if urlsplit(target).netloc != urlsplit(url).netloc:
                        headers = {k: v for k, v in headers.items() if k.lower() != "authorization"}
                    url = target
                raise FetchRefused(f"more than {MAX_REDIRECTS} redirects")
        except FetchRefused:
            raise
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise FetchRefused(f"no complete answer within {self._timeout:g} seconds") from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise FetchRefused(f"the connection failed ({type(exc).__name__})") from None

    def _body(self, response: requests.Response, started: float) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise FetchRefused(f"the answer is larger than {self._max_bytes} bytes")
        body = bytearray()
        while True:
            if time.monotonic() - started > self._timeout:
                raise FetchRefused(f"no complete answer within {self._timeout:g} seconds")
            chunk = response.raw.read1(READ_CHUNK, decode_content=True)
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > self._max_bytes:
                raise FetchRefused(f"the answer is larger than {self._max_bytes} bytes")
