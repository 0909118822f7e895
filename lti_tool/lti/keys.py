"""The tool's RSA keys: stored in the database, published as a JWKS, rotated without breaking platforms.

There is always a `current` key (signs) and a `next` key (published, not yet used). `rotate` makes the next key
current, keeps the old current one published as `previous` for a grace period, and publishes a fresh next key:
a platform that cached our key set since the last rotation already knows the key we start signing with. A unique
index allows one `current` and one `next` key. Private keys are stored through `lti_tool.lti.key_encryption`
(sealed when an encryption key is configured); only `signing_key` opens one. The JWKS is served by jwks_views.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.lti.key_encryption import KeyCipher, cipher_of
from lti_tool.lti.models import ToolKey

KEY_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    """The current key opened for signing: kept in memory only, never stored in this form."""

    kid: str
    private_pem: str


def new_key(state: str, cipher: KeyCipher | None = None) -> ToolKey:
    """A fresh RSA key; its private part stored as the cipher says (sealed when encryption is on)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode("ascii")
    jwk = JWK.from_pem(pem.encode("ascii"))
    kid = jwk.thumbprint()
    public = json.loads(jwk.export_public())
    public.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return ToolKey(kid=kid, private_key=(cipher or KeyCipher()).store(pem), public_jwk=public, state=state)


def _key_in_state(session: Session, state: str) -> ToolKey | None:
    return session.execute(select(ToolKey).where(ToolKey.state == state)).scalars().first()


def ensure_keys(session: Session) -> ToolKey:
    """The current key row, creating the current and next keys on first start (a process that loses the race
    against another one starting at the same moment, refused by the unique index, uses the winner's key)."""
    for state in (ToolKey.CURRENT, ToolKey.NEXT):
        if _key_in_state(session, state) is None:
            try:
                with session.begin_nested():
                    session.add(new_key(state, cipher_of(session)))
            except IntegrityError:
                pass
    session.commit()
    return session.execute(select(ToolKey).where(ToolKey.state == ToolKey.CURRENT)).scalar_one()


def signing_key(session: Session) -> SigningKey:
    """The key the tool signs with now (client assertions, deep-linking responses), opened for use; a key that
    cannot be opened raises KeyEncryptionError."""
    current = _key_in_state(session, ToolKey.CURRENT) or ensure_keys(session)
    return SigningKey(kid=current.kid, private_pem=cipher_of(session).open(current.private_key, current.kid))


def check_keys_readable(session: Session) -> None:
    """Raise KeyEncryptionError unless every stored private key opens with the configured encryption keys."""
    cipher = cipher_of(session)
    for key in session.execute(select(ToolKey).order_by(ToolKey.id)).scalars():
        cipher.open(key.private_key, key.kid)


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
    fresh = new_key(ToolKey.NEXT, cipher_of(session))
    session.add(fresh)
    session.commit()
    return upcoming, fresh
