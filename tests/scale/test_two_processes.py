"""Two separate tool processes on different ports over one PostgreSQL database and one Redis, as two machines
behind a load balancer: the login goes to one, the launch to the other, and a learner's whole attempt flows
through both; the platform receives the score exactly once."""

from __future__ import annotations

import redis

from tests.lti_platform import Browser, parse_form, query_of
from tests.lti_tool.helpers import FORM, follow, quiz_items, take_the_quiz, wait_for
from tests.scale.tool_process import on, outbox_statuses
from tests.services import REDIS_URL


class Alternating:
    """Stands in for the load balancer: each page's form goes to the other process in turn."""

    def __init__(self, *urls: str) -> None:
        self._urls = urls
        self._turn = 0

    @property
    def url(self) -> str:
        self._turn += 1
        return self._urls[self._turn % len(self._urls)]


def test_login_on_one_process_launch_on_the_other_and_one_score(tool_processes, platform, starter_bank,
                                                                 redis_prefix, postgres_url):
    first = tool_processes(workers=1, port=tool_processes.public_port)
    second = tool_processes(workers=1)
    assert first.process.pid != second.process.pid

    learner = Browser()
    params = platform.login_params("client-1", sub="learner-1", custom={"form_id": FORM})
    login = learner.post(first.url + "/lti/login", data=params, allow_redirects=False, timeout=10)
    assert login.status_code == 302, login.text
    auth = learner.get(login.headers["Location"], allow_redirects=False, timeout=10)
    assert auth.status_code == 200, auth.text
    state = query_of(login.headers["Location"])["state"]
    assert redis.Redis.from_url(REDIS_URL).exists(f"{redis_prefix}login-state:{state}")  # shared, not per process

    action, fields = parse_form(auth.text)
    assert action == tool_processes.public_url + "/lti/launch"
    launched = learner.post(on(second.url, action), data=fields, allow_redirects=False, timeout=10)
    assert launched.url.startswith(second.url)
    page = follow(learner, launched)  # the launch answers with question 1 itself
    assert page.status_code == 200 and "Question 1 of 7" in page.text
    result = take_the_quiz(Alternating(first.url, second.url), learner, page, quiz_items(starter_bank))
    points = sum(i.points for i in quiz_items(starter_bank))
    choice_points = sum(i.points for i in quiz_items(starter_bank) if i.type.has_choices)
    assert f"Score: <strong>{choice_points:g} out of {points:g}</strong>" in result.text

    # Sent once: the row is final ("sent") once the platform has the score, so no sender will post it again.
    assert wait_for(lambda: outbox_statuses(postgres_url) == {"sent": 1}, 20), outbox_statuses(postgres_url)
    assert len(platform.scores) == 1
    assert (platform.scores[0]["userId"], platform.scores[0]["scoreGiven"]) == ("learner-1", choice_points)

    replay = learner.post(on(first.url, action), data=fields, allow_redirects=False, timeout=10)
    assert replay.status_code == 401  # the nonce was used on the other process: Redis knows it everywhere
