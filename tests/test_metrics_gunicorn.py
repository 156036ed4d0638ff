"""Metrics with several worker processes: a real gunicorn of two workers (deploy/gunicorn.conf.py)
in prometheus_client's multiprocess mode; ``/metrics``, whichever worker answers it, adds up
what both counted."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request

import pytest
from gunicorn_server import gunicorn_command
from redis_server import free_port

from portal.testing import make_app, sample_content

pytestmark = pytest.mark.slow

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def health_count(text: str) -> float:
    for line in text.splitlines():
        if line.startswith('portal_http_responses_total{route="health",status="200"}'):
            return float(line.rpartition(" ")[2])
    return 0.0


def test_two_workers_counts_are_added_up(tmp_path):
    pytest.importorskip("gunicorn")
    instance = tmp_path / "instance"
    app = make_app(database_url=f"sqlite:///{instance / 'portal.db'}", instance_path=str(instance))
    with app.app_context():
        sample_content()
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_999999.db").write_bytes(b"left by an earlier run")  # emptied at start
    port = free_port()
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "PROMETHEUS_")) and key != "DATABASE_URL"
    }
    environ.update(
        PORTAL_INSTANCE_PATH=str(instance),
        PORTAL_CACHE_URL="memory",
        PORTAL_METRICS="on",
        PORTAL_METRICS_MULTIPROC_DIR=str(folder),
        WEB_CONCURRENCY="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
    )
    log_path = tmp_path / "gunicorn.log"
    log = log_path.open("wb")
    server = subprocess.Popen(gunicorn_command(), cwd=ROOT, env=environ, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                assert get(f"{base}/healthz")[0] == 200  # one request counted
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(log_path.read_text(errors="replace"))
                time.sleep(0.2)
        # Both workers up (each wrote its files), then one of them held on a request that has
        # not finished arriving: the next five go to the other one.
        deadline = time.monotonic() + 60
        while len({name.rsplit("_", 1)[1] for name in os.listdir(folder)}) < 2:
            assert time.monotonic() < deadline, os.listdir(folder)
            time.sleep(0.2)
        held = socket.create_connection(("127.0.0.1", port), timeout=20)
        held.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.5)
        for _ in range(5):
            assert get(f"{base}/healthz")[0] == 200
        held.sendall(b"Connection: close\r\n\r\n")
        answer = held.makefile("rb").read()
        held.close()
        assert answer.startswith(b"HTTP/1.1 200")

        status, text = get(f"{base}/metrics")
        assert status == 200
        # 1 + 5 + 1 requests, served by two processes: one worker alone counted at most 6.
        assert health_count(text) == 7, text[:2000]
        assert "counter_999999" not in " ".join(os.listdir(folder))
        assert 'portal_page_cache_requests_total{result="hit"}' in text
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=60)
        log.close()
