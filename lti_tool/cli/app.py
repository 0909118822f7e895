"""The app the tool's commands work on: migrated, keys in place, every failure one line."""

from __future__ import annotations

import sys
from typing import Any

import click


def tool_app(*, check_keys: bool = True, **overrides: Any):
    """The app on its configured database, migrated, with its keys in place and (unless check_keys is false)
    readable with the configured encryption keys; exits 1 with a one-line error. Building the app starts no grade
    sender: only the server's workers and `grades worker` send grades (`grades send` drains once, on demand), so a
    command such as `platform add` cannot post a score while it runs."""
    from lti_tool import create_app
    from lti_tool.lti.key_encryption import KeyEncryptionError
    from lti_tool.lti.keys import check_keys_readable, ensure_keys
    from lti_tool.web import db

    try:
        app = create_app(overrides)
    except ValueError as exc:  # a malformed setting: lti_tool/web/config.py names it
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    try:
        db.upgrade(app)
        with db.session_scope(app) as session:
            ensure_keys(session)
            if check_keys:
                check_keys_readable(session)
    except KeyEncryptionError as exc:  # keys sealed with another encryption key, or CPS_KEY_ENCRYPTION_KEYS unset
        click.echo(f"error: {exc}.", err=True)
        sys.exit(1)
    except Exception as exc:  # a wrong DATABASE_URL or an unreachable database: say so, no traceback
        click.echo(f"error: cannot open the tool's database: {type(exc).__name__}: {str(exc).splitlines()[0]}. "
                   "Check DATABASE_URL.", err=True)
        sys.exit(1)
    return app
