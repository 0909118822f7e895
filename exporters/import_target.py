"""Where `cps-assess import` may write: the blueprint it maps rubrics from must read, and an existing bank folder
is written into only when the user asks to merge; then the ids already in it are returned, so that clashes are
refused before anything is written."""

from __future__ import annotations

from pathlib import Path

import yaml


class ImportTargetError(ValueError):
    """The output folder or the blueprint cannot be used; the message says what and how to fix it."""


def rubric_ids_or_error(blueprint: Path) -> dict[str, str]:
    """Rubric title -> id from the blueprint, or an ImportTargetError naming the file when it does not read."""
    from exporters.qti_import import rubric_ids_from

    try:
        return rubric_ids_from(blueprint)
    except (yaml.YAMLError, UnicodeDecodeError, AttributeError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportTargetError(f"--blueprint {blueprint}: not a bank blueprint ({first}); give the path of a "
                                "bank's blueprint.yaml") from None


def is_bank(folder: Path) -> bool:
    return (folder / "blueprint.yaml").is_file() or (folder / "items").is_dir()


def check_target(output: Path, merge: bool) -> set[str]:
    """The ids of the bank already in `output` (empty for a new folder); refused when it is a bank and not `merge`."""
    if not is_bank(output):
        return set()
    if not merge:
        raise ImportTargetError(f"{output}: already holds a bank; nothing written (import into a new folder, or "
                                "add --merge to add the items to this bank)")
    return existing_ids(output)


def existing_ids(bank: Path) -> set[str]:
    """Every item and scenario id in the YAML files of `bank`'s items/ and scenarios/ folders."""
    ids: set[str] = set()
    for folder, key in (("items", "items"), ("scenarios", "scenarios")):
        for path in sorted((bank / folder).glob("**/*.y*ml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError, OSError) as exc:
                raise ImportTargetError(f"{path}: cannot read it to check for id clashes ({type(exc).__name__}); "
                                        "fix the file with `cps-assess validate` first") from None
            entries = data.get(key) if isinstance(data, dict) else None
            ids.update(str(e["id"]) for e in entries or [] if isinstance(e, dict) and "id" in e)
    return ids
