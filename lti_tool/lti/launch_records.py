"""What a validated launch leaves behind: the user, course and resource link rows and a LaunchSession."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached

from lti_tool.lti.launch_context import new_token
from lti_tool.lti.launch_lifetime import first_expiry
from lti_tool.lti.learner_names import claimed_name
from lti_tool.lti.models import Context, LaunchSession, ResourceLink, User
from lti_tool.lti.roles import is_instructor, is_learner

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
_MEMO_AFTER_COMMIT = "shared_rows_to_remember"
USER_COLUMNS = tuple(column.key for column in User.__table__.c)
LAUNCH_COLUMNS = tuple(column.key for column in LaunchSession.__table__.c)
LAUNCH_INSERT = insert(LaunchSession.__table__)


def _upsert(session: Session, model, keys: dict[str, Any], values: dict[str, Any], returning: tuple[str, ...]):
    """INSERT ... ON CONFLICT DO UPDATE by natural key, RETURNING the named columns, in one Core statement. Values
    that are empty keep the stored ones (a platform that stops sending a name does not erase it)."""
    given = tuple(name for name, value in values.items() if value) or (next(iter(keys)),)
    statement = _upsert_sql(session.get_bind().dialect.name, model.__table__, tuple(keys), given, returning)
    return session.connection().execute(statement, {**keys, **values})


@functools.lru_cache(maxsize=64)
def _upsert_sql(dialect: str, table: Table, keys: tuple[str, ...], given: tuple[str, ...],
                returning: tuple[str, ...]):
    """The upsert statement, built once per shape: its values are bound at execution, so SQLAlchemy neither
    rebuilds nor recompiles it per launch."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table)
    return (statement.on_conflict_do_update(index_elements=list(keys),
                                            set_={name: statement.excluded[name] for name in given})
            .returning(*(table.c[name] for name in returning)))


@functools.lru_cache(maxsize=16)
def _shared_row_sql(table: Table, keys: tuple[str, ...], values: tuple[str, ...]):
    return select(table.c.id, *(table.c[name] for name in values)).where(
        *(table.c[name] == bindparam("key_" + name) for name in keys))


def _upserted_user(session: Session, keys: dict[str, Any], values: dict[str, Any]) -> User:
    """The user row, inserted or updated and read back in one Core statement, as a persistent object without a
    further SELECT (the learner's first page needs its `sub`)."""
    row = _upsert(session, User, keys, values, USER_COLUMNS).one()
    user = User(**row._asdict())
    make_transient_to_detached(user)
    return user


class RowMemo(Protocol):
    """Where a process remembers the shared rows it wrote (see registration_cache): (row id, values) by key."""

    def shared_row(self, key: tuple) -> tuple[int, tuple] | None: ...
    def put_shared_row(self, key: tuple, row_id: int, values: tuple) -> None: ...


def _shared_row(session: Session, model, keys: dict[str, Any], values: dict[str, Any],
                memo: RowMemo | None = None) -> int:
    """A row many learners share (course, resource link): read it, and write only when it is new or changed, so
    concurrent launches into one course do not queue on its row lock. With a memo, a row this process already
    wrote or read with the same values is not read again."""
    memo_key = (model.__tablename__, *keys.values())
    wanted = tuple(values.values())
    known = memo.shared_row(memo_key) if memo is not None else None
    if known is not None and known[1] == wanted:
        return known[0]
    table = model.__table__
    connection = session.connection()
    found = connection.execute(_shared_row_sql(table, tuple(keys), tuple(values)),
                               {"key_" + name: value for name, value in keys.items()}).first()
    if found is None:
        row_id = _upsert(session, model, keys, values, ("id",)).scalar_one()
    else:
        row_id = found[0]
        changed = {name: value for name, value, stored in zip(values, wanted, found[1:], strict=True)
                   if value and value != stored}
        if changed:
            connection.execute(update(table).where(table.c.id == row_id).values(**changed))
    if memo is not None:
        session.info.setdefault(_MEMO_AFTER_COMMIT, []).append((memo, memo_key, row_id, wanted))
    return row_id


