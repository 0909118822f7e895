"""YAML files -> a validated `Bank`, or every problem at once as `file:line: field: message`.

The loader is the only way into the model: it checks fields, types and ids, cross-references (domains, objectives,
scenarios, sources, rubrics, retired ids), markup safety, and whether every form can be assembled. One module per
entity, each reading its file(s) into model objects and reporting to one `Checker`:

    source      YAML with the line of every key (libyaml's C parser)
    checks      the problems found so far, and the typed readers every entity uses
    blueprint   domains, objectives, sources (rubric: the essay rubrics in it)
    scenarios   scenarios/*.yaml          items     items/*.yaml (choices: each item's options)
    retired     retired_ids.txt           enemies   enemies.yaml
    forms       forms.yaml (rules: draw rules; settings: delivery settings)

This module runs them in order and keeps the public names: `load_bank`, `check_bank`, `default_bank_path` and
`display_path`.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from item_bank.load.blueprint import BlueprintIndex, read_blueprint
from item_bank.load.checks import Checker, display_path
from item_bank.load.enemies import read_enemies
from item_bank.load.forms import FormReader
from item_bank.load.items import ItemReader
from item_bank.load.retired import read_retired
from item_bank.load.scenarios import read_scenarios
from item_bank.model import Bank, Blueprint
from item_bank.problems import BankError, Problem
from item_bank.revisions import LOCK_NAME, revision_problems

__all__ = ["BankError", "bulk_loading", "check_bank", "default_bank_path", "display_path", "load_bank"]


def default_bank_path() -> Path:
    """The bank shipped inside the package, unless CPS_BANK points elsewhere."""
    override = os.environ.get("CPS_BANK")
    return Path(override) if override else Path(__file__).parent.parent / "content"


def load_bank(root: Path | str | None = None, *, bulk: bool = False) -> Bank:
    """Load and validate the bank at `root`; raise `BankError` listing every problem.

    `bulk=True` is for a command that loads one big bank and exits (validate, export, stats): see `bulk_loading`.
    """
    bank, problems = check_bank(root, bulk=bulk)
    if bank is None:
        raise BankError(problems)
    return bank


def check_bank(root: Path | str | None = None, *, bulk: bool = False) -> tuple[Bank | None, list[Problem]]:
    """Load the bank and return it with all problems; the bank is None when any problem is an error."""
    check = Checker()
    with bulk_loading() if bulk else nullcontext():
        bank = _read(check, Path(root) if root is not None else default_bank_path())
    problems = sorted(check.problems)
    if any(p.severity == "error" for p in problems):
        return None, problems
    return bank, problems


@contextmanager
def bulk_loading() -> Iterator[None]:
    """Pause the cyclic garbage collector while a command-line process loads a big bank, and leave what is loaded
    out of its later passes.

    Loading allocates millions of objects, none of them in reference cycles; with the collector on, its passes walk
    the items loaded so far again and again. Switched back on, its first passes would still walk all of them once
    per generation (everything loaded counts as new), so what survives the load is moved to the permanent
    generation (`gc.freeze`): the bank lives until the command exits anyway. The collector is process-wide, so this
    is for a command that loads and exits, never for the threaded server (its requests allocate while a bank
    loads): the server loads with the collector on, as `check_bank` does by default.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _read(check: Checker, root: Path) -> Bank | None:
    if not root.is_dir():
        check.error(display_path(root), 0, "bank", "no such folder; give the path of a bank folder "
                    "(the one holding blueprint.yaml)")
        return None
    blueprint = read_blueprint(check, root / "blueprint.yaml")
    index = BlueprintIndex.of(blueprint) if blueprint is not None else None
    retired = read_retired(root / "retired_ids.txt")
    scenarios = read_scenarios(check, root / "scenarios")
    items = ItemReader(check, index, scenarios, retired).read_all(root / "items")
    item_tuple = tuple(items.values())
    check.problems.extend(revision_problems(root / LOCK_NAME, item_tuple, scenarios))
    enemy_groups = read_enemies(check, root / "enemies.yaml", items, retired)
    forms = FormReader(check, items, index, scenarios, enemy_groups).read_all(root / "forms.yaml")
    return Bank(blueprint or Blueprint((), {}, {}), item_tuple, scenarios, tuple(forms), str(root),
                tuple(enemy_groups))
