"""The home page at `/`, for the admin who opens the tool's address: what the tool is, whether it can serve
(the same checks as /healthz), the URLs to give an LMS on the public base URL in use, and a warning when that
URL is not https (LMSs refuse or break plain-http tools)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from lti_tool.web.health import current_health
from lti_tool.web.urls import registration_urls, tool_base_url

bp = Blueprint("home", __name__)

@bp.get("/")
def home():
    healthy, checks = current_health()
    base = tool_base_url()
    page = render_template(
        "home/index.html", healthy=healthy, checks=checks, base_url=base,
        base_from_setting=bool(current_app.config.get("PUBLIC_URL")), https=base.startswith("https://"),
        urls=list(registration_urls().items()),
        open_registration=current_app.config["OPEN_REGISTRATION"])
    return page, 200, {"Cache-Control": "no-store"}
