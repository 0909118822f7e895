"""Launch load benchmark: plays a platform against a running `cps-assess serve` and measures the launch path.

One launch is what a learner's click in the LMS costs: the OIDC login at the tool, the platform's authorization
(a freshly signed RS256 id_token), the launch form post, and the redirects to the learner's first question page.
For each setup (SQLite with one worker; PostgreSQL + Redis with two workers) it prints, at concurrency 1, 8 and 32:
launches/s, p50/p95/p99 latency of a whole launch, errors, and the server's CPU milliseconds per launch (user +
system time of the gunicorn master and workers from /proc, before and after), also as a multiple of this machine's
yardstick, the CPU of a bare WSGI request under the same gunicorn configuration measured at the start of the run
(`bench/bare_request.py`: shared VMs change speed, the ratio travels between machines). Then submissions/s:
learners on their review page all press Submit (concurrency 8).

    .venv/bin/python bench/launch_load.py                         # both setups, 400 launches per level
    .venv/bin/python bench/launch_load.py --setups pg2 --launches 200

Needs PostgreSQL at CPS_TEST_POSTGRES_URL (default 127.0.0.1:5432/test) and Redis at CPS_TEST_REDIS_URL for `pg2`.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.bare_request import bare_request_cpu_ms  # noqa: E402
from tests.lti_platform import Browser, LtiPlatform  # noqa: E402
from tests.scale.storm import FORM, _follow, launch_and_answer, submit  # noqa: E402
from tests.scale.tool_process import ToolProcess, registered_tool_database  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get("CPS_TEST_POSTGRES_URL", "postgresql+psycopg://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CPS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
LEVELS = (1, 8, 32)


_BROWSERS = threading.local()


def fresh_browser() -> Browser:
    """This thread's browser with no cookies: a new learner each launch, but the keep-alive connections to the
    tool and the platform are kept (opening TCP connections would be load-generator CPU on the shared cores)."""
    browser = getattr(_BROWSERS, "browser", None)
    if browser is None:
        browser = _BROWSERS.browser = Browser()
    browser.cookies.clear()
    return browser


def one_launch(platform: LtiPlatform, sub: str) -> tuple[float, bool]:
    """(seconds, ok) of a whole launch to the first question page."""
    browser = fresh_browser()
    started = time.perf_counter()
    try:
        page = _follow(browser, platform.launch(browser, "client-1", sub=sub, custom={"form_id": FORM}))
        ok = page.status_code == 200 and "Question 1 of" in page.text
    except Exception:  # counted as an error, whatever it was
        ok = False
    return time.perf_counter() - started, ok


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def measure(platform: LtiPlatform, tool: ToolProcess, concurrency: int, launches: int, tag: str) -> dict:
    subs = [f"{tag}-c{concurrency}-{i}-{secrets.token_hex(3)}" for i in range(launches)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:  # warm-up: connections, caches, JIT-less paths
        list(pool.map(lambda s: one_launch(platform, s + "-warm"), subs[: max(concurrency, 8)]))
    cpu_before = tool.server_cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda s: one_launch(platform, s), subs))
    elapsed = time.perf_counter() - started
    cpu = tool.server_cpu_seconds() - cpu_before
    latencies = [seconds * 1000 for seconds, _ in results]
    return {"concurrency": concurrency, "launches": launches, "per_second": launches / elapsed,
            "p50": statistics.median(latencies), "p95": percentile(latencies, 95), "p99": percentile(latencies, 99),
            "errors": sum(1 for _, ok in results if not ok), "cpu_ms": cpu * 1000 / launches}


def submissions_per_second(platform: LtiPlatform, tool: ToolProcess, learners: int, tag: str) -> float:
    with ThreadPoolExecutor(max_workers=8) as pool:
        people = list(pool.map(lambda i: launch_and_answer(platform, tool.url, f"{tag}-sub-{i}"), range(learners)))
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(submit, people))
    return learners / (time.perf_counter() - started)


def _postgres_database() -> tuple[str, str]:
    import psycopg

    name = f"cps_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"


def _drop_postgres_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES_ADMIN_URL.replace("+psycopg", ""), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_setup(setup: str, launches: int, submissions: int, work: Path, yardstick_ms: float) -> None:
    platform = LtiPlatform("canvas").start()
    port = ToolProcess.free_port()
    public = f"http://127.0.0.1:{port}"
    pg_name = None
    env = {"CPS_PUBLIC_URL": public, "CPS_REQUEST_LOG": os.environ.get("CPS_REQUEST_LOG", "1")}
    if setup == "sqlite1":
        url, workers = f"sqlite:///{work / 'bench.sqlite3'}", 1
    else:
        pg_name, url = _postgres_database()
        workers = 2
        env.update({"REDIS_URL": REDIS_URL, "CPS_REDIS_PREFIX": f"cps-bench-{secrets.token_hex(4)}:"})
    env["DATABASE_URL"] = url
    registered_tool_database(url, platform, public, work)
    tool = ToolProcess(port, workers, env, work).start()
    try:
        label = "SQLite, 1 worker" if setup == "sqlite1" else "PostgreSQL + Redis, 2 workers"
        print(f"\n{label} (gunicorn gthread, 4 threads per worker)")
        print(f"{'concurrency':>11} {'launches/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>6} "
              f"{'server CPU ms/launch':>21} {'in bare requests':>16}")
        for level in LEVELS:
            row = measure(platform, tool, level, launches, setup)
            print(f"{row['concurrency']:>11} {row['per_second']:>10.1f} {row['p50']:>8.1f} {row['p95']:>8.1f} "
                  f"{row['p99']:>8.1f} {row['errors']:>6} {row['cpu_ms']:>21.2f} "
                  f"{row['cpu_ms'] / yardstick_ms:>16.1f}", flush=True)
        rate = submissions_per_second(platform, tool, submissions, setup)
        print(f"submissions/s (concurrency 8, {submissions} learners): {rate:.1f}")
    finally:
        tool.stop()
        platform.stop()
        if pg_name:
            _drop_postgres_database(pg_name)


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "unknown CPU")
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return f"{os.cpu_count()} CPUs ({model}), {memory_kb / 1024 / 1024:.1f} GiB RAM, Python {sys.version.split()[0]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--setups", default="sqlite1,pg2", help="sqlite1, pg2 or both (comma-separated)")
    parser.add_argument("--launches", type=int, default=400, help="launches per concurrency level")
    parser.add_argument("--submissions", type=int, default=200, help="learners submitting at the end")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the test platform's access log
    print(f"machine: {machine()}; load generator on the same machine")
    yardstick = bare_request_cpu_ms()
    print(f"yardstick: a bare WSGI request under gunicorn (gthread, 4 threads) costs {yardstick:.3f} ms server CPU")
    for setup in args.setups.split(","):
        if setup not in ("sqlite1", "pg2"):
            parser.error(f"unknown setup {setup!r}; use sqlite1 and/or pg2")
        with tempfile.TemporaryDirectory(prefix="cps-bench-") as work:
            run_setup(setup, args.launches, args.submissions, Path(work), yardstick)


if __name__ == "__main__":
    main()
