"""The LTI 1.3 tool (installed with the `lti` extra): `create_app(config)` builds the Flask app.

Application factory: settings from the environment (lti_tool.web.config) overridden by `config`, one blueprint per
concern. It builds the app and starts nothing: no thread, no connection kept open. The grade sender is a process
role (lti_tool.grades.sender), started by `cps-assess serve` in each worker or by `cps-assess grades worker`.
Importing this package does no work.

The rooms, each importing only the ones before it: web (settings, database, store, pages' ground floor), lti (login,
launch, platforms, registration, keys), delivery (the learner's attempts), instructor (the workspace), grades (the
outbox sender); then this factory and the commands (lti_tool.cli).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def create_app(config: dict[str, Any] | None = None):
    """The tool's WSGI app. `config` overrides environment settings (tests pass DATABASE_URL etc.)."""
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from lti_tool.lti import key_encryption, launch_lifetime, platform_origins, registration_cache
    from lti_tool.web import db, errors, no_cookie_session, request_log, security_headers, shared_store
    from lti_tool.web.config import settings_from_environment

    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("CPS_INSTANCE_PATH") or None
    app = Flask(__name__, instance_path=instance_path)
    app.config.from_mapping(settings_from_environment(app.instance_path))
    app.config.update(config or {})
    key_encryption.init_app(app)  # a malformed CPS_KEY_ENCRYPTION_KEYS stops here, before anything is created
    Path(app.instance_path).mkdir(mode=0o700, parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        from lti_tool.web.instance import load_or_create_secret_key

        app.config["SECRET_KEY"] = load_or_create_secret_key(Path(app.instance_path))

    no_cookie_session.init_app(app)
    db.init_app(app)
    shared_store.init_app(app)
    registration_cache.init_app(app)
    errors.init_app(app)
    request_log.init_app(app)
    security_headers.init_app(app)
    platform_origins.init_app(app)
    launch_lifetime.init_app(app)
    _register_blueprints(app)

    if app.config["PROXY_HOPS"] > 0:
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    return app


def _register_blueprints(app) -> None:
    from lti_tool.lti import deep_linking_views, jwks_views, launch_views, registration_views
    from lti_tool.web import health, home

    app.register_blueprint(health.bp)
    app.register_blueprint(home.bp)
    app.register_blueprint(jwks_views.bp)
    app.register_blueprint(launch_views.bp)
    app.register_blueprint(registration_views.bp)
    app.register_blueprint(deep_linking_views.bp)
    _register_delivery_blueprints(app)


def _register_delivery_blueprints(app) -> None:
    from lti_tool.delivery import practice_views, progress_views, submission_review, views
    from lti_tool.instructor import mastery_views
    from lti_tool.instructor import views as instructor_views

    app.register_blueprint(views.bp)
    app.register_blueprint(practice_views.bp)
    app.register_blueprint(progress_views.bp)
    app.register_blueprint(instructor_views.bp)
    app.register_blueprint(mastery_views.bp)
    app.register_blueprint(submission_review.bp)
