"""The LMS side of the browser tests: course pages of the test platform that embed the tool in an iframe.

Added to a `tests.lti_platform.LtiPlatform` (on its own site, http://127.0.0.1:PORT, or on a site apart from its
registration's URLs after `serve_pages_apart()`, as Canvas Cloud's) as Canvas and Moodle do it:
the course page holds an iframe whose first document posts the OIDC login to the tool. With `storage=True` the
login names `lti_storage_target=_parent` and the course page answers the LTI client-side postMessages
(`lti.capabilities`, `lti.put_data`, `lti.get_data`), keeping each tool origin's data apart; every message it
receives is listed in `window.ltiStorageLog` so a test can see the storage was used. Deep-linking responses
posted back by the tool are kept in `deep_link_returns`.
"""

from __future__ import annotations

import html
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

from flask import Response, abort, request

from tests.lti_platform import LtiPlatform

STORAGE_RESPONDER = """
const kept = new Map();
window.ltiStorageLog = [];
window.addEventListener("message", (event) => {
  const message = event.data || {};
  if (typeof message.subject !== "string" || !message.subject.startsWith("lti.")) { return; }
  window.ltiStorageLog.push(message.subject);
  const reply = {subject: message.subject + ".response", message_id: message.message_id};
  if (message.subject === "lti.capabilities") {
    reply.supported_messages = [{subject: "lti.capabilities"}, {subject: "lti.put_data"}, {subject: "lti.get_data"}];
  } else if (message.subject === "lti.put_data") {
    kept.set(event.origin + " " + message.key, message.value);
    Object.assign(reply, {key: message.key, value: message.value});
  } else if (message.subject === "lti.get_data") {
    Object.assign(reply, {key: message.key, value: kept.get(event.origin + " " + message.key)});
  } else {
    reply.error = {code: "unsupported_subject", message: "not supported here"};
  }
  event.source.postMessage(reply, event.origin);
});
"""


@dataclass
class CoursePages:
    platform: LtiPlatform
    client_id: str
    placements: dict[str, dict[str, Any]] = field(default_factory=dict)
    deep_link_returns: list[str] = field(default_factory=list)

    def course_url(self, *, storage: bool = False, **claim_args: Any) -> str:
        """A course page that launches the tool in an iframe with these launch claims (a fresh login per load)."""
        token = secrets.token_urlsafe(8)
        self.placements[token] = {"storage": storage, "claims": claim_args}
        return f"{self.platform.pages_url}/course/{token}"


def add_course_pages(platform: LtiPlatform, client_id: str) -> CoursePages:
    """Serve the course pages from `platform` (call before `platform.start()`)."""
    pages = CoursePages(platform, client_id)
    app = platform.app

    def placement(token: str) -> dict[str, Any]:
        found = pages.placements.get(token)
        if found is None:
            abort(404)
        return found

    @app.get("/course/<token>")
    def course(token: str) -> Response:
        script = f"<script>{STORAGE_RESPONDER}</script>" if placement(token)["storage"] else ""
        return Response(
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>CPS-101 course</title>'
            "<style>body{margin:0;font-family:sans-serif}header{padding:.25rem .5rem;background:#334155;color:#fff}"
            "iframe{display:block;width:100%;height:calc(100vh - 2.5rem);border:0}</style>"
            f"{script}</head><body><header>CPS-101 · Ethics check</header>"
            f'<iframe name="tool" title="CPS ethics assessment" src="/course/{token}/login" '
            'allow="clipboard-write"></iframe></body></html>', content_type="text/html")

    @app.get("/course/<token>/login")
    def login(token: str) -> Response:
        found = placement(token)
        params = platform.login_params(client_id, **found["claims"])
        if found["storage"]:
            params["lti_storage_target"] = "_parent"
        inputs = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(str(v))}">'
                         for k, v in params.items())
        action = html.escape(platform.clients[client_id].initiate_login_uri)
        return Response(f'<!doctype html><html lang="en"><title>Launching</title><form method="post" '
                        f'action="{action}">{inputs}</form><script>document.forms[0].submit()</script></html>',
                        content_type="text/html")

    @app.post("/deep-link-return/<client>")
    def deep_link_return(client: str) -> Response:
        pages.deep_link_returns.append(request.form.get("JWT", ""))
        return Response('<!doctype html><html lang="en"><title>Added</title><main><h1>The assessment was added'
                        "</h1></main></html>", content_type="text/html")

    return pages


def storage_log(page) -> list[str]:  # noqa: ANN001 - playwright Page
    """The LTI postMessages the course page answered, in order."""
    return json.loads(page.evaluate("JSON.stringify(window.ltiStorageLog || [])"))
