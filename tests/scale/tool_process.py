"""`cps-assess serve` as a real process (gunicorn master + workers) for the scale tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from tests.conftest import REPO, STARTER_BANK

CLI = Path(sys.executable).parent / "cps-assess"


def children_of(pid: int) -> list[int]:
    """The pids of a process's children (gunicorn's workers when `pid` is the master)."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ToolProcess:
    """One `cps-assess serve --workers N` on 127.0.0.1:`port`, with the given environment on top of ours."""

    def __init__(self, port: int, workers: int, env: dict[str, str], work_dir: Path) -> None:
        self.port = port
        self.workers = workers
        self.env = env
        self.work_dir = work_dir
        self.process: subprocess.Popen | None = None
        self.log_path = work_dir / f"tool-{port}.log"

    @staticmethod
    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> ToolProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CPS_") and k not in ("DATABASE_URL",
                                                                                             "REDIS_URL")}
        env.update({"CPS_INSTANCE_PATH": str(self.work_dir / "instance"), "CPS_BANK": str(STARTER_BANK),
                    "CPS_GRADES_SENDER_SECONDS": "1", "CPS_HTTP_TIMEOUT_SECONDS": "5", **self.env})
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen([str(CLI), "serve", "--port", str(self.port), "--workers",
                                             str(self.workers)], stdout=log, stderr=subprocess.STDOUT, env=env,
                                            cwd=REPO)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"cps-assess serve exited {self.process.returncode}:\n{self.log()[-3000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200 and \
                        len(self.worker_pids()) >= self.workers:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"cps-assess serve did not come up on {self.url}:\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid) if self.process else []

    def server_cpu_seconds(self) -> float:
        """CPU time of the master and its live workers."""
        total = 0.0
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                total += cpu_seconds(pid)
            except OSError:
                continue
        return total

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def registered_tool_database(database_url: str, platform, public_url: str, work_dir: Path,
                             client_id: str = "client-1", deployment_id: str = "dep-1") -> None:
    """Migrate the tool's database, create its keys, and register the platform in it (and the tool on the
    platform, at `public_url`), before any tool process starts."""
    from lti_tool import create_app
    from lti_tool.lti.keys import ensure_keys
    from lti_tool.lti.models import Deployment, Platform
    from lti_tool.web import db

    app = create_app({"INSTANCE_PATH": str(work_dir / "instance"), "DATABASE_URL": database_url,
                      "SECRET_KEY": "scale-test", "GRADES_SENDER_INTERVAL_SECONDS": 0, "REDIS_URL": None,
                      "BANK_PATH": str(STARTER_BANK)})
    db.upgrade(app)
    with db.session_scope(app) as session:
        ensure_keys(session)
        row = Platform(issuer=platform.issuer, client_id=client_id, name="Test platform", product=platform.flavour,
                       auth_login_url=f"{platform.url}/auth", auth_token_url=f"{platform.url}/token",
                       key_set_url=f"{platform.url}/jwks", status=Platform.ACTIVE)
        row.deployments = [Deployment(deployment_id=deployment_id)]
        session.add(row)
    db.engine_of(app).dispose()
    platform.add_client(client_id, public_url, (deployment_id,))


def on(base: str, url: str) -> str:
    """The same URL, sent to the process at `base` instead (a load balancer's choice of machine)."""
    parts, target = urlsplit(url), urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))


def outbox_statuses(database_url: str) -> Counter:
    """How many rows of the tool's score outbox are in each status, read from the database the processes share."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT status, count(*) FROM lti_score_outbox GROUP BY status")).all()
    finally:
        engine.dispose()
    return Counter({status: count for status, count in rows})
