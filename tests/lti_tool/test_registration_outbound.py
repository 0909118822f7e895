"""Every URL a registration makes the tool call is checked after name resolution, before connecting: loopback,
private, link-local and multicast addresses are refused (unless CPS_REGISTRATION_ALLOWED_NETWORKS allows them),
redirects are checked hop by hop, answers are cut off by size and time. Each refusal is a clear 400 and stores
nothing.

These tests open no connection to anything but 127.0.0.1: `only_loopback_connections` fails a test that tries, and
name resolution is stubbed (`names`), so no DNS query leaves the machine.
"""

from __future__ import annotations

import ipaddress
import socket
import time

import pytest
from flask import request
from sqlalchemy import select

from lti_tool.lti.models import Platform
from lti_tool.lti.registration import create_registration_link
from lti_tool.web import db
from lti_tool.web.guarded_http import GuardedClient
from tests.lti_tool.helpers import make_app
from tests.lti_tool.hostile_platform import HostilePlatform

REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = socket.socket.connect


@pytest.fixture(autouse=True)
def only_loopback_connections(monkeypatch):
    """Any attempt to connect elsewhere than 127.0.0.1 / ::1 fails the test (the check must refuse first)."""
    def connect(sock, address):
        host = address[0] if isinstance(address, tuple) else ""
        if host and ipaddress.ip_address(host.split("%")[0]) not in (ipaddress.ip_address("127.0.0.1"),
                                                                     ipaddress.ip_address("::1")):
            raise AssertionError(f"the tool tried to connect to {address}")
        return REAL_CONNECT(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def names(monkeypatch) -> dict[str, list[str]]:
    """Stubbed DNS: a test maps names to addresses; numeric hosts resolve as usual; other names do not exist."""
    table: dict[str, list[str]] = {}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if isinstance(host, bytes):
            host = host.decode()
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                     (a, port) if ":" not in a else (a, port, 0, 0)) for a in table[host]]
        return REAL_GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def lms_host():
    started = HostilePlatform().start()
    yield started
    started.stop()


@pytest.fixture
def strict_tool(tmp_path, sqlite_url):
    """The tool as deployed: no network allowed beyond public addresses."""
    return make_app(tmp_path, sqlite_url, REGISTRATION_ALLOWED_NETWORKS=())


@pytest.fixture
def dev_tool(tmp_path, sqlite_url):
    """The tool as the tests run it: 127.0.0.1/32 allowed (the test LMS's own address), nothing else."""
    return make_app(tmp_path, sqlite_url, HTTP_TIMEOUT_SECONDS=1)


def register(app, config_url: str):
    """The admin's confirmation post with a one-time link (so nothing but the addresses can refuse it)."""
    with db.session_scope(app) as session:
        link = create_registration_link(session)
    return app.test_client().post("/lti/register", data={"openid_configuration": config_url,
                                                          "registration_token": "token-1", "link": link})


def refused_for(page, *words: str) -> None:
    """A 400 page whose explanation contains `words`, with nothing stored."""
    text = page.get_data(as_text=True).replace("&#39;", "'")
    assert page.status_code == 400, text
    assert "The registration did not complete" in text
    for word in words:
        assert word in text, text


def nothing_stored(app) -> bool:
    with db.session_scope(app) as session:
        return session.execute(select(Platform)).first() is None


def test_the_test_lms_registers_when_its_address_is_allowed(dev_tool, lms_host):
    """The control: the same LMS at 127.0.0.1, allowed by CPS_REGISTRATION_ALLOWED_NETWORKS, registers."""
    assert register(dev_tool, lms_host.config_url("lms-a")).status_code == 200
    assert not nothing_stored(dev_tool)


def test_loopback_is_refused_before_connecting(strict_tool, lms_host):
    refused_for(register(strict_tool, lms_host.config_url("lms-a")), "127.0.0.1 is a loopback address")
    assert lms_host.requests == [] and nothing_stored(strict_tool)


@pytest.mark.parametrize(("url", "kind"), [
    ("https://10.0.0.5/lms/openid-configuration", "10.0.0.5 is a private address"),
    ("https://192.168.1.20/openid-configuration", "192.168.1.20 is a private address"),
    ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
    ("https://[::1]:8443/openid-configuration", "::1 is a loopback address"),
    ("https://[::ffff:127.0.0.1]/openid-configuration", "is a loopback address"),
    ("https://[fd00::5]/openid-configuration", "fd00::5 is a private address"),
    ("https://224.0.0.251/openid-configuration", "224.0.0.251 is a multicast address"),
    ("https://0.0.0.0/openid-configuration", "0.0.0.0 is an unspecified address"),
], ids=["10.x", "192.168.x", "169.254.x metadata", "ipv6 loopback", "ipv4-mapped loopback", "ipv6 private",
        "multicast", "unspecified"])
def test_non_public_addresses_are_refused(strict_tool, url, kind):
    refused_for(register(strict_tool, url), kind, "the tool only calls public addresses")
    assert nothing_stored(strict_tool)


