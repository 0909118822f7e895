"""The instructor's deep-linking launch: pick a form, set its delivery options, send the link back to the LMS
(the pages: deep_linking_views).

The response is one `ltiResourceLink` with a line item (scoreMaximum = the form's points, label = its title,
resourceId = the form id) so the LMS creates exactly one gradebook column, and custom params carrying the form id
and the chosen settings, which come back in every launch of that link. It is a JWT signed with the tool's current
key by pylti1p3's `DeepLink`, posted to the platform's return URL by a form (auto-submitted when scripts run).
"""

from __future__ import annotations

from dataclasses import dataclass

from pylti1p3.deep_link import DeepLink
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy.orm import Session

from item_bank.assemble import FormUnsatisfiable, form_items
from item_bank.model import Bank, FeedbackPolicy, Form, GradingPolicy
from lti_tool.lti.keys import signing_key
from lti_tool.lti.models import LaunchSession
from lti_tool.lti.platforms import PlatformRegistration

MAX_ATTEMPTS = 20
# Canvas substitutes the assignment's due date here; a platform that does not leaves the text as it is, and
# "after the due date" feedback then stays hidden (the safe side).
CANVAS_DUE_AT = "$Canvas.assignment.dueAt.iso8601"
MAX_MINUTES = 600
FEEDBACK_LABELS = {
    FeedbackPolicy.AFTER_SUBMIT: "Right after submitting",
    FeedbackPolicy.AFTER_DUE: "After the due date",
    FeedbackPolicy.NEVER: "Never (score only)",
}
# Which attempt the gradebook gets, in the instructor's words (the values of the `grading_policy` custom param).
GRADING_POLICY_LABELS = {
    GradingPolicy.HIGHEST: "The highest-scoring attempt",
    GradingPolicy.LATEST: "The latest attempt",
    GradingPolicy.FIRST: "The first attempt",
    GradingPolicy.AVERAGE: "The average of all attempts",
}


@dataclass(frozen=True)
class FormSummary:
    """What an instructor needs to choose a form."""

    form: Form
    item_count: int
    points: float
    domains: tuple[str, ...]


@dataclass(frozen=True)
class LinkSettings:
    attempts_allowed: int
    time_limit_minutes: int
    feedback: FeedbackPolicy
    grading_policy: GradingPolicy | None = None  # None: the form's own

    def as_custom(self, form_id: str) -> dict[str, str]:
        custom = {"form_id": form_id, "attempts_allowed": str(self.attempts_allowed),
                  "time_limit_minutes": str(self.time_limit_minutes), "feedback": self.feedback.value}
        if self.grading_policy is not None:
            custom["grading_policy"] = self.grading_policy.value
        if self.feedback is FeedbackPolicy.AFTER_DUE:
            custom["due_at"] = CANVAS_DUE_AT
        return custom


def summarize(bank: Bank) -> list[FormSummary]:
    """Every form the bank can assemble, with its size, points and domain titles (forms that cannot be built are
    left out: the bank validator reports them)."""
    summaries = []
    for form in bank.forms:
        try:
            items = form_items(form, bank)
        except (FormUnsatisfiable, KeyError):
            continue
        domain_ids = list(dict.fromkeys(i.domain for i in items))
        titles = tuple(bank.blueprint.domain(d).title for d in domain_ids)
        summaries.append(FormSummary(form, len(items), sum(i.points for i in items), titles))
    return summaries


def parse_settings(values: dict[str, str]) -> tuple[LinkSettings | None, list[str]]:
    """The instructor's choices, or the problems with them in words they can act on."""
    problems = []
    attempts = _whole(values.get("attempts_allowed", ""), 0, MAX_ATTEMPTS)
    if attempts is None:
        problems.append(f"Attempts must be a whole number from 0 (unlimited) to {MAX_ATTEMPTS}.")
    minutes = _whole(values.get("time_limit_minutes", "") or "0", 0, MAX_MINUTES)
    if minutes is None:
        problems.append(f"The time limit must be a whole number of minutes from 0 (none) to {MAX_MINUTES}.")
    try:
        feedback = FeedbackPolicy(values.get("feedback", ""))
    except ValueError:
        feedback = None
        problems.append("Choose when learners see feedback.")
    policy = None
    if values.get("grading_policy"):
        try:
            policy = GradingPolicy(values["grading_policy"])
        except ValueError:
            problems.append("Choose which attempt counts for the grade.")
    if problems:
        return None, problems
    return LinkSettings(attempts, minutes, feedback, policy), []


def resource_link(summary: FormSummary, settings: LinkSettings, launch_url: str) -> DeepLinkResource:
    lineitem = (LineItem().set_score_maximum(summary.points).set_label(summary.form.title)
                .set_resource_id(summary.form.id)
                .set_submission_review(["Completed"], label="Review the submitted attempt", url=launch_url))
    return (DeepLinkResource().set_url(launch_url).set_title(summary.form.title).set_lineitem(lineitem)
            .set_custom_params(settings.as_custom(summary.form.id)))


def response_jwt(db: Session, launch: LaunchSession, summary: FormSummary, settings: LinkSettings,
                 launch_url: str) -> str:
    """The deep-linking response for the chosen form and settings, signed with the tool's current key."""
    registration = PlatformRegistration(launch.platform, signing_key(db))
    deep_link = DeepLink(registration, launch.deployment.deployment_id, launch.deep_linking_settings)
    return deep_link.get_response_jwt([resource_link(summary, settings, launch_url)])


def _whole(raw: str, low: int, high: int) -> int | None:
    raw = raw.strip()
    if not raw.isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None
