"""Benchmark: what the content-events checks cost each request, next to a Flask hello world.

Run with ``make bench`` (or ``.venv/bin/python bench/coherence.py``). Every request
of a web worker runs :func:`portal.content.coherence.catch_up` (is there a change by
another process to purge from this process's cache?) and
:func:`portal.content.outbox.retry_due` (is a content event due to be delivered
again?); when one is due, the worker delivers before answering (the sweep). This
measures each of them, in microseconds per call, against a request to a Flask
hello-world app through the WSGI test client in the same run, and prints a table.
This is a measurement, never a test: nothing here asserts on time.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from portal.content import coherence, outbox
from portal.content.events import article_event, content_changed
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models.events import DELIVERED, OutboxEvent
from portal.testing import make_app, sample_content


def per_call_us(function: Callable[[], object], calls: int, *, setup=None) -> tuple[float, float]:
    """Median and 95th percentile of one call, in µs (``setup`` runs untimed before each)."""
    timings = []
    for _ in range(calls):
        if setup is not None:
            setup()
        started = time.perf_counter_ns()
        function()
        timings.append((time.perf_counter_ns() - started) / 1000)
    timings.sort()
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)]


def hello_world(calls: int) -> tuple[float, float]:
    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Xin chào")
    client = hello.test_client()
    client.get("/")
    return per_call_us(lambda: client.get("/"), calls)


def build_app(database_url: str | None):
    folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    app = make_app(
        database_url=database_url or f"sqlite:///{folder / 'bench.db'}",
        instance_path=str(folder / "instance"),
        config={"PORTAL_CACHE_URL": "memory", "PORTAL_STRICT_BLOCKS": False},
    )
    with app.app_context():
        article = sample_content()["article"]
        # An outbox with some history, as on a running site.
        for number in range(200):
            with unit_of_work(Actor.system("Bench")):
                article.lead = f"Sapo {number}"
                content_changed(article_event("edited", article))
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    args = parser.parse_args()
    calls = args.calls

    rows: list[tuple[str, float, float]] = []
    rows.append(("Flask hello world, one request", *hello_world(calls)))

    app = build_app(args.database_url)
    sweep_key = outbox.SWEEP_KEY
    with app.app_context():
        coherence.catch_up(app)  # the process has seen the stamp once

        rows.append(
            (
                "catch_up, nothing changed (one stat)",
                *per_call_us(lambda: coherence.catch_up(app), calls),
            )
        )

        # Another process committed one event since the last request.
        newest = db.session.scalar(db.select(db.func.max(OutboxEvent.id)))
        counter = iter(range(newest + 1, newest + 1 + calls))

        def other_process_wrote() -> None:
            row_id = next(counter)
            db.session.add(
                OutboxEvent(id=row_id, action="edited", subject="article", subject_id=1,
                            tags=["article:1", "articles", "category:1"], status=DELIVERED,
                            pending=[])
            )  # fmt: skip
            db.session.commit()
            coherence.bump(app, row_id)

        changed_calls = max(1, calls // 4)
        rows.append(
            (
                "catch_up, one event by another process",
                *per_call_us(
                    lambda: coherence.catch_up(app), changed_calls, setup=other_process_wrote
                ),
            )
        )

        rows.append(
            ("retry_due, between sweeps", *per_call_us(lambda: outbox.retry_due(app), calls))
        )

        def sweep_time() -> None:
            app.extensions.pop(sweep_key, None)

        rows.append(
            (
                "retry_due at a sweep, nothing pending",
                *per_call_us(lambda: outbox.retry_due(app), calls, setup=sweep_time),
            )
        )
        rows.append(
            (
                "sweep before a request: deliver(), nothing due",
                *per_call_us(outbox.deliver, max(1, calls // 4)),
            )
        )

    client = app.test_client()
    client.get("/khong-co-trang-nay")
    rows.append(
        (
            "portal request, a 404 page (both checks included)",
            *per_call_us(lambda: client.get("/khong-co-trang-nay"), max(1, calls // 4)),
        )
    )

    hello = rows[0][1]
    print(f"{'what':<52} {'median µs':>10} {'p95 µs':>9} {'× hello':>8}")
    for name, median, p95 in rows:
        print(f"{name:<52} {median:>10.1f} {p95:>9.1f} {median / hello:>8.2f}")


if __name__ == "__main__":
    main()
