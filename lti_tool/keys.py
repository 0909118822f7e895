"""The tool's RSA keys: stored in the database, published as a JWKS, rotated without breaking platforms.

There is always a `current` key (signs) and a `next` key (published, not yet used). `rotate` makes the next key
current, keeps the old current one published as `previous` for a grace period, and publishes a fresh next key:
a platform that cached our key set since the last rotation already knows the key we start signing with.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Blueprint, jsonify
from jwcrypto.jwk import JWK
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from lti_tool.db import get_session
from lti_tool.models import ToolKey

bp = Blueprint("keys", __name__)

KEY_BITS = 2048


def new_key(state: str) -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    jwk = JWK.from_pem(pem.encode("ascii"))
    kid = jwk.thumbprint()
    public = json.loads(jwk.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return ToolKey(kid=kid, private_pem=pem, public_jwk=public, state=state)


def ensure_keys(session: Session) -> ToolKey:
    """The current signing key, creating the current and next keys on first start."""
    current = session.execute(select(ToolKey).where(ToolKey.state == ToolKey.CURRENT)).scalars().first()
    if current is None:
        current = new_key(ToolKey.CURRENT)
        session.add(current)
    has_next = session.execute(select(ToolKey.id).where(ToolKey.state == ToolKey.NEXT)).first()
    if not has_next:
        session.add(new_key(ToolKey.NEXT))
    session.commit()
    return current


def signing_key(session: Session) -> ToolKey:
    """The key the tool signs with now (client assertions, deep-linking responses)."""
    current = session.execute(select(ToolKey).where(ToolKey.state == ToolKey.CURRENT)).scalars().first()
    return current if current is not None else ensure_keys(session)


def published_keys(session: Session, now: datetime | None = None) -> list[ToolKey]:
    now = now or datetime.now(UTC)
    keys = session.execute(select(ToolKey).order_by(ToolKey.id)).scalars().all()
    return [k for k in keys if k.state != ToolKey.PREVIOUS or (k.retire_at is not None and k.retire_at > now)]


def jwks(session: Session) -> dict[str, Any]:
    """The published key set (creating the keys on first use, so it is never empty)."""
    ensure_keys(session)
    return {"keys": [k.public_jwk for k in published_keys(session)]}


def rotate(session: Session, grace_seconds: int, now: datetime | None = None) -> tuple[ToolKey, ToolKey]:
    """Sign with the published next key from now on; returns (new current key, new next key)."""
    now = now or datetime.now(UTC)
    ensure_keys(session)
    session.execute(delete(ToolKey).where(ToolKey.state == ToolKey.PREVIOUS, ToolKey.retire_at <= now))
    current = session.execute(select(ToolKey).where(ToolKey.state == ToolKey.CURRENT)).scalar_one()
    upcoming = session.execute(select(ToolKey).where(ToolKey.state == ToolKey.NEXT)).scalar_one()
    current.state = ToolKey.PREVIOUS
    current.retire_at = now + timedelta(seconds=grace_seconds)
    session.flush()
    upcoming.state = ToolKey.CURRENT
    fresh = new_key(ToolKey.NEXT)
    session.add(fresh)
    session.commit()
    return upcoming, fresh


def _jwks_response():
    response = jsonify(jwks(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/lti/jwks")
def lti_jwks():
    """The tool's public keys, for platforms verifying our client assertions and deep-linking responses."""
    return _jwks_response()


@bp.get("/.well-known/jwks.json")
def well_known_jwks():
    return _jwks_response()
