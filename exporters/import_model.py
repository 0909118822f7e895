"""What the importer produces: items in the bank's YAML shape, and the things it skipped with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class ImportedItem:
    """One item read from a package, with the bank's field names (see docs/authoring.md)."""

    id: str
    source: str
    type: str = "single_choice"
    status: str = "draft"
    revision: int = 1
    domain: str | None = None
    objectives: list[str] = field(default_factory=list)
    cognitive_level: str | None = None
    difficulty: str | None = None
    points: float | None = None
    scenario: str | None = None
    scenario_title: str = ""
    scenario_text: str = ""
    scoring_rule: str | None = None
    jurisdiction: str | None = None
    law_as_of: date | None = None
    stem: str = ""
    choices: list[dict[str, Any]] = field(default_factory=list)
    feedback: str = ""
    sources: list[str] = field(default_factory=list)
    rubric: str | None = None
    grader_notes: str | None = None
    tags: list[str] = field(default_factory=list)
    variant: bool = False  # a form-specific copy (e.g. scored under the form's rule); the plain item wins
    removed: list[str] = field(default_factory=list)  # unsafe content left out (html_to_markdown), for a warning

    def as_yaml(self) -> dict[str, Any]:
        """The item as a mapping in the order authors read it; empty optional fields are left out."""
        out: dict[str, Any] = {"id": self.id, "type": self.type, "status": self.status}
        if self.revision != 1:
            out["revision"] = self.revision
        for key in ("domain", "objectives", "cognitive_level", "difficulty"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.points is not None:
            out["points"] = int(self.points) if float(self.points).is_integer() else self.points
        for key in ("scenario", "scoring_rule", "jurisdiction", "law_as_of"):
            value = getattr(self, key)
            if value:
                out[key] = value
        out["stem"] = self.stem
        if self.choices:
            out["choices"] = self.choices
        out["feedback"] = self.feedback
        out["sources"] = self.sources
        for key in ("rubric", "grader_notes"):
            value = getattr(self, key)
            if value:
                out[key] = value
        if self.tags:
            out["tags"] = self.tags
        return out

    def missing(self) -> list[str]:
        """Required fields the package did not carry: the author fills them in before the bank validates."""
        need = ["domain", "objectives", "cognitive_level", "difficulty", "stem", "feedback"]
        gaps = [k for k in need if not getattr(self, k)]
        if any(not c.get("rationale") for c in self.choices):
            gaps.append("choice rationales")
        return gaps


@dataclass(frozen=True)
class Skipped:
    identifier: str
    where: str
    reason: str

    def __str__(self) -> str:
        return f"skipped {self.identifier} ({self.where}): {self.reason}"
