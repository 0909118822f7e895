"""The LTI tool's commands, added to `cps-assess` (item_bank.cli) as entry points declared in pyproject.toml, each
needing the `lti` extra (the group loads them only when it is installed): `serve`, `platform`, `keys` and
`registration-link` (server.py, keys.py), `grades` (grades.py) and `regrade` (regrade.py)."""
