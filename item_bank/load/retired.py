"""`retired_ids.txt`: ids that were used once and must never be used again (one a line, `#` starts a comment)."""

from __future__ import annotations

from pathlib import Path


def read_retired(path: Path) -> dict[str, int]:
    """Each retired id -> its line in the file (none when the file is absent)."""
    if not path.exists():
        return {}
    retired = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        word = line.split("#", 1)[0].strip()
        if word:
            retired[word] = n
    return retired
