"""The submission storm, shared by tests/scale/test_storm.py and bench/storm_bench.py.

Learners launch through the test platform and answer their first question (phase 1), then all submit at once
from a thread pool (phase 2) while the platform's score endpoint fails every third call and, part-way through,
one tool worker is killed with SIGKILL. A learner whose request dies with the worker presses Submit again, as
people do. Phase 3 waits until the outbox has drained.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urljoin

import requests

from tests.lti_platform import Browser, LtiPlatform, parse_form

FORM = "starter-quiz"
ESSAY = "I would explain the limit kindly and keep the relationship."


@dataclass
class Learner:
    sub: str
    browser: Browser
    submit_url: str = ""
    submit_fields: dict[str, str] = field(default_factory=dict)
    submit_presses: int = 0


@dataclass
class StormReport:
    learners: int
    launch_seconds: float
    submit_seconds: float
    drain_seconds: float
    resubmits: int
    killed_pid: int | None

    @property
    def submissions_per_second(self) -> float:
        return self.learners / self.submit_seconds if self.submit_seconds else 0.0


def _follow(browser: requests.Session, response: requests.Response) -> requests.Response:
    while response.status_code in (302, 303):
        response = browser.get(urljoin(response.url, response.headers["Location"]), allow_redirects=False,
                               timeout=30)
    return response


def launch_and_answer(platform: LtiPlatform, tool_url: str, sub: str, client_id: str = "client-1") -> Learner:
    """Launch as `sub`, answer the first question (first option, or an essay), and stop on the review page."""
    learner = Learner(sub, Browser())
    first = _follow(learner.browser, platform.launch(learner.browser, client_id, sub=sub, custom={"form_id": FORM}))
    if first.status_code != 200 or "Question 1 of" not in first.text:
        raise AssertionError(f"{sub}: launch ended on {first.status_code}: {first.text[:300]}")
    action, fields = parse_form(first.text)
    data = {"ls": fields["ls"], "csrf_token": fields["csrf_token"], "go": "review", "essay": ESSAY}
    if fields.get("answer"):
        data["answer"] = fields["answer"]
    review = _follow(learner.browser, learner.browser.post(urljoin(first.url, action), data=data,
                                                           allow_redirects=False, timeout=30))
    if "Review your answers" not in review.text:
        raise AssertionError(f"{sub}: answering ended on {review.status_code}: {review.text[:300]}")
    action, learner.submit_fields = parse_form(review.text)
    learner.submit_url = urljoin(review.url, action)
    return learner


def submit(learner: Learner, presses: int = 5) -> None:
    """Press Submit; when the connection dies with a killed worker, press it again."""
    for _ in range(presses):
        learner.submit_presses += 1
        try:
            page = _follow(learner.browser, learner.browser.post(learner.submit_url, data=learner.submit_fields,
                                                                 allow_redirects=False, timeout=30))
        except requests.ConnectionError:
            time.sleep(0.3)
            continue
        if page.status_code == 200 and "Score:" in page.text:
            return
        if page.status_code >= 500:
            time.sleep(0.3)
            continue
        raise AssertionError(f"{learner.sub}: submit ended on {page.status_code}: {page.text[:300]}")
    raise AssertionError(f"{learner.sub}: submit failed {presses} times")


def run_storm(platform: LtiPlatform, tool_url: str, learners: int, *, worker_pids: Callable[[], list[int]],
              drained: Callable[[], bool], concurrency: int = 32, kill_after: float = 0.3,
              drain_timeout: float = 120) -> StormReport:
    """The whole storm; `drained()` says when every score has reached a final state in the tool's outbox."""
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(concurrency, 16)) as pool:
        people = list(pool.map(lambda i: launch_and_answer(platform, tool_url, f"learner-{i:04d}"),
                               range(learners)))
    launched = time.monotonic()

    platform.fail_every(3)
    done = [0]
    lock = threading.Lock()
    killed: list[int] = []

    def one(learner: Learner) -> None:
        submit(learner)
        with lock:
            done[0] += 1
            if not killed and done[0] >= learners * kill_after:
                victim = worker_pids()[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, people))
    submitted = time.monotonic()

    deadline = submitted + drain_timeout
    while not drained() and time.monotonic() < deadline:
        time.sleep(0.5)
    finished = time.monotonic()
    return StormReport(learners=learners, launch_seconds=launched - started, submit_seconds=submitted - launched,
                       drain_seconds=finished - submitted,
                       resubmits=sum(p.submit_presses - 1 for p in people), killed_pid=killed[0] if killed else None)
