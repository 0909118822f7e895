"""The launch blueprint: OIDC login (/lti/login) and the launch itself (/lti/launch).

A successful launch records a LaunchSession and answers with the page for its message (launch_context).
Refusals are 4xx pages that say what to check; the id_token is never echoed nor logged. A launch whose state
cookie the browser blocked is finished here too when something stands in for the cookie (launch_security); the
login is never run again, since platforms such as Moodle 4.5 accept each login hint only once.

Every answer to a token whose signature checked out may be framed by the platform pages that token names (a
Canvas school's course site, `page_origins`), and a successful launch adds them to its platform's learned origins
in its own transaction (lti_tool.lti.platform_origins). The platform-storage login page may be framed by the page
that posted the login: it runs before any token, and holds nothing a page framing it could read or set off.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, render_template, request
from pylti1p3.contrib.flask import FlaskRequest
from pylti1p3.exception import LtiException

from lti_tool.lti.keys import signing_key
from lti_tool.lti.launch_context import landing_for
from lti_tool.lti.launch_records import record_launch, remember_shared_rows
from lti_tool.lti.launch_security import (
    CLAIM,
    STORAGE_PROOF_FIELD,
    CookiesBlocked,
    HardenedMessageLaunch,
    LaunchRefused,
    ToolOIDCLogin,
    origin_of,
    page_origin,
    same_tool,
)
from lti_tool.lti.learned_origins import of_platform
from lti_tool.lti.platform_origins import learn_page_origins
from lti_tool.lti.platforms import DatabaseToolConf
from lti_tool.lti.registration_cache import registration_cache
from lti_tool.web.db import get_session
from lti_tool.web.errors import refusal
from lti_tool.web.http_client import http_session
from lti_tool.web.security_headers import allow_framing_by
from lti_tool.web.shared_store import store
from lti_tool.web.urls import tool_base_url, tool_url

bp = Blueprint("launch", __name__)
log = logging.getLogger(__name__)

LOGIN_PARAMS = ("iss", "login_hint", "target_link_uri", "lti_message_hint", "client_id", "lti_deployment_id",
                "deployment_id", "lti_storage_target")
MAX_LOGIN_PARAM = 4096


def _tool_conf() -> DatabaseToolConf:
    """This request's registrations; the signing key is read only if something signs (a login or launch never)."""
    session = get_session()
    return DatabaseToolConf(session, lambda: signing_key(session), registration_cache(current_app),
                            strict_deployments=current_app.config["STRICT_DEPLOYMENTS"])


def _shown(refused: LaunchRefused):
    log.info("launch refused: %s", refused.title)
    return refusal(refused.status, refused.title, refused.explanation, refused.what_to_check)


@bp.route("/lti/login", methods=["GET", "POST"])
def login():
    """Third-party initiated login: check the platform and the target, then send the browser to authorize."""
    params = {name: request.values.get(name, "") for name in LOGIN_PARAMS if request.values.get(name)}
    if any(len(value) > MAX_LOGIN_PARAM for value in params.values()):
        return refusal(400, "Login request too large", "A login parameter is longer than the tool accepts.",
                       "Start the launch again from the course.")
    if not params.get("iss") or not params.get("login_hint"):
        return refusal(400, "Incomplete login request", "The platform did not send its issuer and login hint.",
                       "Launch the tool from a course in the LMS, not by opening this address directly.")
    target = params.get("target_link_uri", "")
    if not target or not same_tool(target, tool_base_url()):
        return refusal(400, "Launch aimed elsewhere", "The login's target_link_uri is not a page of this tool.",
                       f"Set the tool's launch URL in the platform to {tool_url('launch.launch')}.")
    conf = _tool_conf()
    platform = conf.platform(params["iss"], params.get("client_id"))
    if platform is None:
        return refusal(403, "Unknown platform", "No registration matches this platform and client id.",
                       "Register the tool in the platform (dynamic registration or cps-assess platform add).")
    if not platform.is_active:
        return refusal(403, "Registration pending approval", "This platform's registration has not been "
                       "approved by the tool's administrator yet.",
                       "Ask the tool's administrator to run: cps-assess platform approve "
                       f"{platform.id}")
    oidc = ToolOIDCLogin(FlaskRequest(request_data=params), conf, store(),
                         current_app.config["LOGIN_STATE_SECONDS"])
    try:
        url = oidc.auth_redirect_url(tool_url("launch.launch"), params)
    except LtiException:
        return refusal(403, "Unknown platform", "No active registration matches this login.",
                       "Check the issuer and client id of the registration.")
    if oidc.storage_secret:
        poster = page_origin(request.headers.get("Origin") or request.referrer)
        allow_framing_by(*(poster,) if poster else ())
        return oidc.page_response(render_template(
            "lti_storage/login.html", auth_url=url, target=params["lti_storage_target"],
            origin=origin_of(platform.auth_login_url), key=storage_key(oidc.state), value=oidc.storage_secret))
    return oidc.redirect_response(url)


@bp.post("/lti/launch")
def launch():
    """The platform's form post with the id_token: validate it, record the launch, answer with the right page."""
    conf = _tool_conf()
    db = get_session()
    message = HardenedMessageLaunch(FlaskRequest(), conf, store(), current_app.config, tool_base_url(),
                                    http_session(), known_origins=lambda platform: of_platform(db, platform))
    try:
        message.validate()
    except LaunchRefused as refused:
        return _shown(refused)
    except CookiesBlocked as blocked:
        return _without_cookies(blocked.state_record)
    finally:
        allow_framing_by(*message.signed_origins)  # empty unless the token's signature checked out
    if message.without_cookie:
        log.info("launch without the state cookie, posted by the platform's page")
    platform_id = message.registration.platform_id
    deployment_row_id = conf.deployment_row_ids[(platform_id, message.body[CLAIM + "deployment_id"])]
    launch_session = record_launch(db, platform_id, deployment_row_id, message.body, message.get_launch_id(),
                                   current_app.config, conf, frame_origins=message.signed_origins)
    learn_page_origins(db, platform_id, message.signed_origins)
    landing = landing_for(launch_session)  # a learner's landing starts the attempt and commits the launch with it
    db.commit()  # every other landing: the launch record is committed here, before the browser is sent on
    remember_shared_rows(db)
    if landing is None:
        return refusal(501, "This part of the tool is not installed",
                       "The launch was accepted, but the page for it is not available on this server.",
                       "Tell the tool's administrator; the launch itself is fine.")
    return landing


def storage_key(state: str) -> str:
    """The key under which a login's secret is kept in the platform's storage."""
    return "state_" + state


def _without_cookies(state_record: dict):
    """The launch lost its state cookie: read the login's secret back from the platform's storage when it keeps
    one (the page posts the launch again with it), else tell the learner how to open the assessment in its own
    window. Nothing here starts the login again: its hint may be good for one use only."""
    target = (state_record.get("login") or {}).get("lti_storage_target")
    if not target or not state_record.get("storage_secret"):
        log.info("launch refused: state cookie missing and the sender is not the platform's page")
        return render_template("cookies_blocked.html"), 401, {"Cache-Control": "no-store"}
    state = request.form.get("state", "")
    page = render_template("lti_storage/launch.html", launch_url=tool_url("launch.launch"), target=target,
                           origin=state_record.get("storage_origin", ""), key=storage_key(state),
                           fields={"id_token": request.form.get("id_token", ""), "state": state},
                           proof_field=STORAGE_PROOF_FIELD)
    return page, 200, {"Cache-Control": "no-store", "Referrer-Policy": "same-origin"}
