"""What the user-facing docs tell people to type exists: every `cps-assess …` command in them resolves to a real
command with real options, every `--form` names a form of the shipped bank, and every tool URL on the example host
(https://assess.example.org/…) is a route of the app. A renamed option or route, or an example naming a form that
exists only in the test fixtures, fails here instead of in front of an LMS admin."""

from __future__ import annotations

import re

import click
import pytest

from item_bank.cli import main
from tests.conftest import REPO

DOCS = ["README.md", "docs/install-moodle.md", "docs/install-canvas.md", "docs/exports.md", "docs/operations.md"]
TOOL_HOST = "assess.example.org"
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`]+)`")
COMMAND_LINE = re.compile(r"^\s*(?:\$ )?(?:[A-Z_]+=\S* )*(cps-assess\b.*)")  # `$ CPS_X=1 cps-assess ...`
STOP = {"|", ">", ">>", ";", "&&", "||", "<"}


def doc_text(name: str) -> str:
    return (REPO / name).read_text(encoding="utf-8")


def commands_in(text: str) -> list[str]:
    """Every `cps-assess …` command line: in fenced blocks (backslash continuations joined) and in code spans."""
    found: list[str] = []
    for block in FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            command = line.split(" #")[0]  # a shell comment may mention commands in prose
            if match := COMMAND_LINE.match(command):  # a command, not a line of its output
                found.append(match.group(1))
    prose = FENCE.sub("", text).replace("\n", " ")
    found += [span for span in INLINE.findall(prose) if span.strip().startswith("cps-assess ")]
    return found


def command_problems(command: str) -> list[str]:
    """What in one documented command line does not exist in the real command group (empty when all does)."""
    tokens: list[str] = []
    for token in command.split()[1:]:
        if token in STOP or token.startswith("#"):
            break
        tokens.append(token.strip("[]…,.:"))
    ctx = click.Context(main)
    current: click.Command = main
    problems: list[str] = []
    for token in filter(None, tokens):
        if isinstance(current, click.Group) and not token.startswith("-"):
            names = token.split("|")
            subs = [current.get_command(ctx, name) for name in names]
            if None in subs:
                problems.append(f"{command!r}: no command {token!r}")
                break
            if len(subs) > 1:
                break  # `platform add|list|…`: each exists; their options are not written out
            current = subs[0]
        elif token.startswith("-") and token != "-":
            option = token.split("=")[0]
            known = {o for p in current.params for o in (*p.opts, *p.secondary_opts)} | {"--help", "-h"}
            if option not in known:
                problems.append(f"{command!r}: `{current.name}` has no option {option}")
    return problems


@pytest.mark.parametrize("doc", DOCS)
def test_every_documented_command_and_option_exists(doc):
    commands = commands_in(doc_text(doc))
    assert commands, f"{doc} shows no cps-assess command"
    problems = [p for command in commands for p in command_problems(command)]
    assert problems == []


def test_the_check_catches_a_wrong_option_and_a_wrong_command():
    assert command_problems("cps-assess registration-link --base-url https://x") == []
    assert command_problems("cps-assess registration-link --public-url https://x")
    assert command_problems("cps-assess platform enable 3")


@pytest.mark.parametrize("doc", DOCS)
def test_every_documented_form_is_a_form_of_the_shipped_bank(doc, real_bank):
    forms = {form.id for form in real_bank.forms}
    named = set(re.findall(r"--form[ =]([a-z0-9][a-z0-9-]*)", doc_text(doc)))
    assert named - forms == set()


def tool_paths(text: str) -> set[str]:
    return {m.group(1) or "/" for m in re.finditer(rf"https://{re.escape(TOOL_HOST)}(/[^\s`)\"'|<>?…]*)?", text)}


@pytest.mark.parametrize("doc", ["docs/install-moodle.md", "docs/install-canvas.md"])
def test_every_tool_url_in_the_install_docs_is_a_route_of_the_app(doc, tmp_path):
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    from lti_tool import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'docs.sqlite3'}", "REDIS_URL": None})
    routes = app.url_map.bind(TOOL_HOST)
    paths = tool_paths(doc_text(doc))
    assert "/lti/login" in paths
    missing = []
    for path in sorted(paths):
        try:
            routes.match(path.rstrip(".,:;"), method="GET")
        except MethodNotAllowed:
            pass  # a route that takes POST only, such as the launch
        except NotFound:
            missing.append(path)
    assert missing == []


def test_the_moodle_page_covers_what_a_moodle_admin_meets():
    """The Moodle 4.5 flow of issue 14: the commands with --base-url, the activity chooser, the re-registration
    prompt, which attempt counts, names not shared, blocked cookies, Deep Linking and Submission Review."""
    text = " ".join(doc_text("docs/install-moodle.md").split())
    for phrase in ("cps-assess registration-link --base-url https://assess.example.org", "Show in activity chooser",
                   "Tool configuration usage", "Register as a new external tool", "This registration is already known",
                   "operations.md#which-attempt-counts", "Learner 5 (name not shared by the LMS)", "in-the-browser.md",
                   "New window", "Select content", "LtiSubmissionReviewRequest"):
        assert phrase in text, phrase


def test_the_readme_says_the_rsa_keys_are_in_the_database(tmp_path, monkeypatch):
    """A first start leaves the tool's RSA keys as database rows and only the secret key as a file, as the README's
    quick start says (it once called the keys files)."""
    from sqlalchemy import func, select

    from lti_tool.cli.app import tool_app
    from lti_tool.lti.models import ToolKey
    from lti_tool.web import db

    instance = tmp_path / "instance"
    for name in ("DATABASE_URL", "REDIS_URL", "CPS_KEY_ENCRYPTION_KEYS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CPS_INSTANCE_PATH", str(instance))
    app = tool_app()
    with db.session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(ToolKey)) == 2
    files = {p.name for p in instance.iterdir() if not p.name.startswith("cps-assess.sqlite3")}  # the database
    assert files == {"secret_key"}
    quick_start = " ".join(doc_text("README.md").split("## Quick start")[1].split("\n## ")[0].split())
    assert "the tool's RSA signing keys (rows in the database" in quick_start
    assert "RSA keys on first start (files" not in quick_start
