"""The origins of a platform's own pages, learned from its validated launches.

Canvas Cloud's issuer is https://canvas.instructure.com and its OIDC and token URLs are on https://sso.canvaslms.com,
but its course pages, which frame the tool and post its launches, are on the school's host (school.instructure.com
or a domain of its own). That host is in every launch, signed by the platform: the launch's return URL
(`launch_presentation.return_url`) and, for deep linking, the URL the picked links go back to
(`deep_link_return_url`). lti_tool.lti.launch_security reads them from a token whose signature checked out
(`page_origins`); a launch that passed every check stores them here in its own transaction, one row per (platform,
origin), at most MAX_ORIGINS_PER_PLATFORM per platform, the most recently seen kept. Nothing unsigned is stored.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, delete, select
from sqlalchemy.orm import Session

from lti_tool.lti.models import Platform, PlatformOrigin

MAX_ORIGINS_PER_PLATFORM = 20
# A known origin's last_seen_at is written again at most this often: one write per origin and day, not per launch.
SEEN_AGAIN_AFTER = timedelta(days=1)


def store(session: Session, platform_id: int, origins: Iterable[str], known: Mapping[str, datetime],
          now: datetime) -> bool:
    """Record a validated launch's page origins in the session's transaction, NOT committed. `known` is what the
    caller's cache holds for the platform (origin -> last seen): only new origins and ones last seen more than
    SEEN_AGAIN_AFTER ago are written, and the platform's list is trimmed to its newest when one is new. True when
    anything was written."""
    due = [origin for origin in dict.fromkeys(origins)
           if origin not in known or known[origin] < now - SEEN_AGAIN_AFTER]
    if not due:
        return False
    connection = session.connection()
    table = PlatformOrigin.__table__
    connection.execute(_upsert_sql(connection.dialect.name, table),
                       [{"platform_id": platform_id, "origin": origin, "first_seen_at": now, "last_seen_at": now}
                        for origin in due])
    if any(origin not in known for origin in due):
        connection.execute(_trim_sql(table), {"platform": platform_id})
    return True


@functools.lru_cache(maxsize=4)
def _upsert_sql(dialect: str, table: Table):
    """INSERT, or on a (platform, origin) already there (another worker learned it first) only its last_seen_at."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table)
    return statement.on_conflict_do_update(index_elements=["platform_id", "origin"],
                                           set_={"last_seen_at": statement.excluded.last_seen_at})


@functools.lru_cache(maxsize=2)
def _trim_sql(table: Table):
    """Delete the platform's origins beyond the MAX_ORIGINS_PER_PLATFORM seen most recently."""
    newest = (select(table.c.id).where(table.c.platform_id == bindparam("platform"))
              .order_by(table.c.last_seen_at.desc(), table.c.id.desc()).limit(MAX_ORIGINS_PER_PLATFORM))
    return delete(table).where(table.c.platform_id == bindparam("platform"), table.c.id.not_in(newest))


def of_platform(session: Session, platform_id: int) -> set[str]:
    """The origins learned for one platform (a cookieless launch's `Origin` may be one of them)."""
    return set(session.scalars(select(PlatformOrigin.origin).where(PlatformOrigin.platform_id == platform_id)))


def of_active_platforms(session: Session) -> dict[int, dict[str, datetime]]:
    """platform id -> {origin: last seen} for every active platform (the frame ancestors)."""
    rows = session.execute(select(PlatformOrigin.platform_id, PlatformOrigin.origin, PlatformOrigin.last_seen_at)
                           .join(Platform, Platform.id == PlatformOrigin.platform_id)
                           .where(Platform.status == Platform.ACTIVE))
    learned: dict[int, dict[str, datetime]] = {}
    for platform_id, origin, last_seen_at in rows:
        learned.setdefault(platform_id, {})[origin] = last_seen_at
    return learned
