"""The tool's keys: published at both JWKS URLs, rotated without breaking platforms, used for client assertions
whose access tokens are cached in the shared store (database or Redis)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

from item_bank.cli import main
from lti_tool.lti.keys import ensure_keys, jwks, rotate, signing_key
from lti_tool.lti.models import Platform
from lti_tool.lti.service_tokens import AGS_SCORE_SCOPES, connector_for
from lti_tool.web import db

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi"}


def kids(app) -> list[str]:
    with db.session_scope(app) as session:
        return [k["kid"] for k in jwks(session)["keys"]]


def test_jwks_is_published_at_both_addresses_without_private_parts(live_tool, browser):
    with db.session_scope(live_tool.app) as session:
        ensure_keys(session)
    lti = browser.get(live_tool.url + "/lti/jwks").json()
    well_known = browser.get(live_tool.url + "/.well-known/jwks.json").json()
    assert lti == well_known
    assert len(lti["keys"]) == 2
    for key in lti["keys"]:
        assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig"
        assert not PRIVATE_MEMBERS & key.keys()


def test_rotation_signs_with_the_published_next_key_and_keeps_the_old_one_for_the_grace_period(app):
    with db.session_scope(app) as session:
        first = signing_key(session).kid
    [published_current, published_next] = kids(app)
    assert published_current == first

    with db.session_scope(app) as session:
        current, upcoming = rotate(session, grace_seconds=3600)
        assert current.kid == published_next
        assert signing_key(session).kid == published_next
    assert kids(app) == [first, published_next, upcoming.kid]

    later = datetime.now(UTC) + timedelta(hours=2)
    with db.session_scope(app) as session:
        rotate(session, grace_seconds=3600, now=later)
    assert first not in kids(app)


def test_keys_rotate_command(live_tool):
    before = kids(live_tool.app)
    env = {"DATABASE_URL": live_tool.app.config["DATABASE_URL"], "CPS_INSTANCE_PATH": live_tool.app.instance_path}
    result = CliRunner().invoke(main, ["keys", "rotate"], env=env)
    assert result.exit_code == 0, result.output
    assert f"now signing with {before[1]}" in result.output
    assert kids(live_tool.app)[:2] == before


def _access_token_story(tool, platform):
    """Two connectors (as two requests or workers would) get one token; after a rotation the platform
    still accepts the tool's client assertion."""
    with db.session_scope(tool.app) as session:
        row = session.query(Platform).one()
        first = connector_for(row, session, tool.app).get_access_token(AGS_SCORE_SCOPES)
        second = connector_for(row, session, tool.app).get_access_token(AGS_SCORE_SCOPES)
    assert first == second
    assert platform.tokens_issued == 1

    with db.session_scope(tool.app) as session:
        rotate(session, grace_seconds=3600)
        row = session.query(Platform).one()
        connector = connector_for(row, session, tool.app)
        connector._store.delete(connector._scope_key(AGS_SCORE_SCOPES))
        assert connector.get_access_token(AGS_SCORE_SCOPES) != first
    assert platform.tokens_issued == 2


def test_access_tokens_are_cached_in_the_database_store(registered, platform):
    _access_token_story(registered, platform)


def test_access_tokens_are_cached_in_redis(live_tool_factory, sqlite_url, platform, redis_url, redis_prefix):
    from tests.lti_tool.helpers import register_by_hand

    tool = live_tool_factory(sqlite_url, REDIS_URL=redis_url, REDIS_PREFIX=redis_prefix)
    register_by_hand(tool, platform)
    _access_token_story(tool, platform)
    from tests.lti_platform import Browser

    assert platform.launch(Browser(), "client-1").status_code == 303
