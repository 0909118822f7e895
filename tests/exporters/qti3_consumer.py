"""A real QTI 3 consumer for the tests: @citolab/qti-components in headless Chromium, answered by clicking.

Why: no QTI 3.0 item schema is available offline, so the QTI 3.0 items are checked by rendering them in a real
player, choosing options the way a learner does, running its response processing and reading the SCORE it
computes. The npm project lives in tests/js (package.json + package-lock.json; `npm ci` when node_modules is
missing). Files are served from a local http server on 127.0.0.1; Chromium runs with networking features off.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import etree

from tests.conftest import REPO, skip_or_fail

JS_DIR = REPO / "tests" / "js"
BUNDLE = JS_DIR / "node_modules" / "@citolab" / "qti-components" / "cdn" / "index.global.js"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><script src="qti.js"></script></head>
<body><main id="host"></main></body></html>"""


def ensure_bundle() -> Path:
    """The qti-components browser bundle, installed from the lock file on first use."""
    if not BUNDLE.is_file():
        npm = shutil.which("npm")
        if npm is None:
            skip_or_fail("npm is not installed: needed to install @citolab/qti-components in tests/js")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0 or not BUNDLE.is_file():
            skip_or_fail(f"npm ci in tests/js failed: {done.stderr.strip()[-300:]}")
    return BUNDLE


def as_html(item_xml: bytes) -> str:
    """The item as HTML markup for the custom elements: namespaces dropped and every element explicitly closed."""
    root = etree.fromstring(item_xml)
    for el in root.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
        for key in [k for k in el.attrib if k.startswith("{")]:
            del el.attrib[key]
    etree.cleanup_namespaces(root)
    return etree.tostring(root, method="html", encoding="unicode")


@contextmanager
def _server(folder: Path) -> Iterator[str]:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


RENDER = """async (html) => {
  const host = document.getElementById('host');
  host.innerHTML = html;
  await customElements.whenDefined('qti-assessment-item');
  const item = host.querySelector('qti-assessment-item');
  await item.updateComplete;
  for (const el of item.querySelectorAll('*')) { if (el.updateComplete) { await el.updateComplete; } }
  return item.querySelectorAll('qti-simple-choice').length;
}"""

SCORE = """async () => {
  const item = document.querySelector('qti-assessment-item');
  const events = [];
  item.addEventListener('qti-outcome-changed', (e) => events.push(e.detail));
  item.processResponse();
  await new Promise((r) => setTimeout(r, 0));
  const response = item.variables.find((v) => v.identifier === 'RESPONSE');
  return {score: item.getOutcome('SCORE').value, response: response ? response.value : null, events: events.length};
}"""

SHOWN = """async () => {
  const shown = [];
  for (const fb of document.querySelectorAll('qti-modal-feedback')) {
    await fb.updateComplete;
    if (fb.showStatus === 'on') { shown.push(fb.getAttribute('identifier')); }
  }
  return shown;
}"""


class Qti3Player:
    """One Chromium page with qti-components loaded; `answer` renders an item, clicks choices and scores it."""

    def __init__(self, page, base_url: str) -> None:  # noqa: ANN001 - playwright Page
        self.page = page
        page.goto(f"{base_url}/index.html")
        page.wait_for_function("customElements.get('qti-assessment-item') !== undefined")

    def answer(self, item_xml: bytes, chosen: list[str], essay: str | None = None) -> dict:
        choices = self.page.evaluate(RENDER, as_html(item_xml))
        for identifier in chosen:
            self.page.click(f'qti-simple-choice[identifier="{identifier}"]')
        if essay is not None:
            self.page.locator("qti-extended-text-interaction textarea").fill(essay)
        result = self.page.evaluate(SCORE)
        result["choices"] = choices
        return result

    def shown_feedback(self) -> set[str]:
        """Identifiers of the modal feedback the player shows after the last `answer`."""
        return set(self.page.evaluate(SHOWN))


@contextmanager
def running_qti3_player(tmp: Path) -> Iterator[Qti3Player]:
    """A running player; skips (fails under CI=true) when Chromium, Playwright or the npm bundle is missing."""
    if not CHROMIUM.is_file():
        skip_or_fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed in the venv")
    bundle = ensure_bundle()
    site = tmp / "site"
    site.mkdir()
    shutil.copyfile(bundle, site / "qti.js")
    (site / "index.html").write_text(PAGE, encoding="utf-8")
    with _server(site) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base)
                       else route.abort())
            yield Qti3Player(page, base)
        finally:
            browser.close()
