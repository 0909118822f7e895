"""A yardstick for this machine: the server CPU of one bare WSGI request under the tool's gunicorn configuration.

Shared VMs differ in speed from day to day, so a launch's CPU milliseconds are only comparable between machines
when quoted with what a request that does nothing costs on the same machine at the same time. `launch_load.py`
prints this figure before its tables; run alone it prints just the yardstick:

    .venv/bin/python bench/bare_request.py
"""

from __future__ import annotations

import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.scale.tool_process import ToolProcess, children_of, cpu_seconds  # noqa: E402

GUNICORN = Path(sys.executable).parent / "gunicorn"


def app(environ, start_response):  # noqa: ANN001, ANN201 - the WSGI signature
    """The request that does nothing: 200 and two bytes."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def _server_cpu(master: subprocess.Popen) -> float:
    return sum(cpu_seconds(pid) for pid in [master.pid, *children_of(master.pid)])


def bare_request_cpu_ms(requests_count: int = 3000, concurrency: int = 8) -> float:
    """Server CPU milliseconds per request of `app` under gunicorn, one gthread worker with 4 threads (as `cps-assess
    serve` runs), `concurrency` keep-alive clients."""
    port = ToolProcess.free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([str(GUNICORN), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                               "--worker-class", "gthread", "bench.bare_request:app"], cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url, timeout=1).status_code == 200 and children_of(server.pid):
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.1)
        per_client = requests_count // concurrency

        def client(_: int) -> None:
            with requests.Session() as session:
                for _ in range(per_client):
                    session.get(url, timeout=5).raise_for_status()

        with ThreadPoolExecutor(max_workers=concurrency) as pool:  # warm-up
            list(pool.map(client, range(concurrency)))
        before = _server_cpu(server)
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(client, range(concurrency)))
        return (_server_cpu(server) - before) * 1000 / (per_client * concurrency)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    print(f"bare WSGI request under gunicorn (gthread, 4 threads): {bare_request_cpu_ms():.3f} ms server CPU")
