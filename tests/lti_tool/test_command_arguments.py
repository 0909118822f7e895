"""The tool's commands check what they are given where it enters: `serve` refuses a port out of range or in use
before it prints any URL, `platform add` refuses a malformed issuer, URL, client id or deployment id, and
`registration-link` a base URL that is not one. Each refusal is one `error:` line and exit status, never a
traceback, and nothing is stored or started."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from item_bank.cli import main
from lti_tool.cli import server

GOOD = {"--issuer": "https://lms.example.edu", "--client-id": "c-1",
        "--auth-login-url": "https://lms.example.edu/auth", "--token-url": "https://lms.example.edu/token",
        "--keyset-url": "https://lms.example.edu/jwks", "--deployment-id": "d-1"}


@pytest.fixture
def run(tmp_path, monkeypatch):
    started: list[tuple] = []
    monkeypatch.setattr(server, "_run", lambda *args: started.append(args))
    env = {"CPS_INSTANCE_PATH": str(tmp_path / "instance"), "DATABASE_URL": None, "REDIS_URL": None,
           "CPS_PUBLIC_URL": None}

    def invoke(*args: str):
        result = CliRunner().invoke(main, list(args), env=env)
        result.started = started
        return result
    return invoke


def assert_refused(result, status: int, words: str) -> None:
    assert result.exit_code == status, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.output
    assert not result.started


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_refuses_a_port_out_of_range_before_printing_urls(run, port):
    assert_refused(run("serve", "--port", port), 2, f"--port {port} is not a port")


def test_serve_on_a_busy_port_says_so_before_printing_urls(run):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert_refused(run("serve", "--port", str(port)), 1, f"cannot listen on 127.0.0.1:{port}")


def test_serve_on_a_free_port_prints_the_urls_and_starts(run):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("serve", "--port", str(port))
    assert result.exit_code == 0, result.output
    assert f"http://127.0.0.1:{port}/lti/login" in result.output and result.started


def platform_add(run, **changes: str):
    options = {**GOOD, **changes}
    return run("platform", "add", *[part for option, value in options.items() for part in (option, value)])


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--issuer", "https://lms.example.edu ", "--issuer 'https://lms.example.edu ' has spaces around it"),
    ("--issuer", " https://lms.example.edu", "has spaces around it"),
    ("--keyset-url", "https://", "--keyset-url 'https://' is not a URL"),
    ("--auth-login-url", "https://lms.example.edu/a path", "--auth-login-url 'https://lms.example.edu/a path' is not"),
    ("--token-url", "lms.example.edu/token", "--token-url 'lms.example.edu/token' is not a URL"),
    ("--client-id", "", "--client-id is empty"),
    ("--client-id", "c 1", "--client-id 'c 1' has spaces"),
    ("--deployment-id", "", "--deployment-id is empty"),
])
def test_platform_add_refuses_malformed_input_in_one_line(run, option, value, words):
    assert_refused(platform_add(run, **{option: value}), 2, words)
    listed = run("platform", "list")
    assert "no platforms registered" in listed.output


def test_platform_add_takes_well_formed_input(run):
    result = platform_add(run)
    assert result.exit_code == 0, result.output
    assert "added platform" in result.output


@pytest.mark.parametrize("base_url", ["not-a-url", "https://", "https://tool.example.org /x"])
def test_registration_link_refuses_a_base_url_that_is_not_a_url(run, base_url):
    assert_refused(run("registration-link", "--base-url", base_url), 2, f"--base-url {base_url!r}")


def test_registration_link_prints_a_link_on_a_good_base_url(run):
    result = run("registration-link", "--base-url", "https://tool.example.org/")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("https://tool.example.org/lti/register?link=")
