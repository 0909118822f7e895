"""What a person is called in the tool: the name the platform shares, else a clear label, never a bare id.

A platform may send no name (Moodle's privacy setting "Share launcher's name with tool": never), or an id in its
place; neither replaces a name learned earlier (`lti.launch_records` keeps a stored name when the launch brings
none), and the instructor's pages and CSV files show such a person as "Learner 5 (name not shared by the LMS)".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

NOT_SHARED = "name not shared by the LMS"


def claimed_name(claims: Mapping[str, Any], user_id: str) -> str:
    """The name in an id_token or an NRPS member ("name", else given and family name); "" when there is none or
    it is only the user's id."""
    name = claims.get("name") or " ".join(
        str(p) for p in (claims.get("given_name"), claims.get("family_name")) if p)
    name = str(name or "").strip()
    return "" if name == str(user_id).strip() else name


def display_name(name: str | None, user_id: str) -> str:
    """The stored name, or "Learner <id> (name not shared by the LMS)"."""
    return name or f"Learner {user_id} ({NOT_SHARED})"
