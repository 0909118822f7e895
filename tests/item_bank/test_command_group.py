"""`cps-assess` lives at the bottom (item_bank.cli) and gets the other packages' commands from entry points
(issue 13, point 2): a command whose extra is not installed is left out of the list and, when called, says in one
line which extra to install."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import item_bank.cli as cli
from item_bank.cli import main, missing_for

TOOL_COMMANDS = ("serve", "platform", "keys", "registration-link", "grades", "regrade")


def test_the_exports_and_the_tool_arrive_through_entry_points():
    names = set(main.list_commands(None))
    assert {"validate", "lint", "stats", "forms", "audit", "revisions"} <= names  # the group's own
    assert {"export", "formats", "import", *TOOL_COMMANDS} <= names  # entry points (the lti extra is installed here)


def test_an_extras_requirements_are_read_from_the_distribution_metadata():
    requires = ['click>=8.1', 'flask>=3.1; extra == "lti"', 'no-such-package-cps>=1; extra == "lti"',
                "redis>=5; extra == 'redis'", 'cps-assess[lti]; extra == "postgres"']
    assert missing_for(["lti"], requires) == ["no-such-package-cps"]
    assert missing_for(["redis"], requires) == []  # installed in the test environment
    assert missing_for(["postgres"], requires) == []  # the distribution itself is never "missing"


@pytest.fixture
def without_the_tool(monkeypatch):
    """As if installed without the lti extra: flask and gunicorn missing."""
    monkeypatch.setattr(cli, "missing_for", lambda extras, _requires: ["flask", "gunicorn"] if "lti" in extras else [])


@pytest.mark.parametrize("args", [["serve"], ["serve", "--port", "8001"], ["grades", "send"], ["platform", "--help"]])
def test_a_command_without_its_extra_says_in_one_line_which_extra_to_install(without_the_tool, args):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line == (f"error: `cps-assess {args[0]}` needs the lti extra, which is not installed (flask, gunicorn "
                    "missing): pip install 'cps-assess[lti]'")


def test_help_lists_only_what_is_installed_and_says_how_to_get_the_rest(without_the_tool):
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    listed = result.stdout.split("Commands:")[1].split("Not installed")[0]
    assert "export" in listed and "validate" in listed
    assert not any(f"\n  {name} " in listed for name in TOOL_COMMANDS)
    assert "Not installed (pip install 'cps-assess[lti]'):" in result.stdout
    assert "grades, keys, platform, registration-link, regrade, serve" in result.stdout
    assert CliRunner().invoke(main, ["export", "--help"]).exit_code == 0  # the exports need no extra
