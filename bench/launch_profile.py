"""Where a launch's server CPU goes: the tool's WSGI app measured per request, in-process.

Serves `create_app()` (PostgreSQL + Redis, or SQLite with --sqlite) on a single-threaded werkzeug server, plays
the test platform's launches one at a time, and per request kind (login, launch, first page) prints the thread
CPU milliseconds inside the app, the SQL statements and commits (engine events), and with --profile the top
functions by cumulative time (cProfile around the app only, so the HTTP server and the load generator are not
counted).

    .venv/bin/python bench/launch_profile.py --launches 300
    .venv/bin/python bench/launch_profile.py --launches 200 --profile launch
"""

from __future__ import annotations

import argparse
import cProfile
import io
import logging
import pstats
import secrets
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from werkzeug.serving import make_server  # noqa: E402

from bench.launch_load import REDIS_URL, _drop_postgres_database, _postgres_database  # noqa: E402
from tests.conftest import STARTER_BANK  # noqa: E402
from tests.lti_platform import Browser, LtiPlatform  # noqa: E402
from tests.scale.storm import FORM, _follow  # noqa: E402
from tests.scale.tool_process import ToolProcess, registered_tool_database  # noqa: E402


def kind_of(path: str) -> str:
    if path.endswith("/lti/login"):
        return "login"
    if path.endswith("/lti/launch"):
        return "launch"
    return "first page" if "/items/" in path else path


class Meter:
    """Per-request thread CPU, SQL statements and commits, by request kind; optional cProfile of one kind."""

    def __init__(self, app, engine, profile_kind: str | None) -> None:
        from sqlalchemy import event

        self.app = app.wsgi_app
        self.cpu: dict[str, list[float]] = defaultdict(list)
        self.statements: dict[str, int] = defaultdict(int)
        self.commits: dict[str, int] = defaultdict(int)
        self.profile_kind = profile_kind
        self.profiler = cProfile.Profile(time.thread_time) if profile_kind else None
        self.counting = False
        self.kind = ""
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", self._commit)

    def _statement(self, *_args) -> None:
        if self.counting:
            self.statements[self.kind] += 1

    def _commit(self, *_args) -> None:
        if self.counting:
            self.commits[self.kind] += 1

    def __call__(self, environ, start_response):
        self.kind = kind_of(environ.get("PATH_INFO", ""))
        profiling = self.counting and self.profiler is not None and self.kind == self.profile_kind
        started = time.thread_time()
        if profiling:
            self.profiler.enable()
        try:
            return list(self.app(environ, start_response))
        finally:
            if profiling:
                self.profiler.disable()
            if self.counting:
                self.cpu[self.kind].append((time.thread_time() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--launches", type=int, default=300)
    parser.add_argument("--sqlite", action="store_true", help="SQLite and no Redis instead of PostgreSQL + Redis")
    parser.add_argument("--profile", choices=("login", "launch", "first page"), help="cProfile this request kind")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    from lti_tool import create_app
    from lti_tool.web import db

    with tempfile.TemporaryDirectory(prefix="cps-profile-") as work_dir:
        work = Path(work_dir)
        platform = LtiPlatform("canvas").start()
        port = ToolProcess.free_port()
        public = f"http://127.0.0.1:{port}"
        pg_name = None
        config = {"INSTANCE_PATH": str(work / "instance"), "SECRET_KEY": "profile", "BANK_PATH": str(STARTER_BANK),
                  "GRADES_SENDER_INTERVAL_SECONDS": 0, "PUBLIC_URL": public, "REQUEST_LOG": True}
        if args.sqlite:
            url = f"sqlite:///{work / 'profile.sqlite3'}"
            config["REDIS_URL"] = None
        else:
            pg_name, url = _postgres_database()
            config.update({"REDIS_URL": REDIS_URL, "REDIS_PREFIX": f"cps-profile-{secrets.token_hex(4)}:"})
        config["DATABASE_URL"] = url
        try:
            registered_tool_database(url, platform, public, work)
            app = create_app(config)
            meter = Meter(app, db.engine_of(app), args.profile)
            server = make_server("127.0.0.1", port, meter, threaded=False)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            browser = Browser()

            def launch(sub: str) -> None:
                browser.cookies.clear()
                page = _follow(browser, platform.launch(browser, "client-1", sub=sub, custom={"form_id": FORM}))
                if page.status_code != 200 or "Question 1 of" not in page.text:
                    raise SystemExit(f"launch failed: {page.status_code} {page.text[:300]}")

            for i in range(30):
                launch(f"warm-{i}")
            meter.counting = True
            for i in range(args.launches):
                launch(f"learner-{i}-{secrets.token_hex(3)}")
            meter.counting = False
            server.shutdown()
            report(meter, args)
        finally:
            platform.stop()
            if pg_name:
                _drop_postgres_database(pg_name)


def report(meter: Meter, args) -> None:
    n = args.launches
    print(f"{'sqlite' if args.sqlite else 'PostgreSQL + Redis'}, {n} launches, one at a time; thread CPU in the app")
    print(f"{'request':>12} {'CPU ms mean':>11} {'median':>7} {'statements':>10} {'commits':>7}")
    total = 0.0
    for kind, values in meter.cpu.items():
        mean = sum(values) / len(values)
        total += mean
        print(f"{kind:>12} {mean:>11.2f} {sorted(values)[len(values) // 2]:>7.2f} "
              f"{meter.statements[kind] / n:>10.1f} {meter.commits[kind] / n:>7.1f}")
    print(f"{'per launch':>12} {total:>11.2f}")
    if meter.profiler is not None:
        out = io.StringIO()
        pstats.Stats(meter.profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
