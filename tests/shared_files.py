"""The test data that is not in the repository, found in one place: the 1EdTech schemas (`CPS_SCHEMAS`) and the
real QTI sample packages (`CPS_QTI_SAMPLES`), by default in `../shared/` beside the clone (README.md, "Tests").

A variable that is set is the only place looked at (a wrong path must not quietly fall back to another copy).
Missing files skip the test with a reason that names the variable; under CI=true they fail it instead."""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO, skip_or_fail

SCHEMAS_VARIABLE = "CPS_SCHEMAS"
SAMPLES_VARIABLE = "CPS_QTI_SAMPLES"


def _shared_folder(variable: str, default: Path, marker: str, what: str) -> Path:
    """The folder `variable` names (else `default`) when it holds `marker`; otherwise skip or fail, saying how
    to provide it."""
    folder = Path(os.environ[variable]) if os.environ.get(variable) else default
    if not (folder / marker).is_file():
        source = f"${variable} ({folder})" if os.environ.get(variable) else f"the default folder {folder}"
        skip_or_fail(f"{what} not found: {source} has no {marker}; set {variable} to a folder holding them "
                     "(README.md, Tests)")
    return folder


def schemas_dir() -> Path:
    """The 1EdTech QTI / IMS CP schemas with their OASIS catalog (`catalog.xml`)."""
    return _shared_folder(SCHEMAS_VARIABLE, REPO.parent / "shared" / "schemas", "catalog.xml", "QTI schemas")


def qti_samples_dir() -> Path:
    """The real QTI packages the import tests read (listed in `SOURCES.md`)."""
    return _shared_folder(SAMPLES_VARIABLE, REPO.parent / "shared" / "qti-samples", "SOURCES.md", "QTI samples")
