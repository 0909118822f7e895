"""LIS roles as the tool reads them: who is course staff and who is a learner in the launch's own course."""

from __future__ import annotations

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
