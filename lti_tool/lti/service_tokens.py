"""Access tokens for LTI services (AGS, NRPS), cached in the shared store across requests and workers.

pylti1p3next's base ServiceConnector leaves its token cache unimplemented (every call raises
NotImplementedError) and the Flask one keeps tokens per process. Use `connector_for(platform)` — or
`connector_for_launch(launch_session)` — to get a connector whose `make_service_request(...)` works:

    connector = connector_for(platform)
    connector.make_service_request(AGS_SCORE_SCOPES, lineitem_url + "/scores", is_post=True,
                                   data=json.dumps(score), content_type=SCORE_MEDIA_TYPE)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from flask import Flask, current_app
from pylti1p3.service_connector import ServiceConnector
from sqlalchemy.orm import Session

from lti_tool.lti.keys import signing_key
from lti_tool.lti.models import LaunchSession, Platform
from lti_tool.lti.platforms import PlatformRegistration
from lti_tool.web.http_client import http_session
from lti_tool.web.shared_store import SharedStore, store

AGS_LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
AGS_LINEITEM_READONLY_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
AGS_RESULT_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
AGS_SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCORE_SCOPES = (AGS_SCORE_SCOPE,)
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
TOOL_SCOPES = (AGS_LINEITEM_SCOPE, AGS_LINEITEM_READONLY_SCOPE, AGS_RESULT_SCOPE, AGS_SCORE_SCOPE, NRPS_SCOPE)

# A cached token is dropped this many seconds before the platform says it expires.
EXPIRY_MARGIN_SECONDS = 30


class SharedStoreServiceConnector(ServiceConnector):
    """A ServiceConnector whose access tokens live in the shared store, keyed by issuer, client id and scopes."""

    def __init__(self, registration: PlatformRegistration, requests_session, token_store: SharedStore) -> None:
        super().__init__(registration, requests_session)
        self._store = token_store

    def _scope_key(self, scopes: Iterable[str]) -> str:
        parts = [self._registration.get_issuer() or "", self._registration.get_client_id() or "", *sorted(scopes)]
        return "access-token:" + hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()

    def _get_cached_access_token(self, scope_key: str) -> str | None:
        return self._store.get(scope_key)

    def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
        ttl = int(float(expires_in or 0)) - EXPIRY_MARGIN_SECONDS
        if ttl > 0:
            self._store.put(scope_key, access_token, ttl)


def connector_for(platform: Platform, session: Session, app: Flask | None = None) -> SharedStoreServiceConnector:
    """A service connector for one registration, usable in a request or in a background sender."""
    app = app or current_app
    registration = PlatformRegistration(platform, signing_key(session))
    return SharedStoreServiceConnector(registration, http_session(app), store(app))


def connector_for_launch(launch: LaunchSession, session: Session) -> SharedStoreServiceConnector:
    return connector_for(launch.platform, session)
