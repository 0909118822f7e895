"""What a validated launch leaves behind: the user, course and resource link rows and a LaunchSession."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from lti_tool.launch_context import new_token
from lti_tool.models import Context, LaunchSession, ResourceLink, User

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
INSTRUCTOR_ROLE_NAMES = frozenset({"Instructor", "Administrator", "ContentDeveloper", "TeachingAssistant"})
LEARNER_ROLE_NAMES = frozenset({"Learner", "Student"})


def role_name(role: str) -> str:
    """The short name of an LIS role URI ("...membership#Instructor" -> "Instructor")."""
    return role.replace("/", "#").rsplit("#", 1)[-1]


def course_roles(roles: list[str]) -> list[str]:
    """Roles in this course only: context (membership) roles and the short forms. Institution roles say what
    someone is elsewhere (Canvas sends "institution/person#Instructor" for a teacher taking a course)."""
    return [r for r in roles if "/membership" in r or "://" not in r]


def is_instructor(roles: list[str]) -> bool:
    """Course staff: instructors, teaching assistants, content developers and administrators of the course."""
    return any(role_name(r) in INSTRUCTOR_ROLE_NAMES and "membership/Learner" not in r for r in course_roles(roles))


def is_learner(roles: list[str]) -> bool:
    return any(role_name(r) in LEARNER_ROLE_NAMES for r in course_roles(roles))


def _insert(session: Session):
    """The dialect's INSERT with ON CONFLICT (PostgreSQL and SQLite both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _upsert_statement(session: Session, model, keys: dict[str, Any], values: dict[str, Any]):
    """INSERT ... ON CONFLICT DO UPDATE by natural key. Values that are empty keep the stored ones (a platform
    that stops sending a name does not erase it)."""
    statement = _insert(session)(model).values(**keys, **values)
    given = {name: statement.excluded[name] for name, value in values.items() if value}
    if not given:
        first = next(iter(keys))
        given = {first: statement.excluded[first]}
    return statement.on_conflict_do_update(index_elements=list(keys), set_=given)


def _upsert(session: Session, model, keys: dict[str, Any], values: dict[str, Any]) -> int:
    """Insert or update by natural key in one statement; returns the row id."""
    return session.execute(_upsert_statement(session, model, keys, values).returning(model.id)).scalar_one()


def _upserted_user(session: Session, keys: dict[str, Any], values: dict[str, Any]) -> User:
    """The user row, inserted or updated and loaded in one statement (the learner's first page needs it)."""
    statement = _upsert_statement(session, User, keys, values).returning(User)
    return session.scalars(statement, execution_options={"populate_existing": True}).one()


def _shared_row(session: Session, model, keys: dict[str, Any], values: dict[str, Any]) -> int:
    """A row many learners share (course, resource link): read it, and write only when it is new or changed, so
    concurrent launches into one course do not queue on its row lock."""
    columns = [getattr(model, name) for name in values]
    found = session.execute(select(model.id, *columns).filter_by(**keys)).first()
    if found is None:
        return _upsert(session, model, keys, values)
    changed = {name: value for name, value, stored in zip(values, values.values(), found[1:], strict=True)
               if value and value != stored}
    if changed:
        session.execute(update(model).where(model.id == found[0]).values(**changed)
                        .execution_options(synchronize_session=False))
    return found[0]


def record_launch(session: Session, platform_id: int, deployment_row_id: int, body: dict[str, Any],
                  pylti_launch_id: str, lifetime_seconds: int) -> LaunchSession:
    """Store who launched what and return the new LaunchSession, in one transaction (committed)."""
    name = body.get("name") or " ".join(p for p in (body.get("given_name"), body.get("family_name")) if p)
    user = _upserted_user(session, {"platform_id": platform_id, "sub": body["sub"]},
                          {"name": name or "", "email": body.get("email") or "", "updated_at": datetime.now(UTC)})
    context_claim = body.get(CLAIM + "context") or {}
    context_id = None
    if context_claim.get("id"):
        context_id = _shared_row(session, Context, {"platform_id": platform_id, "context_id": context_claim["id"]},
                                 {"title": context_claim.get("title") or "",
                                  "label": context_claim.get("label") or ""})
    custom = body.get(CLAIM + "custom") or {}
    ags = body.get(AGS_CLAIM) or {}
    link_claim = body.get(CLAIM + "resource_link") or {}
    link_id = None
    if link_claim.get("id"):
        link_id = _shared_row(session, ResourceLink, {"platform_id": platform_id, "resource_link_id": link_claim["id"]},
                              {"context_id": context_id, "title": link_claim.get("title") or "",
                               "form_id": custom.get("form_id") or None, "lineitem_url": ags.get("lineitem") or None})
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
        created_at=now, expires_at=now + timedelta(seconds=lifetime_seconds),
    )
    session.add(launch)
    session.commit()
    return launch
