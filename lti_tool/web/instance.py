"""Secrets kept in the instance folder: created once, readable only by the tool's user."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_KEY_FILE = "secret_key"


def write_private(path: Path, text: str) -> None:
    """Write a file no other user can read (mode 0600 from the start, never world-readable in between)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


def load_or_create_secret_key(instance_path: Path) -> str:
    """The app's secret key, generated on first start and persisted in the instance folder."""
    path = instance_path / SECRET_KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    write_private(path, key + "\n")
    return key