def test_a_name_that_resolves_to_loopback_is_refused(strict_tool, lms_host, names):
    names["lms.example.test"] = ["127.0.0.1"]
    url = f"http://lms.example.test:{lms_host.port}/lms-a/openid-configuration"
    refused_for(register(strict_tool, url), "lms.example.test is a loopback address (it resolves to 127.0.0.1)")
    assert lms_host.requests == [] and nothing_stored(strict_tool)


def test_a_name_with_one_private_address_among_public_ones_is_refused(strict_tool, names):
    """DNS rebinding by a second record: every address must pass, not only the first."""
    names["lms.example.test"] = ["93.184.215.14", "10.1.2.3"]
    refused_for(register(strict_tool, "https://lms.example.test/openid-configuration"),
                "resolves to 10.1.2.3")


def test_plain_http_to_a_public_address_is_refused(strict_tool, names):
    names["lms.example.test"] = ["93.184.215.14"]
    refused_for(register(strict_tool, "http://lms.example.test/openid-configuration"), "plain http")


def test_a_name_that_does_not_resolve_is_refused(strict_tool):
    refused_for(register(strict_tool, "https://no-such-lms.example.test/openid-configuration"),
                "could not be resolved")


@pytest.mark.parametrize("target", ["http://127.0.0.2:{port}/lms-a/openid-configuration",
                                    "http://metadata.example.test/latest/meta-data/"],
                         ids=["another loopback address", "a name for the metadata service"])
def test_a_redirect_to_a_refused_address_is_not_followed(dev_tool, lms_host, names, target):
    names["metadata.example.test"] = ["169.254.169.254"]
    start = f"{lms_host.url}/redirect?to={target.format(port=lms_host.port)}"
    refused_for(register(dev_tool, start), "the tool only calls public addresses")
    assert lms_host.requests == ["GET /redirect"] and nothing_stored(dev_tool)


def test_a_redirect_loop_is_refused(dev_tool, lms_host):
    refused_for(register(dev_tool, f"{lms_host.url}/loop"), "more than 3 redirects")
    assert lms_host.requests == ["GET /loop"] * 4


def test_an_allowed_redirect_is_followed_and_the_bearer_token_stays_with_the_first_host(lms_host, names):
    """A redirect inside the allowed addresses works (LMSs move pages); the token is not sent to another host."""
    names["moved.example.test"] = ["127.0.0.1"]
    moved = f"http://moved.example.test:{lms_host.port}/lms-a/openid-configuration"
    tokens: list[str | None] = []
    lms_host.app.before_request(lambda: tokens.append(request.headers.get("Authorization")))
    answer = GuardedClient(["127.0.0.1/32"], timeout=2).get(f"{lms_host.url}/redirect?to={moved}",
                                                            headers={"Authorization": "Bearer t-1"})
    assert answer.ok and answer.json()["issuer"] == lms_host.issuer("lms-a")
    assert lms_host.requests == ["GET /redirect", "GET /lms-a/openid-configuration"]
    assert tokens == ["Bearer t-1", None]


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "announced in Content-Length"])
def test_a_50_megabyte_answer_is_refused(dev_tool, lms_host, declared):
    started = time.monotonic()
    refused_for(register(dev_tool, f"{lms_host.url}/huge" + ("?declared=1" if declared else "")),
                "larger than 262144 bytes")
    assert time.monotonic() - started < 5 and nothing_stored(dev_tool)


@pytest.mark.parametrize("path", ["/slow", "/drip"], ids=["no answer", "a byte at a time"])
def test_a_slow_answer_is_refused(dev_tool, lms_host, path):
    started = time.monotonic()
    refused_for(register(dev_tool, lms_host.url + path), "no complete answer within 1 seconds")
    assert time.monotonic() - started < 2.5 and nothing_stored(dev_tool)


@pytest.mark.parametrize("field", ["registration_endpoint", "jwks_uri", "token_endpoint"])
def test_the_platforms_other_addresses_are_checked_before_any_call(dev_tool, lms_host, field):
    """The configuration is fine, but an address in it points inside the network: nothing is called or stored."""
    lms_host.configs["lms-a"] = {field: "https://10.0.0.7/lti/" + field}
    refused_for(register(dev_tool, lms_host.config_url("lms-a")), f"{field} was refused",
                "10.0.0.7 is a private address")
    assert lms_host.requests == ["GET /lms-a/openid-configuration"] and nothing_stored(dev_tool)


def test_environment_proxies_cannot_bypass_the_check(monkeypatch, lms_host):
    """A proxy would connect on the tool's behalf without the address check; registration calls ignore them."""
    monkeypatch.setenv("HTTP_PROXY", "http://10.9.9.9:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.9.9.9:3128")
    answer = GuardedClient(["127.0.0.1/32"], timeout=2).get(lms_host.config_url("lms-a"))
    assert answer.ok and answer.json()["issuer"] == lms_host.issuer("lms-a")
