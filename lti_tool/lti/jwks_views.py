"""The tool's public key set (JWKS) at /lti/jwks and /.well-known/jwks.json (blueprint `keys`), from
lti_tool.lti.keys: the current, next and still-published previous keys."""

from __future__ import annotations

from flask import Blueprint, jsonify

from lti_tool.lti.keys import jwks
from lti_tool.web.db import get_session

bp = Blueprint("keys", __name__)


def _jwks_response():
    response = jsonify(jwks(get_session()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/lti/jwks")
def lti_jwks():
    """The tool's public keys, for platforms verifying our client assertions and deep-linking responses."""
    return _jwks_response()


@bp.get("/.well-known/jwks.json")
def well_known_jwks():
    return _jwks_response()
