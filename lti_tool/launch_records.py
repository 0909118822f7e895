"""What a validated launch leaves behind: the user, course and resource link rows and a LaunchSession."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti_tool.launch_context import new_token
from lti_tool.models import Context, Deployment, LaunchSession, ResourceLink, User

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


def _get_or_create(session: Session, model, keys: dict[str, Any], values: dict[str, Any]):
    """Upsert by natural key; a concurrent first launch may insert the same row, so the loser re-reads."""
    query = select(model).filter_by(**keys)
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        try:
            with session.begin_nested():
                row = model(**keys, **values)
                session.add(row)
            return row
        except IntegrityError:
            row = session.execute(query).scalar_one()
    for name, value in values.items():
        if value and getattr(row, name) != value:
            setattr(row, name, value)
    return row


def record_launch(session: Session, platform_id: int, body: dict[str, Any], pylti_launch_id: str,
                  lifetime_seconds: int) -> LaunchSession:
    """Store who launched what and return the new LaunchSession (committed)."""
    deployment = session.execute(select(Deployment).filter_by(
        platform_id=platform_id, deployment_id=body[CLAIM + "deployment_id"])).scalar_one()
    name = body.get("name") or " ".join(p for p in (body.get("given_name"), body.get("family_name")) if p)
    user = _get_or_create(session, User, {"platform_id": platform_id, "sub": body["sub"]},
                          {"name": name or "", "email": body.get("email") or "", "updated_at": datetime.now(UTC)})
    context_claim = body.get(CLAIM + "context") or {}
    context = None
    if context_claim.get("id"):
        context = _get_or_create(session, Context, {"platform_id": platform_id, "context_id": context_claim["id"]},
                                 {"title": context_claim.get("title") or "", "label": context_claim.get("label") or ""})
    custom = body.get(CLAIM + "custom") or {}
    ags = body.get(AGS_CLAIM) or {}
    link_claim = body.get(CLAIM + "resource_link") or {}
    link = None
    if link_claim.get("id"):
        session.flush()
        link = _get_or_create(session, ResourceLink,
                              {"platform_id": platform_id, "resource_link_id": link_claim["id"]},
                              {"context_id": context.id if context else None, "title": link_claim.get("title") or "",
                               "form_id": custom.get("form_id") or None, "lineitem_url": ags.get("lineitem") or None})
    session.flush()
    roles = [r for r in body.get(CLAIM + "roles") or [] if isinstance(r, str)]
    now = datetime.now(UTC)
    launch = LaunchSession(
        id=new_token(), csrf_token=new_token(), platform_id=platform_id, deployment_id=deployment.id,
        user_id=user.id, context_id=context.id if context else None, resource_link_id=link.id if link else None,
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