def remember_shared_rows(session: Session) -> None:
    """After the launch's transaction committed: only rows of a committed transaction are remembered (a rolled-back
    insert must be read again)."""
    for memo, key, row_id, values in session.info.pop(_MEMO_AFTER_COMMIT, ()):
        memo.put_shared_row(key, row_id, values)


def record_launch(session: Session, platform_id: int, deployment_row_id: int, body: dict[str, Any],
                  pylti_launch_id: str, config: dict, memo: RowMemo | None = None,
                  frame_origins: tuple[str, ...] = ()) -> LaunchSession:
    """Store who launched what and return the new LaunchSession, in the session's transaction, NOT committed: the
    caller commits it together with what the launch starts (the learner's attempt: one commit per launch), then
    calls `remember_shared_rows`. Core statements only: the ORM's unit of work cost more CPU than the four
    statements themselves. `frame_origins`: the platform page origins the signed token named (its pages' frame
    ancestors)."""
    name = claimed_name(body, body["sub"])  # "" keeps a name learned earlier (see _upsert)
    user = _upserted_user(session, {"platform_id": platform_id, "sub": body["sub"]},
                          {"name": name, "email": body.get("email") or "", "updated_at": datetime.now(UTC)})
    context_claim = body.get(CLAIM + "context") or {}
    context_id = None
    if context_claim.get("id"):
        context_id = _shared_row(session, Context, {"platform_id": platform_id, "context_id": context_claim["id"]},
                                 {"title": context_claim.get("title") or "",
                                  "label": context_claim.get("label") or ""}, memo)
    custom = body.get(CLAIM + "custom") or {}
    ags = body.get(AGS_CLAIM) or {}
    link_claim = body.get(CLAIM + "resource_link") or {}
    link_id = None
    if link_claim.get("id"):
        link_values = {"context_id": context_id, "title": link_claim.get("title") or "",
                       "form_id": custom.get("form_id") or None, "lineitem_url": ags.get("lineitem") or None}
        link_id = _shared_row(session, ResourceLink, {"platform_id": platform_id, "resource_link_id": link_claim["id"]},
                              link_values, memo)
    roles = [r for r in body.get(CLAIM + "roles") or [] if isinstance(r, str)]
    now = datetime.now(UTC)
    launch = LaunchSession(
        id=new_token(), csrf_token=new_token(), platform_id=platform_id, deployment_id=deployment_row_id,
        user_id=user.id, user=user, context_id=context_id, resource_link_id=link_id,
        message_type=body[CLAIM + "message_type"], roles=roles, is_instructor=is_instructor(roles),
        is_learner=is_learner(roles), custom=dict(custom), form_id=custom.get("form_id") or None,
        ags_lineitem=ags.get("lineitem"), ags_lineitems=ags.get("lineitems"), ags_scopes=list(ags.get("scope") or []),
        nrps_url=(body.get(NRPS_CLAIM) or {}).get("context_memberships_url"),
        deep_linking_settings=body.get(DL_CLAIM), pylti_launch_id=pylti_launch_id,
        created_at=now, expires_at=first_expiry(config, now, is_instructor(roles)), for_user_sub=_for_user(body),
        frame_origins=list(frame_origins) or None,
    )
    session.connection().execute(LAUNCH_INSERT, {name: getattr(launch, name) for name in LAUNCH_COLUMNS})
    make_transient_to_detached(launch)
    session.add(launch)  # persistent as inserted: its relationships load lazily, no SELECT of the row itself
    return launch


def _for_user(body: dict[str, Any]) -> str | None:
    """The learner whose submission a Submission Review launch asks to see (None for any other launch)."""
    claim = body.get(CLAIM + "for_user")
    user_id = claim.get("user_id") if isinstance(claim, dict) else None
    return user_id if isinstance(user_id, str) and 0 < len(user_id) <= 255 else None
