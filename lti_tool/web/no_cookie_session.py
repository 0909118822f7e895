"""No Flask cookie session: the tool carries its state in the URL (the launch token) and in its own cookies
(the OIDC state), so opening and signing-checking a session cookie on every request is work for nothing.

With this interface `flask.session` is Flask's NullSession: reading it gives an empty session, and any write
fails loudly instead of silently setting a cookie nobody reads.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSessionInterface


class NoCookieSessionInterface(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request) -> None:
        return None  # Flask then uses make_null_session; save_session is never given anything to write


def init_app(app: Flask) -> None:
    app.session_interface = NoCookieSessionInterface()
