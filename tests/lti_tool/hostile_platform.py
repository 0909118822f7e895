"""A hostile LMS for the registration tests, served over real HTTP on 127.0.0.1 (a thread).

It answers dynamic registration with whatever a test sets, and serves the answers an attacker would use against
the tool's outbound calls: redirects, a 50 MB body, a slow answer. Several "sites" share its one host under
different paths, as several LMSs can share one host: `config_url("lms-a")` is
`http://127.0.0.1:PORT/lms-a/openid-configuration`, whose issuer is `http://127.0.0.1:PORT/lms-a`.
Every request it receives is recorded in `requests` (method and path), so a test can show that a refused URL was
never called.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

from flask import Flask, Response, request
from werkzeug.serving import make_server

from tests.lti_platform import PLATFORM_CONFIG, TOOL_CONFIG, new_rsa_key

MEGABYTE = 1024 * 1024


class HostilePlatform:
    def __init__(self) -> None:
        self.configs: dict[str, dict[str, Any]] = {}  # where (path before /openid-configuration) -> field overrides
        self.answers: dict[str, Any] = {}  # site -> the whole registration answer (any JSON, or raw bytes)
        self.answer_status: dict[str, int] = {}  # site -> HTTP status of that answer (200 unless set)
        self.requests: list[str] = []
        self.slow_seconds = 3.0
        self.port = 0
        self._public_jwk = new_rsa_key()[1]
        self._server = None
        self.app = self._build_app()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def issuer(self, site: str) -> str:
        return f"{self.url}/{site}"

    def config_url(self, where: str) -> str:
        return f"{self.url}/{where}/openid-configuration"

    def start(self) -> HostilePlatform:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def configuration(self, where: str) -> dict[str, Any]:
        """A well-formed configuration for the site that `where` starts with, with the test's overrides."""
        base = self.issuer(where.split("/")[0])
        config: dict[str, Any] = {
            "issuer": base, "authorization_endpoint": f"{base}/auth", "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks", "registration_endpoint": f"{base}/register",
            "scopes_supported": ["openid"],
            PLATFORM_CONFIG: {"product_family_code": "moodle", "version": "4.1"},
        }
        config.update(self.configs.get(where, {}))
        return config

    def answer(self, site: str) -> Any:
        return self.answers.get(site, {"client_id": f"{site}-client", TOOL_CONFIG: {"deployment_id": f"{site}-1"}})

    def _build_app(self) -> Flask:
        app = Flask("hostile_platform")
        platform = self

        @app.before_request
        def record() -> None:
            platform.requests.append(f"{request.method} {request.path}")

        @app.get("/<path:where>/openid-configuration")
        def openid_configuration(where: str):
            return Response(json.dumps(platform.configuration(where)), content_type="application/json")

        @app.post("/<site>/register")
        def register(site: str):
            answer = platform.answer(site)
            body = answer if isinstance(answer, bytes) else json.dumps(answer)
            return Response(body, status=platform.answer_status.get(site, 200), content_type="application/json")

        @app.get("/<site>/jwks")
        def jwks(site: str):
            return Response(json.dumps({"keys": [platform._public_jwk]}), content_type="application/json")

        @app.get("/redirect")
        def redirect():
            return Response("", status=302, headers={"Location": request.args["to"]})

        @app.get("/loop")
        def loop():
            return Response("", status=302, headers={"Location": "/loop"})

        @app.get("/huge")
        def huge():
            """50 MB of JSON-looking bytes; with ?declared=1 the size is announced in Content-Length."""
            def body():
                yield b'{"issuer": "'
                for _ in range(50):
                    yield b"x" * MEGABYTE
                yield b'"}'
            headers = {"Content-Length": str(50 * MEGABYTE + 14)} if request.args.get("declared") else {}
            return Response(body(), content_type="application/json", headers=headers)

        @app.get("/slow")
        def slow():
            time.sleep(platform.slow_seconds)
            return Response("{}", content_type="application/json")

        @app.get("/drip")
        def drip():
            """A byte at a time, never finishing within the tool's time limit."""
            def body():
                for _ in range(int(platform.slow_seconds * 10)):
                    yield b" "
                    time.sleep(0.1)
            return Response(body(), content_type="application/json")

        return app
