"""axe-core (npm, tests/js) run inside a page or frame: the serious and critical violations it finds."""

from __future__ import annotations

import shutil
import subprocess

from tests.conftest import REPO, skip_or_fail

JS_DIR = REPO / "tests" / "js"
AXE = JS_DIR / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_script() -> str:
    """axe.min.js, installed from tests/js/package-lock.json on first use."""
    if not AXE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            skip_or_fail("npm is not installed: needed to install axe-core in tests/js")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0 or not AXE.is_file():
            skip_or_fail(f"npm ci in tests/js failed: {done.stderr.strip()[-300:]}")
    return AXE.read_text(encoding="utf-8")


RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                         nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5)}));
}"""


def violations(frame) -> list[dict]:  # noqa: ANN001 - playwright Frame or Page
    """Every axe violation on the frame's current document (all impacts)."""
    if not frame.evaluate("typeof window.axe !== 'undefined'"):
        frame.evaluate(axe_script())
    return frame.evaluate(RUN)


def blocking(found: list[dict]) -> list[dict]:
    return [v for v in found if v["impact"] in BLOCKING]
