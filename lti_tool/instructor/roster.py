"""The course roster from the platform (LTI Names and Role Provisioning Services), matched with this link's attempts
and each learner's recorded score (their attempts by the grading policy in force, `delivery.recorded_scores`).

The members URL is the one the instructor's signed launch named (its NRPS claim), so the roster is always the
launch's own course. pylti1p3's `NamesRolesProvisioningService` follows the platform's `Link: rel="next"` pages
(Canvas pages its rosters) over the tool's shared access-token cache; every call has the tool's HTTP timeout.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import requests
from pylti1p3.exception import LtiServiceException
from pylti1p3.names_roles import NamesRolesProvisioningService
from sqlalchemy import select
from sqlalchemy.orm import Session

from item_bank.grading_policy import POLICY_NAMES
from item_bank.model import GradingPolicy
from lti_tool.delivery.models import SUBMITTED, Attempt
from lti_tool.delivery.recorded_scores import policy_in_force, recorded_of
from lti_tool.lti.learner_names import claimed_name, display_name
from lti_tool.lti.models import LaunchSession, User
from lti_tool.lti.roles import is_instructor, is_learner, role_name
from lti_tool.lti.service_tokens import connector_for_launch

MAX_MEMBERS = 20_000


class RosterUnavailable(Exception):
    """The platform's roster could not be read; the message says why and what to check."""


@dataclass(frozen=True)
class AttemptSummary:
    """A learner's attempts at the link and the score the gradebook gets for them (None before a submission)."""

    started: int
    submitted: int
    recorded_score: float | None
    score_maximum: float | None
    policy: GradingPolicy | None = None
    pending: bool = False

    @property
    def policy_name(self) -> str:
        """Which attempt counts, in words ("highest attempt"); empty before a submission."""
        return POLICY_NAMES[self.policy] if self.policy is not None else ""


@dataclass(frozen=True)
class RosterEntry:
    user_id: str
    name: str
    email: str
    roles: tuple[str, ...]
    status: str
    learner: bool
    attempts: AttemptSummary | None

    @property
    def has_attempted(self) -> bool:
        return self.attempts is not None and self.attempts.started > 0


def fetch_members(launch: LaunchSession, db: Session) -> list[dict]:
    """Every member of the launch's course, all pages; raises RosterUnavailable with a reason."""
    if not launch.nrps_url:
        raise RosterUnavailable("The course did not offer its roster to this tool (the launch had no Names and "
                                "Role Provisioning Services claim). Ask the LMS admin to allow the roster scope.")
    service = NamesRolesProvisioningService(connector_for_launch(launch, db),
                                            {"context_memberships_url": launch.nrps_url})
    members: list[dict] = []
    url: str | None = launch.nrps_url
    try:
        while url and len(members) < MAX_MEMBERS:
            page, url = service.get_members_page(url)
            members.extend(m for m in page if isinstance(m, dict) and m.get("user_id"))
    except LtiServiceException as exc:
        raise RosterUnavailable(f"The LMS refused the roster request (HTTP {exc.response.status_code}). "
                                "Check that the tool may read course memberships.") from exc
    except requests.RequestException as exc:
        raise RosterUnavailable("The LMS did not answer the roster request in time; try again shortly.") from exc
    except ValueError as exc:
        raise RosterUnavailable("The LMS answered the roster request with something that is not a roster.") from exc
    return members


def attempt_summaries(db: Session, platform_id: int, resource_link_id: int) -> dict[str, AttemptSummary]:
    """Per platform user id (`sub`): attempts started and submitted at this link, and the recorded score."""
    query = (
        select(User.sub, Attempt).join(User, User.id == Attempt.user_id)
        .where(Attempt.resource_link_id == resource_link_id, User.platform_id == platform_id)
        .order_by(User.sub, Attempt.number)
    )
    by_sub: dict[str, list[Attempt]] = {}
    for sub, attempt in db.execute(query):
        by_sub.setdefault(sub, []).append(attempt)
    return {sub: summary_of(attempts) for sub, attempts in by_sub.items()}


def summary_of(attempts: list[Attempt]) -> AttemptSummary:
    """One learner's attempts at one link, summed up with their recorded score."""
    recorded = recorded_of(attempts)
    submitted = sum(1 for a in attempts if a.status == SUBMITTED)
    if recorded is None:
        return AttemptSummary(len(attempts), submitted, None, None)
    return AttemptSummary(len(attempts), submitted, recorded.score, recorded.maximum, policy_in_force(attempts),
                          recorded.pending)


def known_names(db: Session, platform_id: int, members: Iterable[Mapping]) -> dict[str, str]:
    """Per platform user id: the name the tool learned at a launch, for members the roster sends without one."""
    subs = {str(m["user_id"]) for m in members if not claimed_name(m, str(m["user_id"]))}
    if not subs:
        return {}
    query = select(User.sub, User.name).where(User.platform_id == platform_id, User.sub.in_(subs), User.name != "")
    return dict(db.execute(query).all())


def roster_entries(members: Iterable[Mapping], summaries: Mapping[str, AttemptSummary],
                   known: Mapping[str, str] | None = None) -> list[RosterEntry]:
    """Members with their attempts at this link: learners who have not attempted first, then by name. A member
    the roster sends without a name keeps the one `known` from a launch, else is labelled (`display_name`)."""
    entries = []
    for m in members:
        roles = [r for r in m.get("roles") or [] if isinstance(r, str)]
        user_id = str(m["user_id"])
        name = claimed_name(m, user_id) or (known or {}).get(user_id, "")
        learner = is_learner(roles) and not is_instructor(roles)
        entries.append(RosterEntry(
            user_id=user_id, name=display_name(name, user_id), email=str(m.get("email") or ""),
            roles=tuple(dict.fromkeys(role_name(r) for r in roles)), status=str(m.get("status") or "Active"),
            learner=learner, attempts=summaries.get(str(m["user_id"])),
        ))
    return sorted(entries, key=lambda e: (not e.learner, e.has_attempted, e.name.casefold(), e.user_id))


def not_attempted(entries: Iterable[RosterEntry]) -> list[RosterEntry]:
    """Active learners who have not started this assessment."""
    return [e for e in entries if e.learner and e.status == "Active" and not e.has_attempted]

