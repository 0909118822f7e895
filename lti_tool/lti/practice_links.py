"""Adaptive practice in the deep-linking picker: the practice targets a course builder can add, and the link each
becomes (its pages: deep_linking_views; the practice itself: lti_tool.delivery.practice).

A practice link is one `ltiResourceLink` whose custom parameters name the target (`practice`: "all" or a domain
id), whether it is graded (`practice_graded`: "true"/"false") and the window (`practice_window`: questions before
an item may come back). A graded link asks the LMS for one gradebook column (scoreMaximum 100, label = the
target's title), where the tool sends the learner's mean mastery of the target's objectives; an ungraded link asks
for none.
"""

from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy.orm import Session

from item_bank.model import Bank
from item_bank.practice import DEFAULT_WINDOW, PracticeTarget, find_target, practice_pool, practice_targets
from lti_tool.lti.keys import signing_key
from lti_tool.lti.models import LaunchSession
from lti_tool.lti.platforms import PlatformRegistration

PRACTICE_PREFIX = "practice:"
MAX_WINDOW = 500
SCORE_MAXIMUM = 100


@dataclass(frozen=True)
class PracticeChoice:
    """A target as the picker lists it: with how many questions its pool holds."""

    target: PracticeTarget
    questions: int


@dataclass(frozen=True)
class PracticeLinkSettings:
    target: PracticeTarget
    graded: bool
    window: int

    def as_custom(self) -> dict[str, str]:
        return {"practice": self.target.id, "practice_graded": "true" if self.graded else "false",
                "practice_window": str(self.window)}


def practice_choices(bank: Bank) -> list[PracticeChoice]:
    """Every practice target with at least one question, the whole blueprint first."""
    choices = [PracticeChoice(t, len(practice_pool(bank, t))) for t in practice_targets(bank)]
    return [c for c in choices if c.questions]


def parse_practice(bank: Bank, values: dict[str, str]) -> tuple[PracticeLinkSettings | None, list[str]]:
    """The course builder's practice choices, or the problems with them in words they can act on."""
    problems = []
    try:
        target = find_target(bank, values.get("practice", ""))
    except KeyError:
        target = None
        problems.append("Choose one of the practice targets listed.")
    graded = values.get("practice_graded", "")
    if graded not in ("true", "false"):
        problems.append("Choose whether the practice is graded.")
    raw = (values.get("practice_window") or "").strip()
    window = int(raw) if raw.isdigit() else None
    if window is None or window > MAX_WINDOW:
        problems.append(f"The number of questions before one comes back must be a whole number from 0 to "
                        f"{MAX_WINDOW} (the default is {DEFAULT_WINDOW}).")
    if problems:
        return None, problems
    return PracticeLinkSettings(target, graded == "true", window), []


def practice_resource(settings: PracticeLinkSettings, launch_url: str) -> DeepLinkResource:
    """The resource link for a practice target; with a line item only when it is graded."""
    resource = (DeepLinkResource().set_url(launch_url).set_title(settings.target.title)
                .set_custom_params(settings.as_custom()))
    if settings.graded:
        resource.set_lineitem(LineItem().set_score_maximum(SCORE_MAXIMUM).set_label(settings.target.title)
                              .set_resource_id(PRACTICE_PREFIX + settings.target.id))
    return resource


def practice_response_jwt(db: Session, launch: LaunchSession, settings: PracticeLinkSettings,
                          launch_url: str) -> str:
    """The deep-linking response for the chosen practice, signed with the tool's current key."""
    registration = PlatformRegistration(launch.platform, signing_key(db))
    deep_link = DeepLink(registration, launch.deployment.deployment_id, launch.deep_linking_settings)
    return deep_link.get_response_jwt([practice_resource(settings, launch_url)])
