"""LTI 1.3: OIDC login and launch with its checks, the launch's records and the session it carries, platforms and
their registration (dynamic and by hand), the tool's keys and JWKS, service access tokens, deep linking."""
