"""The tool's private keys at rest (issue 12, point 4): sealed with Fernet when CPS_KEY_ENCRYPTION_KEYS is set, moved
both ways by `cps-assess keys encrypt|decrypt` (idempotent, one transaction, never losing a key), re-sealed after a
rotation of the encryption key, and one current (and one next) key enforced by the database. SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from cryptography.fernet import Fernet
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from item_bank.cli import main
from lti_tool.lti.keys import ensure_keys, jwks, new_key, signing_key
from lti_tool.lti.models import Platform, ToolKey
from lti_tool.web import db
from tests.lti_tool.helpers import make_app, register_by_hand

FIRST = Fernet.generate_key().decode()
SECOND = Fernet.generate_key().decode()


def stored(app) -> dict[str, str]:
    """kid -> the private-key column exactly as the database holds it."""
    with db.engine_of(app).connect() as conn:
        return dict(conn.execute(text("SELECT kid, private_pem FROM lti_tool_keys ORDER BY id")).all())


def cli(app, *args: str, encryption_keys: str | None = None):
    env = {"DATABASE_URL": app.config["DATABASE_URL"], "CPS_INSTANCE_PATH": app.instance_path,
           "CPS_KEY_ENCRYPTION_KEYS": encryption_keys}
    return CliRunner().invoke(main, ["keys", *args], env=env)


def assert_one_line_error(result, exit_code: int, words: str) -> None:
    assert result.exit_code == exit_code, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0], result.stderr


def test_with_the_encryption_key_set_no_pem_is_stored_and_the_tool_signs_and_publishes(
        live_tool_factory, database_url, platform, browser):
    from lti_tool.lti.service_tokens import AGS_SCORE_SCOPES, connector_for

    tool = live_tool_factory(database_url, KEY_ENCRYPTION_KEYS=(FIRST,))
    register_by_hand(tool, platform)
    published = browser.get(tool.url + "/lti/jwks").json()["keys"]
    assert len(published) == 2
    rows = stored(tool.app)
    assert set(rows) == {k["kid"] for k in published}
    assert all("BEGIN" not in value and value.startswith("fernet:") for value in rows.values())
    # The platform's token endpoint verifies the tool's client assertion with the key set the tool publishes.
    with db.session_scope(tool.app) as session:
        row = session.query(Platform).one()
        assert connector_for(row, session, tool.app).get_access_token(AGS_SCORE_SCOPES)
    assert platform.tokens_issued == 1


def test_encrypt_then_decrypt_gives_back_the_same_keys_and_both_are_idempotent(tmp_path, database_url):
    app = make_app(tmp_path, database_url)
    with db.session_scope(app) as session:
        ensure_keys(session)
    plain = stored(app)
    assert all(value.startswith("-----BEGIN PRIVATE KEY-----") for value in plain.values())

    result = cli(app, "encrypt", encryption_keys=FIRST)
    assert result.exit_code == 0, result.output
    assert "2 key(s) encrypted, 0 re-encrypted with the first encryption key, 0 already" in result.stdout
    sealed = stored(app)
    assert set(sealed) == set(plain) and not any("BEGIN" in value for value in sealed.values())
    again = cli(app, "encrypt", encryption_keys=FIRST)
    assert "0 key(s) encrypted, 0 re-encrypted with the first encryption key, 2 already" in again.stdout
    assert stored(app) == sealed

    with db.session_scope(make_app(tmp_path, database_url, KEY_ENCRYPTION_KEYS=(FIRST,))) as session:
        current = signing_key(session)
    assert current.private_pem == plain[current.kid]

    result = cli(app, "decrypt", encryption_keys=FIRST)
    assert result.exit_code == 0, result.output
    assert "2 key(s) decrypted, 0 already stored as plain PEM" in result.stdout
    assert stored(app) == plain
    again = cli(app, "decrypt")  # idempotent, and needs no encryption key once nothing is sealed
    assert again.exit_code == 0 and "0 key(s) decrypted, 2 already stored as plain PEM" in again.stdout
    assert stored(app) == plain


def test_rotating_the_encryption_key_re_encrypts_with_the_first_and_the_old_key_alone_stops_working(
        tmp_path, database_url):
    app = make_app(tmp_path, database_url, KEY_ENCRYPTION_KEYS=(FIRST,))
    with db.session_scope(app) as session:
        ensure_keys(session)  # created sealed with FIRST, as a tool running with the variable set does
        kid = signing_key(session).kid
    assert not any("BEGIN" in value for value in stored(app).values())

    result = cli(app, "encrypt", encryption_keys=f"{SECOND},{FIRST}")
    assert result.exit_code == 0, result.output
    assert "0 key(s) encrypted, 2 re-encrypted with the first encryption key, 0 already" in result.stdout
    assert all(Fernet(SECOND).decrypt(value.removeprefix("fernet:").encode()) for value in stored(app).values())

    with db.session_scope(make_app(tmp_path, database_url, KEY_ENCRYPTION_KEYS=(SECOND,))) as session:
        assert signing_key(session).kid == kid  # the new key alone now opens every key
    assert cli(app, "rotate", encryption_keys=SECOND).exit_code == 0
    with db.session_scope(app) as session:
        fresh = session.execute(select(ToolKey).where(ToolKey.state == ToolKey.NEXT)).scalar_one()
        assert Fernet(SECOND).decrypt(fresh.private_key.removeprefix("fernet:").encode())

    before = stored(app)
    assert_one_line_error(cli(app, "encrypt", encryption_keys=FIRST), 1, "cannot be decrypted with any key")
    assert_one_line_error(cli(app, "decrypt"), 1, "is encrypted but CPS_KEY_ENCRYPTION_KEYS is not set")
    assert stored(app) == before


def test_bad_settings_and_missing_keys_are_one_line_errors_that_change_nothing(tmp_path, database_url):
    app = make_app(tmp_path, database_url)
    with db.session_scope(app) as session:
        ensure_keys(session)
    plain = stored(app)
    assert_one_line_error(cli(app, "encrypt"), 2, "CPS_KEY_ENCRYPTION_KEYS is not set")
    assert_one_line_error(cli(app, "encrypt", encryption_keys="not-a-key"), 2, "entry 1 is not a Fernet key")
    assert_one_line_error(cli(app, "encrypt", encryption_keys=f"{FIRST},{FIRST[:-2]}"), 2, "entry 2")
    assert stored(app) == plain

    new_key_result = CliRunner().invoke(main, ["keys", "new-encryption-key"])
    assert new_key_result.exit_code == 0 and Fernet(new_key_result.stdout.strip())

    assert cli(app, "encrypt", encryption_keys=FIRST).exit_code == 0
    listing = cli(app, "list")  # works without the encryption key, to show what needs it
    assert listing.exit_code == 0 and listing.stdout.count("\tencrypted") == 2
    assert_one_line_error(cli(app, "rotate"), 1, "is encrypted but CPS_KEY_ENCRYPTION_KEYS is not set")


def test_the_database_allows_one_current_and_one_next_key(tmp_path, database_url):
    app = make_app(tmp_path, database_url)
    with db.session_scope(app) as session:
        ensure_keys(session)
    for state in (ToolKey.CURRENT, ToolKey.NEXT):
        with pytest.raises(IntegrityError), db.session_scope(app) as session:
            session.add(new_key(state))
    with db.session_scope(app) as session:  # previous keys are not limited
        for _ in range(2):
            session.add(new_key(ToolKey.PREVIOUS))
    with db.session_scope(app) as session:
        states = sorted(k.state for k in session.execute(select(ToolKey)).scalars())
    assert states == ["current", "next", "previous", "previous"]


def test_the_migration_keeps_extra_current_keys_published_and_refuses_to_downgrade_sealed_keys(
        tmp_path, database_url):
    from alembic import command

    app = make_app(tmp_path, database_url)
    cfg = db.alembic_config(app.config["DATABASE_URL"])
    with db.engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0006_submission_review")
    with db.session_scope(app) as session:  # what a race could leave before the index existed
        first = new_key(ToolKey.CURRENT)
        session.add(first)
        session.flush()
        session.add_all([new_key(ToolKey.CURRENT), new_key(ToolKey.NEXT)])
    db.upgrade(app)
    with db.session_scope(app) as session:
        rows = session.execute(select(ToolKey).order_by(ToolKey.id)).scalars().all()
        assert [k.state for k in rows] == ["current", "previous", "next"]
        assert rows[1].retire_at > datetime.now(UTC)
        assert {k["kid"] for k in jwks(session)["keys"]} == {k.kid for k in rows}
        assert signing_key(session).kid == first.kid

    assert cli(app, "encrypt", encryption_keys=FIRST).exit_code == 0
    with db.engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        with pytest.raises(RuntimeError, match="run `cps-assess keys decrypt`"):
            command.downgrade(cfg, "0006_submission_review")
    assert cli(app, "decrypt", encryption_keys=FIRST).exit_code == 0
    with db.engine_of(app).begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0006_submission_review")
        command.upgrade(cfg, "heads")
