"""Operations: /healthz says whether the database and Redis answer; the request log is one JSON line per request
with method, path, status, duration and pid, and never the launch token, an id_token or a learner's name."""

from __future__ import annotations

import json
import logging
import re

from lti_tool.web.request_log import LOGGER_NAME
from tests.lti_platform import Browser
from tests.lti_tool.helpers import follow, make_app


def test_healthz_is_200_when_the_database_answers_and_503_when_redis_does_not(tmp_path, sqlite_url):
    healthy = make_app(tmp_path, sqlite_url).test_client().get("/healthz")
    assert healthy.status_code == 200
    assert healthy.json == {"status": "ok", "database": "ok", "redis": "not configured"}
    broken = make_app(tmp_path, sqlite_url, REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/healthz")
    assert broken.status_code == 503
    assert broken.json["status"] == "unavailable" and broken.json["redis"].startswith("unreachable")
    assert "127.0.0.1:1" not in broken.get_data(as_text=True)


def test_request_log_lines_hold_no_tokens_and_no_personal_data(registered, platform, caplog):
    learner = Browser()
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        logging.getLogger(LOGGER_NAME).addHandler(caplog.handler)
        try:
            page = follow(learner, platform.launch(learner, "client-1", sub="learner-1",
                                                   custom={"form_id": "starter-quiz"}))
        finally:
            logging.getLogger(LOGGER_NAME).removeHandler(caplog.handler)
    assert page.status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == LOGGER_NAME]
    entries = [json.loads(line) for line in lines]
    assert [(e["method"], e["path"]) for e in entries][:2] == [("POST", "/lti/login"), ("POST", "/lti/launch")]
    assert all(set(e) == {"method", "path", "status", "duration_ms", "pid"} for e in entries)
    launch_token = re.search(r'name="ls" value="([^"]+)"', page.text).group(1)
    text = "\n".join(lines)
    for secret in (launch_token, "Person learner-1", "learner-1@example.org", "id_token", "ls="):
        assert secret not in text
