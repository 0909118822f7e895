"""The LTI tables: who may launch (platforms, deployments), with what keys, and who launched where.

Delivery tables (attempts, responses, score outbox) live in lti_tool/delivery/models.py; the shared store's table
in lti_tool/web/shared_store.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lti_tool.web.db import Base, UtcDateTime, utcnow


class Platform(Base):
    """A registration: one LMS client id under an issuer (Canvas uses one issuer for every customer)."""

    __tablename__ = "lti_platforms"
    __table_args__ = (UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client"),)

    PENDING = "pending"
    ACTIVE = "active"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    product: Mapped[str] = mapped_column(String(64), default="")
    auth_login_url: Mapped[str] = mapped_column(String(1024))
    auth_token_url: Mapped[str] = mapped_column(String(1024))
    auth_audience: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    key_set_url: Mapped[str] = mapped_column(String(1024))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    deployments: Mapped[list[Deployment]] = relationship(back_populates="platform", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.status == self.ACTIVE


class PlatformOrigin(Base):
    """An origin of a platform's own pages (a Canvas school's course site), learned from the return URLs that the
    platform's validated, signed launches name (lti_tool.lti.learned_origins): it may frame the tool and post its
    launches like the registration's own URLs; a bounded number per platform, the newest kept."""

    __tablename__ = "lti_platform_origins"
    __table_args__ = (UniqueConstraint("platform_id", "origin", name="uq_lti_platform_origins_platform_origin"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(255))
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Deployment(Base):
    __tablename__ = "lti_deployments"
    __table_args__ = (UniqueConstraint("platform_id", "deployment_id", name="uq_lti_deployments_platform_dep"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    platform: Mapped[Platform] = relationship(back_populates="deployments")


class ToolKey(Base):
    """An RSA key of the tool. `next` is published but not used; `current` signs; `previous` is published
    until `retire_at`, so platforms holding a cached key set keep verifying during a rotation. The partial unique
    index allows one `current` and one `next` key (two processes starting at once cannot both create one)."""

    __tablename__ = "lti_tool_keys"
    __table_args__ = (Index("uq_lti_tool_keys_live_state", "state", unique=True,
                            sqlite_where=text("state IN ('current', 'next')"),
                            postgresql_where=text("state IN ('current', 'next')")),)

    NEXT = "next"
    CURRENT = "current"
    PREVIOUS = "previous"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    # The PEM, or `fernet:` + a Fernet token when encrypted at rest: open it with lti_tool.lti.key_encryption.
    private_key: Mapped[str] = mapped_column("private_pem", Text)
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    retire_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class RegistrationLink(Base):
    """A one-time dynamic-registration link created by the tool's admin (only its hash is stored)."""

    __tablename__ = "lti_registration_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("lti_platforms.id", ondelete="SET NULL"),
                                                    nullable=True)


class User(Base):
    __tablename__ = "lti_users"
    __table_args__ = (UniqueConstraint("platform_id", "sub", name="uq_lti_users_platform_sub"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Context(Base):
    """A course (the LTI context) on one platform."""

    __tablename__ = "lti_contexts"
    __table_args__ = (UniqueConstraint("platform_id", "context_id", name="uq_lti_contexts_platform_ctx"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(512), default="")
    label: Mapped[str] = mapped_column(String(255), default="")


class ResourceLink(Base):
    """A placement of the tool in a course: one assessment (form) for one gradebook column."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (UniqueConstraint("platform_id", "resource_link_id", name="uq_lti_links_platform_link"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"), nullable=True)
    resource_link_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(512), default="")
    form_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    lineitem_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)


class LaunchSession(Base):
    """One successful launch: what the tool's pages may do for whom. Its id travels in the `ls` parameter
    of every page (not in a cookie) so the tool works in iframes whose cookies are blocked."""

    __tablename__ = "lti_launch_sessions"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    csrf_token: Mapped[str] = mapped_column(String(128))
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platforms.id", ondelete="CASCADE"), index=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("lti_deployments.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("lti_users.id", ondelete="CASCADE"), index=True)
    context_id: Mapped[int | None] = mapped_column(ForeignKey("lti_contexts.id", ondelete="CASCADE"), nullable=True)
    resource_link_id: Mapped[int | None] = mapped_column(ForeignKey("lti_resource_links.id", ondelete="CASCADE"),
                                                         nullable=True)
    message_type: Mapped[str] = mapped_column(String(64))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_instructor: Mapped[bool] = mapped_column(Boolean, default=False)
    is_learner: Mapped[bool] = mapped_column(Boolean, default=False)
    custom: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    form_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ags_lineitem: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    ags_lineitems: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    nrps_url: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    deep_linking_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    pylti_launch_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    for_user_sub: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # The page origins the launch's signed token named (its return URLs): every page of this launch may be framed
    # by them, in every worker at once, before the workers' cached lists learn them (lti_tool.lti.platform_origins).
    frame_origins: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)

    platform: Mapped[Platform] = relationship()
    deployment: Mapped[Deployment] = relationship()
    user: Mapped[User] = relationship()
    context: Mapped[Context | None] = relationship()
    resource_link: Mapped[ResourceLink | None] = relationship()

    @property
    def is_deep_link(self) -> bool:
        return self.message_type == "LtiDeepLinkingRequest"

    @property
    def is_submission_review(self) -> bool:
        return self.message_type == "LtiSubmissionReviewRequest"

    @property
    def has_ags(self) -> bool:
        return bool(self.ags_lineitem or self.ags_lineitems)
