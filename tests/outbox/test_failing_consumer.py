"""A plugin whose ``portal_content_changed`` raises: the event is retried with growing waits,
then marked failed and shown to admins, and ``portal events retry`` delivers it once the
plugin works again. The other consumers are told once, whatever the plugin does."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from portal import hookimpl
from portal.content import outbox
from portal.content.events import article_event, content_changed
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article, AuditEntry
from portal.models.events import DELIVERED, FAILED, PENDING, OutboxEvent
from portal.models.types import utcnow
from portal.testing import events_written, sample_content

from .conftest import Recorder

MAX_ATTEMPTS = 3
FIRST_WAIT = 10


class Listener:
    """Tells what it received; raises while ``broken`` (an index that is down)."""

    def __init__(self) -> None:
        self.broken = True
        self.received = []
        self.query_first = False

    @hookimpl
    def portal_content_changed(self, event):
        if self.query_first:  # a handler whose own query fails
            db.session.execute(text("SELECT * FROM no_such_table"))
        if self.broken:
            raise RuntimeError("chỉ mục tìm kiếm không phản hồi")
        self.received.append(event)


@pytest.fixture
def listener():
    return Listener()


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def app_plugins(listener, recorder):
    return [("flaky_index", listener), ("recorder", recorder)]


@pytest.fixture
def app_config():
    return {
        "PORTAL_EVENT_MAX_ATTEMPTS": MAX_ATTEMPTS,
        "PORTAL_EVENT_RETRY_SECONDS": FIRST_WAIT,
        "PORTAL_EVENT_RETRY_MAX_SECONDS": 3600,
    }


def edit_article(app) -> int:
    """An edit of the sample article, announced in a unit of work; the outbox row's id."""
    with app.app_context():
        article = sample_content()["article"]
        with events_written(app) as written, unit_of_work(Actor.system("Kiểm thử")):
            article.lead = "Sapo đã sửa."
            content_changed(article_event("edited", article))
        assert written == [("edited", "article", article.id)]
        return db.session.scalar(select(func_max_id()))


def func_max_id():
    from sqlalchemy import func

    return func.max(OutboxEvent.id)


def row_of(app, row_id: int) -> OutboxEvent:
    with app.app_context():
        row = db.session.get(OutboxEvent, row_id)
        db.session.expunge(row)
        return row


def test_a_raising_handler_is_retried_with_growing_waits_then_failed(
    app, listener, recorder, runner
):
    row_id = edit_article(app)
    row = row_of(app, row_id)
    # The cache and the working plugin were told at once; only the broken one waits.
    assert len(recorder.received) == 1
    assert (row.status, row.pending, row.attempts) == (PENDING, ["plugin:flaky_index"], 1)
    assert "chỉ mục tìm kiếm không phản hồi" in row.last_error
    waits = [row.next_attempt_at - row.created_at]

    with app.app_context():
        now = row.next_attempt_at - timedelta(seconds=1)
        assert outbox.deliver(now=now).summary().startswith("0 delivered, 0 to be retried")
        for _attempt in range(2, MAX_ATTEMPTS):
            now = row_of(app, row_id).next_attempt_at
            report = outbox.deliver(now=now)
            assert report.retrying == [row_id]
            waits.append(row_of(app, row_id).next_attempt_at - now)
        report = outbox.deliver(now=row_of(app, row_id).next_attempt_at)
        assert report.failed == [row_id]

    assert waits[0] >= timedelta(seconds=FIRST_WAIT - 1)
    assert waits[1:] == [timedelta(seconds=FIRST_WAIT * 2**n) for n in range(1, len(waits))]
    row = row_of(app, row_id)
    assert (row.status, row.attempts, row.next_attempt_at) == (FAILED, MAX_ATTEMPTS, None)
    assert len(recorder.received) == 1  # never told twice
    assert listener.received == []

    listed = runner.invoke(args=["portal", "events"])
    assert f"#{row_id} lỗi" in listed.output
    assert "plugin:flaky_index" in listed.output
    assert "(Kiểm thử, " in listed.output  # who made the change

    # A failed event is not tried again by itself.
    with app.app_context():
        assert outbox.deliver(now=utcnow() + timedelta(days=1)).delivered == []

    listener.broken = False
    with events_written(app) as written:
        result = runner.invoke(args=["portal", "events", "retry"])
    assert written == []  # sending again announces nothing new
    assert result.exit_code == 0, result.output
    assert "1 sự kiện lỗi được đưa về hàng chờ" in result.output
    assert "1 đã gửi" in result.output
    assert [e.action for e in listener.received] == ["edited"]
    assert len(recorder.received) == 1
    assert row_of(app, row_id).status == DELIVERED
    with app.app_context():
        entry = db.session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()))
        assert (entry.action, entry.user_name, entry.after) == (
            "content_event.retry", "Lệnh portal events retry", {"events": [row_id]}
        )  # fmt: skip
    # Nothing failed any more: a second retry changes nothing and records nothing.
    again = runner.invoke(args=["portal", "events", "retry"])
    assert "0 sự kiện lỗi được đưa về hàng chờ" in again.output
    with app.app_context():
        assert len(list(db.session.scalars(select(AuditEntry)))) == 1
    assert (
        "Mọi sự kiện nội dung đã được gửi xong." in runner.invoke(args=["portal", "events"]).output
    )


def test_a_handler_whose_query_fails_does_not_break_the_delivery(app, listener, recorder):
    listener.query_first = True
    row_id = edit_article(app)  # no error reaches the writer: the change is committed
    row = row_of(app, row_id)
    assert (row.status, row.pending) == (PENDING, ["plugin:flaky_index"])
    assert len(recorder.received) == 1
    listener.query_first, listener.broken = False, False
    with app.app_context():
        assert outbox.deliver(now=row.next_attempt_at).delivered == [row_id]
        assert db.session.get(Article, row.subject_id).lead == "Sapo đã sửa."


def test_the_retry_note_follows_the_pending_events(app, listener):
    note = Path(app.instance_path) / outbox.RETRY_FILE
    row_id = edit_article(app)
    due = row_of(app, row_id).next_attempt_at
    assert float(note.read_text()) == pytest.approx(due.timestamp(), abs=0.01)

    listener.broken = False
    with app.app_context():
        assert outbox.deliver(now=due).delivered == [row_id]
    assert not note.exists()

    # A note left behind with nothing pending (a database restored, say) goes at the next sweep.
    note.write_text(f"{utcnow().timestamp() - 5:.3f}")
    with app.app_context():
        assert outbox.retry_due(app)
        outbox.deliver()
    assert not note.exists()
