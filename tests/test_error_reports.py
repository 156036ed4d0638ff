"""Error reports through sentry-sdk (portal/error_reports.py): a request that fails is sent to
the DSN's service, here a small HTTP server started by the test that takes Sentry envelopes."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.testing import make_app

sentry_sdk = pytest.importorskip("sentry_sdk")


class EnvelopeService(ThreadingHTTPServer):
    """Takes what a Sentry SDK posts to ``/api/<project>/envelope/`` and keeps it."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.envelopes: list[list[dict]] = []
        self.arrived = threading.Condition()

    def wait_for(self, predicate, timeout: float = 10.0) -> list[list[dict]]:
        with self.arrived:
            self.arrived.wait_for(lambda: any(predicate(e) for e in self.envelopes), timeout)
            return list(self.envelopes)


class _Handler(BaseHTTPRequestHandler):
    server: EnvelopeService

    def do_POST(self):  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        items = [json.loads(line) for line in body.splitlines() if line.strip().startswith(b"{")]
        with self.server.arrived:
            if self.path.startswith("/api/1/envelope/"):
                self.server.envelopes.append(items)
            self.server.arrived.notify_all()
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def service():
    server = EnvelopeService()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    sentry_sdk.get_client().close(timeout=2)  # the SDK is one per process: off again
    server.shutdown()
    server.server_close()


def failing_view():
    raise KeyError("the view is broken")


def event_of(envelope: list[dict]) -> dict | None:
    return next((item for item in envelope if "exception" in item), None)


def test_a_failing_request_is_reported_with_its_request_id(service, tmp_path):
    port = service.server_address[1]
    app = make_app(
        config={
            "PORTAL_SENTRY_DSN": f"http://publickey@127.0.0.1:{port}/1",
            "PORTAL_SENTRY_ENVIRONMENT": "staging",
            "PROPAGATE_EXCEPTIONS": False,
        },
        instance_path=str(tmp_path / "instance"),
    )
    app.add_url_rule("/hong", "hong", failing_view)
    client = app.test_client()
    response = client.get(
        "/hong?token=secret-in-query",
        headers={"X-Request-Id": "report-me-1", "Cookie": "session=private-cookie"},
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
    )
    assert response.status_code == 500
    assert "report-me-1" in response.get_data(as_text=True)
    sentry_sdk.flush(timeout=5)

    envelopes = service.wait_for(lambda envelope: event_of(envelope) is not None)
    events = [event_of(envelope) for envelope in envelopes if event_of(envelope)]
    assert len(events) == 1
    event = events[0]
    assert [value["type"] for value in event["exception"]["values"]] == ["KeyError"]
    assert event["tags"]["request_id"] == "report-me-1"
    assert event["environment"] == "staging"
    assert event["release"].startswith("blockportal@")
    sent = json.dumps(event)
    # Nothing personal: no cookie, no client address, no user.
    assert "private-cookie" not in sent
    assert "203.0.113.9" not in sent
    assert "secret-in-query" not in sent
    assert "user" not in event or not event["user"].get("ip_address")


def test_without_a_dsn_the_sdk_is_not_even_imported(tmp_path):
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from portal.testing import make_app\n"
        "make_app()\n"
        "print('sentry_sdk' in sys.modules, 'prometheus_client' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
