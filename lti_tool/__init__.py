"""The LTI 1.3 tool and the `cps-assess` command line.

`create_app(config)` builds the Flask app (application factory): settings from the environment
(lti_tool.config) overridden by `config`, one blueprint per concern. Importing this package does no work.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def create_app(config: dict[str, Any] | None = None):
    """The tool's WSGI app. `config` overrides environment settings (tests pass DATABASE_URL etc.)."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from lti_tool import (
        db,
        errors,
        launch_lifetime,
        no_cookie_session,
        registration_cache,
        request_log,
        security_headers,
        shared_store,
    )
    from lti_tool.config import settings_from_environment

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("CPS_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path)
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    app.config.update(config or {})
    if not app.config.get("SECRET_KEY"):
        from lti_tool.instance import load_or_create_secret_key

        app.config["SECRET_KEY"] = load_or_create_secret_key(Path(app.instance_path))

    no_cookie_session.init_app(app)
    db.init_app(app)
    shared_store.init_app(app)
    registration_cache.init_app(app)
    errors.init_app(app)
    request_log.init_app(app)
    security_headers.init_app(app)
    launch_lifetime.init_app(app)
    _register_blueprints(app)
    _start_grade_sender(app)

    if app.config["PROXY_HOPS"] > 0:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    return app


def _register_blueprints(app) -> None:
    from lti_tool import health, keys, launch, registration

    app.register_blueprint(health.bp)
    app.register_blueprint(keys.bp)
    app.register_blueprint(launch.bp)
    app.register_blueprint(registration.bp)
    _register_delivery_blueprints(app)


def _register_delivery_blueprints(app) -> None:
    from lti_tool import deep_linking, delivery, instructor, submission_review

    app.register_blueprint(deep_linking.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(instructor.bp)
    app.register_blueprint(submission_review.bp)


def _start_grade_sender(app) -> None:
    from lti_tool import grades

    grades.init_app(app)
