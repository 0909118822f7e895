"""Item versions are enforced: the committed record of every item revision and the hash of its scored content.

`revisions.lock` in the bank folder lists `item-id revision hash`, one line per revision ever recorded. An item
whose stem, case, options, keys, points or rule changed while its `revision` stayed the same is refused, so an
attempt that pinned revision N can always say what revision N was. `cps-assess revisions lock` records new
revisions; it never rewrites a recorded one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from item_bank.model import Item, Scenario
from item_bank.problems import Problem
from item_bank.snapshot import scored_hash

LOCK_NAME = "revisions.lock"
HEADER = ("# Item revisions: item id, revision, sha256 of its scored content (type, case, stem, options, keys,\n"
          "# points, rule). Written by `cps-assess revisions lock`; a recorded line never changes.\n")


@dataclass(frozen=True)
class Recorded:
    item_id: str
    revision: int
    hash: str
    line: int


def read_lock(path: Path) -> tuple[dict[tuple[str, int], Recorded], list[Problem]]:
    """The recorded revisions, and a problem for every line that is not `id revision hash`."""
    recorded: dict[tuple[str, int], Recorded] = {}
    problems: list[Problem] = []
    if not path.is_file():
        return recorded, problems
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        parts = text.split()
        if len(parts) != 3 or not parts[1].isdigit() or len(parts[2]) != 64:
            problems.append(Problem(path.name, n, "revisions", "expected `item-id revision sha256`; "
                                    "restore the line from version control or run `cps-assess revisions lock`"))
            continue
        recorded[(parts[0], int(parts[1]))] = Recorded(parts[0], int(parts[1]), parts[2], n)
    return recorded, problems


def revision_problems(lock_path: Path, items: Iterable[Item], scenarios: dict[str, Scenario]) -> list[Problem]:
    """Errors for changed items that kept their revision or went back; a warning for revisions not recorded yet.

    No lock file means the bank does not track revisions (a new or imported bank): nothing is checked."""
    if not lock_path.is_file():
        return []
    recorded, problems = read_lock(lock_path)
    highest: dict[str, int] = {}
    for item_id, revision in recorded:
        highest[item_id] = max(highest.get(item_id, 0), revision)
    for item in items:
        current = scored_hash(item, scenarios.get(item.scenario) if item.scenario else None)
        entry = recorded.get((item.id, item.revision))
        top = highest.get(item.id, 0)
        if entry is not None and entry.hash != current:
            problems.append(Problem(
                item.file, item.line, "revision",
                f"the stem, case, options or key changed but revision is still {item.revision} "
                f"({LOCK_NAME}:{entry.line} records revision {item.revision} with other content); "
                f"set `revision: {top + 1}`, then run `cps-assess revisions lock`", item_id=item.id))
        elif entry is None and item.revision < top:
            problems.append(Problem(
                item.file, item.line, "revision",
                f"revision {item.revision} is lower than the recorded revision {top}; "
                f"set `revision: {top + 1}`, then run `cps-assess revisions lock`", item_id=item.id))
        elif entry is None:
            problems.append(Problem(
                item.file, item.line, "revision",
                f"revision {item.revision} is not recorded in {LOCK_NAME}; run `cps-assess revisions lock`",
                severity="warning", item_id=item.id))
    return problems


def locked_text(lock_path: Path, items: Iterable[Item], scenarios: dict[str, Scenario]) -> tuple[str, int]:
    """The lock file with every unrecorded item revision added (recorded lines kept as they are), and how many
    were added. Call it only on a bank without revision errors."""
    recorded, _ = read_lock(lock_path)
    rows = {key: r.hash for key, r in recorded.items()}
    added = 0
    for item in items:
        key = (item.id, item.revision)
        if key not in rows:
            rows[key] = scored_hash(item, scenarios.get(item.scenario) if item.scenario else None)
            added += 1
    body = "".join(f"{item_id} {revision} {digest}\n" for (item_id, revision), digest in sorted(rows.items()))
    return HEADER + body, added
