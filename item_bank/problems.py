"""A problem found in the bank, reported as `file:line: field: message` so an author can go straight to it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    field: str
    message: str
    severity: str = "error"
    item_id: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        who = f" [{self.item_id}]" if self.item_id else ""
        level = "" if self.severity == "error" else f" {self.severity}:"
        return f"{where}:{level} {self.field}: {self.message}{who}"


class BankError(Exception):
    """The bank could not be loaded; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the item bank")
