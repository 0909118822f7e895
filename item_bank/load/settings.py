"""A form's `settings:`: how it is delivered (time limit, attempts, shuffling, feedback, pass mark, scoring rule,
which attempt counts)."""

from __future__ import annotations

from item_bank.load.checks import Checker
from item_bank.load.source import LineMap
from item_bank.model import DeliverySettings, FeedbackPolicy, GradingPolicy, ScoringRule

SETTINGS_FIELDS = frozenset({"time_limit_minutes", "attempts_allowed", "shuffle_items", "shuffle_choices",
                             "feedback", "passing_score", "multiple_response_scoring", "grading_policy"})


def read_settings(check: Checker, raw: LineMap, file: str) -> DeliverySettings:
    s = raw.get("settings")
    if s is None:
        return DeliverySettings()
    if not check.expect_map(s, file, "settings", SETTINGS_FIELDS):
        return DeliverySettings()

    def bad(key: str, message: str) -> None:
        check.error(file, s.key_line(key), f"settings.{key}", message)

    time_limit = s.get("time_limit_minutes")
    if time_limit is not None and (not isinstance(time_limit, int) or isinstance(time_limit, bool)
                                   or time_limit < 1):
        bad("time_limit_minutes", "must be a whole number of minutes >= 1, or null for no limit")
        time_limit = None
    attempts = s.get("attempts_allowed", 1)
    if not isinstance(attempts, int) or isinstance(attempts, bool) or attempts < 0:
        bad("attempts_allowed", "must be a whole number >= 0 (0 means unlimited)")
        attempts = 1
    flags = {}
    for key in ("shuffle_items", "shuffle_choices"):
        flags[key] = s.get(key, False)
        if not isinstance(flags[key], bool):
            bad(key, "must be true or false")
            flags[key] = False
    try:
        feedback = FeedbackPolicy(s.get("feedback", "after_submit"))
    except ValueError:
        bad("feedback", "use never, after_submit or after_due")
        feedback = FeedbackPolicy.AFTER_SUBMIT
    passing = s.get("passing_score", 70)
    if isinstance(passing, bool) or not isinstance(passing, (int, float)) or not 0 <= passing <= 100:
        bad("passing_score", "must be a percentage from 0 to 100")
        passing = 70
    try:
        rule = ScoringRule(s.get("multiple_response_scoring", "partial"))
    except ValueError:
        bad("multiple_response_scoring", "use partial or all_or_nothing")
        rule = ScoringRule.PARTIAL
    try:
        policy = GradingPolicy(s.get("grading_policy", "highest"))
    except ValueError:
        bad("grading_policy", "use highest, latest, first or average (which attempt counts for the grade)")
        policy = GradingPolicy.HIGHEST
    return DeliverySettings(time_limit, attempts, flags["shuffle_items"], flags["shuffle_choices"], feedback,
                            float(passing), rule, policy)
