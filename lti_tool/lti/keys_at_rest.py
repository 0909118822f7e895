"""Moving the stored private keys between plain PEM and sealed form (`cps-assess keys encrypt|decrypt`).

Each run is one transaction over the locked key rows: every key is opened, checked to be the key its `kid` names,
rewritten, and opened again before anything is committed; any failure changes nothing. Both are idempotent: a key
already in the wanted form is left as it is. `encrypt` also re-seals keys sealed with an older encryption key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jwcrypto.jwk import JWK
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti_tool.lti.key_encryption import ENV_NAME, KeyCipher, KeyEncryptionError, is_sealed
from lti_tool.lti.models import ToolKey


@dataclass
class StorageReport:
    """What one run did: kids whose form changed (plain to sealed, or back), kids re-sealed with the first
    encryption key, and kids left as they were."""

    changed: list[str] = field(default_factory=list)
    resealed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _locked_keys(session: Session) -> list[ToolKey]:
    return list(session.execute(select(ToolKey).order_by(ToolKey.id).with_for_update()).scalars())


def _checked_pem(key: ToolKey, cipher: KeyCipher) -> str:
    """The key's PEM, refused unless it is the private half of the published key its kid names."""
    pem = cipher.open(key.private_key, key.kid)
    try:
        thumbprint = JWK.from_pem(pem.encode("ascii")).thumbprint()
    except Exception:  # any parse failure: the stored text is not a usable key
        raise KeyEncryptionError(f"private key {key.kid} does not hold a readable RSA key") from None
    if thumbprint != key.kid:
        raise KeyEncryptionError(f"private key {key.kid} does not match its published public key")
    return pem


def _rewrite(key: ToolKey, stored: str, pem: str, cipher: KeyCipher) -> None:
    if cipher.open(stored, key.kid) != pem:  # never store what would not open to the same key
        raise KeyEncryptionError(f"private key {key.kid} did not survive the round trip; nothing was changed")
    key.private_key = stored


def encrypt_keys(session: Session, cipher: KeyCipher) -> StorageReport:
    """Seal every key with the first encryption key (plain ones, and ones sealed with an older key)."""
    if not cipher.enabled:
        raise KeyEncryptionError(f"{ENV_NAME} is not set; make a key with `cps-assess keys new-encryption-key` "
                                 "and set it first")
    report = StorageReport()
    for key in _locked_keys(session):
        if cipher.sealed_with_first(key.private_key):
            report.unchanged.append(key.kid)
            continue
        was_sealed = is_sealed(key.private_key)
        pem = _checked_pem(key, cipher)
        _rewrite(key, cipher.seal(pem), pem, cipher)
        (report.resealed if was_sealed else report.changed).append(key.kid)
    session.flush()
    return report


def decrypt_keys(session: Session, cipher: KeyCipher) -> StorageReport:
    """Store every key as plain PEM again (sealed ones need the encryption key they were sealed with)."""
    report = StorageReport()
    for key in _locked_keys(session):
        if not is_sealed(key.private_key):
            report.unchanged.append(key.kid)
            continue
        pem = _checked_pem(key, cipher)
        _rewrite(key, pem, pem, cipher)
        report.changed.append(key.kid)
    session.flush()
    return report


def storage_of(session: Session) -> list[tuple[ToolKey, bool]]:
    """Every stored key with whether it is sealed, oldest first."""
    return [(key, is_sealed(key.private_key))
            for key in session.execute(select(ToolKey).order_by(ToolKey.id)).scalars()]
