"""The tool's private keys at rest: sealed with Fernet when CPS_KEY_ENCRYPTION_KEYS is set, plain PEM otherwise.

A database dump or backup then holds no usable signing key without the environment. Several encryption keys may be
given (comma-separated): the first seals, all open, so the encryption key can be rotated (`cps-assess keys encrypt`
re-seals with the first). A sealed value is `fernet:` + the Fernet token, so it is never mistaken for PEM.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from lti_tool.web.db import SESSION_INFO

if TYPE_CHECKING:
    from flask import Flask

ENV_NAME = "CPS_KEY_ENCRYPTION_KEYS"
SEALED_PREFIX = "fernet:"
PEM_PREFIX = "-----BEGIN"


class KeyEncryptionError(Exception):
    """A stored private key cannot be read or written with the configured encryption keys (one-line message)."""


def parse_encryption_keys(raw: str | Sequence[str] | None) -> tuple[str, ...]:
    """The Fernet keys of a comma-separated setting (or its entries); a bad entry is named by position, never
    echoed."""
    parts = (raw or "").split(",") if isinstance(raw, str) or raw is None else raw
    keys = tuple(part.strip() for part in parts if part.strip())
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except ValueError:
            raise ValueError(f"{ENV_NAME}: entry {position} is not a Fernet key (44 url-safe base64 characters); "
                             "make one with `cps-assess keys new-encryption-key`") from None
    return keys


def new_encryption_key() -> str:
    return Fernet.generate_key().decode("ascii")


def is_sealed(stored: str) -> bool:
    return stored.startswith(SEALED_PREFIX)


class KeyCipher:
    """Seals and opens stored private keys with the configured encryption keys (none: keys stay plain PEM)."""

    def __init__(self, keys: Sequence[str] = ()) -> None:
        self._keys = tuple(keys)
        self._primary = Fernet(self._keys[0]) if self._keys else None
        self._all = MultiFernet([Fernet(k) for k in self._keys]) if self._keys else None

    @property
    def enabled(self) -> bool:
        return self._primary is not None

    def store(self, pem: str) -> str:
        """What the database keeps for a new key: sealed with the first key when encryption is on, else the PEM."""
        return self.seal(pem) if self.enabled else pem

    def seal(self, pem: str) -> str:
        if self._primary is None:
            raise KeyEncryptionError(f"{ENV_NAME} is not set; set it to encrypt the tool's private keys")
        return SEALED_PREFIX + self._primary.encrypt(pem.encode("ascii")).decode("ascii")

    def open(self, stored: str, kid: str) -> str:
        """The PEM of a stored key (plain or sealed with any configured key)."""
        if not is_sealed(stored):
            if not stored.startswith(PEM_PREFIX):
                raise KeyEncryptionError(f"private key {kid} is stored in an unknown form (neither PEM nor sealed)")
            return stored
        if self._all is None:
            raise KeyEncryptionError(f"private key {kid} is encrypted but {ENV_NAME} is not set; set it to the "
                                     "encryption key(s) in use")
        try:
            return self._all.decrypt(stored[len(SEALED_PREFIX):].encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError):
            raise KeyEncryptionError(f"private key {kid} cannot be decrypted with any key in {ENV_NAME} "
                                     "(wrong or missing encryption key)") from None

    def sealed_with_first(self, stored: str) -> bool:
        """Whether a stored key is already sealed with the first (current) encryption key."""
        if self._primary is None or not is_sealed(stored):
            return False
        try:
            self._primary.decrypt(stored[len(SEALED_PREFIX):].encode("ascii"))
        except InvalidToken:
            return False
        return True


SESSION_INFO_KEY = "key_cipher"


def init_app(app: Flask) -> None:
    """Check KEY_ENCRYPTION_KEYS (a bad entry raises ValueError naming its position) and give every database session
    of the app its cipher; call it before lti_tool.web.db.init_app."""
    keys = parse_encryption_keys(app.config.get("KEY_ENCRYPTION_KEYS"))
    app.config["KEY_ENCRYPTION_KEYS"] = keys
    app.extensions.setdefault(SESSION_INFO, {})[SESSION_INFO_KEY] = KeyCipher(keys)


def cipher_of(session) -> KeyCipher:
    """The cipher of the app a session belongs to (`init_app` puts it in the session's info)."""
    return session.info.get(SESSION_INFO_KEY) or KeyCipher()
