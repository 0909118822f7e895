"""The licence of a bank's content, named by the LICENSE file in the bank's folder.

The embedded bank (item_bank/content/) and the items exported from it are CC BY-SA 4.0: its LICENSE holds the
licence's text. The code is Apache-2.0 (LICENSE at the top of the repository). Exporters carry the content licence
into the packages' metadata where a format has a place for it (LOM rights in QTI 2.1 / 3.0 and Common Cartridge
manifests, a comment in GIFT, `rel="license"` in the review HTML). A bank whose folder has no LICENSE, or one whose
first line names no licence known here, gets no licence claim in its exports: nothing is claimed for content that
did not say so.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from item_bank.model import Bank

LICENSE_FILE = "LICENSE"
SPDX_TAG = "SPDX-License-Identifier:"


@dataclass(frozen=True)
class ContentLicense:
    spdx: str  # the SPDX identifier, e.g. CC-BY-SA-4.0
    title: str
    url: str

    @property
    def notice(self) -> str:
        """One line for a package's metadata: "CC-BY-SA-4.0: Creative Commons ... (https://...)"."""
        return f"{self.spdx}: {self.title} ({self.url})"


CC_BY_SA_4 = ContentLicense("CC-BY-SA-4.0", "Creative Commons Attribution-ShareAlike 4.0 International",
                            "https://creativecommons.org/licenses/by-sa/4.0/")
# The first line of a licence's official text -> the licence.
KNOWN = {
    "Attribution-ShareAlike 4.0 International": CC_BY_SA_4,
    "Attribution 4.0 International": ContentLicense("CC-BY-4.0", "Creative Commons Attribution 4.0 International",
                                                    "https://creativecommons.org/licenses/by/4.0/"),
    "CC0 1.0 Universal": ContentLicense("CC0-1.0", "Creative Commons Zero v1.0 Universal",
                                        "https://creativecommons.org/publicdomain/zero/1.0/"),
}


def content_license(bank: Bank) -> ContentLicense | None:
    """The licence the bank's folder names in its LICENSE file (the official text's first line, or a line
    `SPDX-License-Identifier: ID`), or None."""
    return license_of(Path(bank.root) / LICENSE_FILE) if bank.root else None


@functools.lru_cache(maxsize=8)
def license_of(path: Path) -> ContentLicense | None:
    try:
        with path.open(encoding="utf-8") as stream:
            first = next((line.strip() for line in stream if line.strip()), "")
    except (OSError, UnicodeError):
        return None
    if first.startswith(SPDX_TAG):
        spdx = first[len(SPDX_TAG):].strip()
        known = next((lic for lic in KNOWN.values() if lic.spdx == spdx), None)
        return known or ContentLicense(spdx, spdx, f"https://spdx.org/licenses/{spdx}.html")
    return KNOWN.get(first)
