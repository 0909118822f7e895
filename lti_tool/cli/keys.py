"""`cps-assess keys encrypt|decrypt|list|new-encryption-key`: the tool's private keys at rest.

Attached to the `keys` group of lti_tool/cli/server.py. Every failure is one line on stderr and exit status 1
(a setting missing: 2); a failed run changes nothing (lti_tool/lti/keys_at_rest.py works in one transaction).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from lti_tool.cli.app import tool_app
from lti_tool.lti.key_encryption import ENV_NAME, KeyCipher

if TYPE_CHECKING:
    from flask import Flask
    from sqlalchemy.orm import Session

    from lti_tool.lti.keys_at_rest import StorageReport


def _run(migrate: Callable[[Session, KeyCipher], StorageReport], *,
         needs_encryption_key: bool) -> tuple[StorageReport, bool]:
    """Run one storage migration on the configured database; (report, whether encryption is configured)."""
    from sqlalchemy.exc import SQLAlchemyError

    from lti_tool.lti.key_encryption import KeyEncryptionError, cipher_of
    from lti_tool.web import db

    app = tool_app()
    if needs_encryption_key and not app.config["KEY_ENCRYPTION_KEYS"]:
        click.echo(f"error: {ENV_NAME} is not set; make a key with `cps-assess keys new-encryption-key`, set it, "
                   "then run this again.", err=True)
        sys.exit(2)
    try:
        with db.session_scope(app) as session:
            report = migrate(session, cipher_of(session))
    except KeyEncryptionError as exc:
        click.echo(f"error: {exc}; nothing was changed.", err=True)
        sys.exit(1)
    except SQLAlchemyError as exc:  # e.g. the connection dropped: the transaction was rolled back
        click.echo(f"error: the database refused the change ({type(exc).__name__}); nothing was changed.", err=True)
        sys.exit(1)
    return report, bool(app.config["KEY_ENCRYPTION_KEYS"])


@click.command("encrypt")
def keys_encrypt() -> None:
    """Encrypt the private keys with the first key of CPS_KEY_ENCRYPTION_KEYS (also re-encrypts keys sealed with
    an older encryption key, after a rotation of it). Safe to run again."""
    from lti_tool.lti.keys_at_rest import encrypt_keys

    report, _ = _run(encrypt_keys, needs_encryption_key=True)
    click.echo(f"{len(report.changed)} key(s) encrypted, {len(report.resealed)} re-encrypted with the first "
               f"encryption key, {len(report.unchanged)} already encrypted with it")


@click.command("decrypt")
def keys_decrypt() -> None:
    """Store the private keys as plain PEM again (run it before removing CPS_KEY_ENCRYPTION_KEYS). Safe to run
    again."""
    from lti_tool.lti.keys_at_rest import decrypt_keys

    report, configured = _run(decrypt_keys, needs_encryption_key=False)
    click.echo(f"{len(report.changed)} key(s) decrypted, {len(report.unchanged)} already stored as plain PEM")
    if configured:
        click.echo(f"note: new keys are encrypted again while {ENV_NAME} is set; remove it from the tool's "
                   "environment and restart.", err=True)


@click.command("list")
def keys_list() -> None:
    """The stored keys: kid, state, and whether the private key is encrypted at rest (works without the encryption
    key, to see what needs it)."""
    from lti_tool.lti.keys_at_rest import storage_of
    from lti_tool.web import db

    app = tool_app(check_keys=False)
    with db.session_scope(app) as session:
        for key, sealed in storage_of(session):
            retire = f"\tretires {key.retire_at:%Y-%m-%d %H:%M} UTC" if key.retire_at else ""
            click.echo(f"{key.kid}\t{key.state}\t{'encrypted' if sealed else 'plain PEM'}{retire}")


@click.command("new-encryption-key")
def keys_new_encryption_key() -> None:
    """Print a fresh encryption key for CPS_KEY_ENCRYPTION_KEYS (nothing is stored)."""
    from lti_tool.lti.key_encryption import new_encryption_key

    click.echo(new_encryption_key())


def unencrypted_key_note(app: Flask) -> str | None:
    """For `serve`: a reminder when encryption is configured but some keys are still stored as plain PEM."""
    from lti_tool.lti.keys_at_rest import storage_of
    from lti_tool.web import db

    if not app.config["KEY_ENCRYPTION_KEYS"]:
        return None
    with db.session_scope(app) as session:
        plain = sum(1 for _key, sealed in storage_of(session) if not sealed)
    return f"note: {plain} private key(s) still stored unencrypted; run `cps-assess keys encrypt`." if plain else None


key_storage_commands = [keys_encrypt, keys_decrypt, keys_list, keys_new_encryption_key]
