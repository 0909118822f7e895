"""The essay rubrics in `blueprint.yaml` (`rubrics:`, or one `rubric:`): levels and dimensions, by id."""

from __future__ import annotations

from item_bank.load.checks import Checker
from item_bank.load.source import LineMap
from item_bank.model import Rubric, RubricDimension

RUBRIC_FIELDS = frozenset({"id", "title", "levels", "dimensions"})
DIMENSION_FIELDS = frozenset({"id", "title", "full_credit"})


def read_rubrics(check: Checker, data: LineMap, file: str) -> dict[str, Rubric]:
    rubrics: dict[str, Rubric] = {}
    raw_rubrics = data.get("rubrics") or ([data["rubric"]] if "rubric" in data else [])
    for r in raw_rubrics:
        if not check.expect_map(r, file, "rubric", RUBRIC_FIELDS):
            continue
        dims = tuple(
            RubricDimension(check.text(d, "id", file) or "", check.text(d, "title", file) or "",
                            check.text(d, "full_credit", file) or "")
            for d in check.expect_list(r, "dimensions", file)
            if check.expect_map(d, file, "dimension", DIMENSION_FIELDS)
        )
        levels = r.get("levels")
        if not isinstance(levels, int) or levels < 1:
            check.error(file, r.key_line("levels"), "levels", "must be a whole number >= 1")
            levels = 1
        rid = check.text(r, "id", file) or ""
        rubrics[rid] = Rubric(rid, check.text(r, "title", file) or "", levels, dims)
    return rubrics
