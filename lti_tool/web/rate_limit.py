"""Attempts per client address in a fixed time window, counted in the shared store so that every worker (and
every machine) counts the same attempts.

The store has no counter, but its `add` is atomic (only one writer creates a key): attempt n takes slot n of the
window, `rate:<bucket>:<address>:<window>:<n>`, and an attempt that finds every slot taken is refused. The slots
expire with the window.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from lti_tool.web.shared_store import SharedStore


@dataclass(frozen=True)
class Limit:
    """At most `attempts` per `window_seconds`; 0 attempts means no limit."""

    attempts: int
    window_seconds: int


def retry_after(shared: SharedStore, bucket: str, who: str, limit: Limit, now: float | None = None) -> int | None:
    """Count one attempt by `who`: None when it is within the limit, else the seconds until it may try again."""
    if limit.attempts <= 0 or limit.window_seconds <= 0:
        return None
    now = time.time() if now is None else now
    window = int(now // limit.window_seconds)
    wait = max(1, int((window + 1) * limit.window_seconds - now))
    prefix = f"rate:{bucket}:{who}:{window}:"
    if shared.get(prefix + str(limit.attempts - 1)) is not None:  # full: one read instead of `attempts` writes
        return wait
    for slot in range(limit.attempts):
        if shared.add(prefix + str(slot), 1, wait + 1):
            return None
    return wait
