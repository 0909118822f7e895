"""A database error never carries bound values into the log: the engine hides statement parameters, so a failing
insert of a learner's name and e-mail logs the statement and the database's reason, not the person."""

from __future__ import annotations

import logging

from lti_tool.lti.models import User
from lti_tool.web import db
from tests.lti_tool.helpers import make_app

NAME = "Zelda Quintessa-Marlowe"
EMAIL = "zelda.qm@learners.example.org"


def test_a_failing_statement_logs_no_bound_value(tmp_path, database_url, caplog):
    app = make_app(tmp_path, database_url)

    @app.get("/test-only/failing-insert")
    def failing_insert():
        session = db.get_session()
        session.add(User(platform_id=987654, sub="learner-sub-1", name=NAME, email=EMAIL))  # no such platform
        session.commit()
        return "unreachable"

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/test-only/failing-insert")
    assert response.status_code == 500
    logged = caplog.text
    assert "IntegrityError" in logged and "INSERT INTO lti_users" in logged  # the statement's error was logged
    assert "parameters hidden" in logged
    for value in (NAME, EMAIL, "learner-sub-1"):
        assert value not in logged
        assert value not in response.get_data(as_text=True)
