"""The parts of pylti1p3next the launch and grade code rely on beyond its public API (issue 13, point 5).

lti_tool/lti/launch_security.py, service_tokens.py and grades/outbox.py subclass pylti1p3's classes, override some
of their private hooks and read private attributes. pyproject.toml bounds pylti1p3next to the versions tested; these
checks fail first, naming the missing piece, when a version renames or drops one of them (an override that is no
longer called would otherwise switch a security check off without a sound).
"""

from __future__ import annotations

import inspect

import pytest
from flask import Flask
from pylti1p3.contrib.flask import FlaskCookieService, FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.launch_data_storage.base import LaunchDataStorage
from pylti1p3.message_launch import MessageLaunch
from pylti1p3.oidc_login import OIDCLogin
from pylti1p3.service_connector import ServiceConnector
from pylti1p3.session import SessionService

from lti_tool.lti.launch_security import HardenedMessageLaunch, SecureCookieService, StoreLaunchData, ToolOIDCLogin
from lti_tool.lti.service_tokens import SharedStoreServiceConnector

# Methods of pylti1p3 that our subclasses call or override, by class.
METHODS = {
    MessageLaunch: ("_get_request_param", "_get_id_token", "validate_jwt_format", "validate_registration",
                    "validate_deployment", "validate_message", "get_client_id", "get_launch_id",
                    "set_launch_data_lifetime", "validate_state", "validate_jwt_signature", "get_public_key"),
    OIDCLogin: ("validate_oidc_login", "get_redirect", "_get_request_param"),
    LaunchDataStorage: ("_prepare_key", "get_session_cookie_name", "can_set_keys_expiration", "get_value",
                        "set_value", "check_value"),
    ServiceConnector: ("_scope_key", "_get_cached_access_token", "_cache_access_token", "get_access_token",
                       "make_service_request"),
    FlaskCookieService: ("set_cookie", "get_cookie", "update_response"),
}


@pytest.mark.parametrize("cls", list(METHODS), ids=lambda c: c.__name__)
def test_the_methods_we_call_or_override_exist(cls):
    missing = [name for name in METHODS[cls] if not callable(getattr(cls, name, None))]
    assert not missing, f"pylti1p3's {cls.__name__} no longer has {missing}: check the launch code before upgrading"


def test_the_library_still_calls_the_hooks_we_override():
    """An override is only as good as the library's call to it."""
    token_flow = inspect.getsource(ServiceConnector.get_access_token)
    for hook in ("self._scope_key(", "self._get_cached_access_token(", "self._cache_access_token("):
        assert hook in token_flow, f"ServiceConnector.get_access_token no longer calls {hook}...)"
    assert "self.validate_oidc_login()" in inspect.getsource(OIDCLogin), "OIDCLogin no longer validates the login"
    assert "self._registration = " in inspect.getsource(MessageLaunch.validate_registration)


def test_the_private_attributes_we_read_are_set():
    app = Flask(__name__)
    with app.test_request_context("/lti/launch", method="POST", data={"id_token": "x", "state": "s"}):
        request = FlaskRequest()
        cookies = FlaskCookieService(request)
        cookies.set_cookie("state", "value", 60)
        assert list(cookies._cookie_data_to_set.values()) == [{"value": "value", "exp": 60}]  # SecureCookieService
        sessions = SessionService(request)
        launch = FlaskMessageLaunch(request, None, session_service=sessions, cookie_service=cookies)
        for name in ("_jwt", "_validated", "_requests_session", "_cookie_service", "_session_service"):
            assert hasattr(launch, name), f"pylti1p3's MessageLaunch no longer sets {name}"
        assert launch._jwt == {} and launch._validated is False
        login = FlaskOIDCLogin(request, None, session_service=sessions, cookie_service=cookies)
        assert login._cookie_service is cookies
    connector = ServiceConnector(registration=None)
    assert hasattr(connector, "_registration") and hasattr(connector, "_requests_session")


def test_our_subclasses_still_override_what_they_mean_to():
    """A renamed base method would leave our override unused; each must still shadow one of pylti1p3's."""
    pairs = [(HardenedMessageLaunch, MessageLaunch, ("validate", "validate_state", "validate_registration",
                                                     "validate_jwt_signature", "validate_deployment",
                                                     "validate_message", "get_client_id", "get_public_key")),
             (ToolOIDCLogin, OIDCLogin, ()),
             (StoreLaunchData, LaunchDataStorage, ("get_session_cookie_name", "can_set_keys_expiration",
                                                   "get_value", "set_value", "check_value")),
             (SecureCookieService, FlaskCookieService, ("update_response",)),
             (SharedStoreServiceConnector, ServiceConnector, ("_scope_key", "_get_cached_access_token",
                                                              "_cache_access_token"))]
    for ours, theirs, names in pairs:
        assert issubclass(ours, theirs)
        for name in names:
            assert name in vars(ours) and hasattr(theirs, name), f"{ours.__name__}.{name} overrides nothing"
