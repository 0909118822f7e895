"""How long a launch's pages work: an idle timeout renewed while the person works, an absolute lifetime (shorter
for instructors), and a fresh launch for instructor actions that change grades once the launch is older than a set
time. A learner who keeps answering is never cut off before the absolute lifetime; an abandoned tab stops working
after the idle timeout. Nothing saved is touched when a session ends: reopening the activity resumes the attempt.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import update
from sqlalchemy.orm import Session

from lti_tool.lti.models import LaunchSession


def absolute_seconds(config: dict, instructor: bool) -> int:
    return int(config["INSTRUCTOR_SESSION_SECONDS"] if instructor else config["LAUNCH_SESSION_SECONDS"])


def first_expiry(config: dict, created_at: datetime, instructor: bool) -> datetime:
    """A new launch works for the idle timeout (never past its absolute lifetime)."""
    idle = int(config["SESSION_IDLE_SECONDS"])
    return created_at + timedelta(seconds=min(idle, absolute_seconds(config, instructor)))


def renew(db: Session, config: dict, launch: LaunchSession, now: datetime) -> None:
    """Push the expiry to now + idle timeout (capped by the absolute lifetime); written at most once per
    min(60 s, idle / 4) per session, so a busy page costs no extra write per request."""
    idle = int(config["SESSION_IDLE_SECONDS"])
    step = min(60.0, idle / 4)
    wanted = min(now + timedelta(seconds=idle),
                 launch.created_at + timedelta(seconds=absolute_seconds(config, launch.is_instructor)))
    if wanted - launch.expires_at < timedelta(seconds=step):
        return
    db.execute(update(LaunchSession).where(LaunchSession.id == launch.id, LaunchSession.expires_at < wanted)
               .values(expires_at=wanted).execution_options(synchronize_session=False))
    db.commit()
    launch.expires_at = wanted


def may_change_grades(config: dict, launch: LaunchSession, now: datetime) -> bool:
    """Instructor actions that change grades need a launch younger than GRADE_CHANGE_SECONDS."""
    return now - launch.created_at <= timedelta(seconds=int(config["GRADE_CHANGE_SECONDS"]))


def init_app(app: Flask) -> None:
    """Check the settings once: an idle timeout or lifetime of zero would lock everyone out."""
    for name in ("SESSION_IDLE_SECONDS", "LAUNCH_SESSION_SECONDS", "INSTRUCTOR_SESSION_SECONDS",
                 "GRADE_CHANGE_SECONDS"):
        if int(app.config[name]) <= 0:
            raise ValueError(f"{name} must be a positive number of seconds (set CPS_{name} or leave it unset)")
