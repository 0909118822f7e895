"""Launch sessions written straight into the tool's database, as /lti/launch writes them after a valid launch.

The delivery, deep-linking and instructor pages only read the LaunchSession row; building it here lets their
tests focus on those pages. The whole path through a real signed launch is covered by test_end_to_end.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from lti_tool.lti.launch_context import new_token
from lti_tool.lti.models import Context, Deployment, LaunchSession, Platform, ResourceLink, User
from lti_tool.web.db import session_scope

ISSUER = "https://lms.example.edu"
CLIENT_ID = "client-1"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"


def platform_row(app, issuer: str = ISSUER, client_id: str = CLIENT_ID, token_url: str = "") -> int:
    """An active registration with one deployment; returns the platform id."""
    with session_scope(app) as db:
        found = db.scalar(select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id))
        if found is not None:
            return found.id
        platform = Platform(issuer=issuer, client_id=client_id, name="Test LMS",
                            auth_login_url=issuer + "/auth", auth_token_url=token_url or issuer + "/token",
                            key_set_url=issuer + "/jwks", status=Platform.ACTIVE)
        db.add(platform)
        db.flush()
        db.add(Deployment(platform_id=platform.id, deployment_id="dep-1"))
        return platform.id


def launch_row(app, *, sub: str, link: str = "link-1", context: str = "course-1", instructor: bool = False,
               custom: dict | None = None, lineitem: str | None = None, platform_id: int | None = None,
               message_type: str = "LtiResourceLinkRequest", deep_linking: dict | None = None,
               expires_in: int = 3600) -> tuple[str, str]:
    """A LaunchSession for user `sub` at resource link `link`; returns (ls token, csrf token)."""
    platform_id = platform_id or platform_row(app)
    with session_scope(app) as db:
        deployment = db.scalar(select(Deployment).where(Deployment.platform_id == platform_id))
        user = _get_or_add(db, User, platform_id=platform_id, sub=sub, defaults={"name": f"Learner {sub}"})
        ctx = _get_or_add(db, Context, platform_id=platform_id, context_id=context, defaults={"title": context})
        resource = None
        if message_type == "LtiResourceLinkRequest":
            resource = _get_or_add(db, ResourceLink, platform_id=platform_id, resource_link_id=link,
                                   defaults={"context_id": ctx.id, "title": link})
        token, csrf = new_token(), new_token()
        now = datetime.now(UTC)
        db.add(LaunchSession(
            id=token, csrf_token=csrf, platform_id=platform_id, deployment_id=deployment.id, user_id=user.id,
            context_id=ctx.id, resource_link_id=resource.id if resource else None, message_type=message_type,
            roles=[], is_instructor=instructor, is_learner=not instructor, custom=custom or {},
            form_id=(custom or {}).get("form_id"), ags_lineitem=lineitem,
            ags_lineitems=None, ags_scopes=[SCORE_SCOPE, LINEITEM_SCOPE, RESULT_SCOPE] if lineitem else [],
            deep_linking_settings=deep_linking, pylti_launch_id="test-" + token[:8], created_at=now,
            expires_at=now + timedelta(seconds=expires_in),
        ))
        return token, csrf


def _get_or_add(db, model, defaults: dict, **keys):
    found = db.scalar(select(model).filter_by(**keys))
    if found is None:
        found = model(**keys, **defaults)
        db.add(found)
        db.flush()
    return found
