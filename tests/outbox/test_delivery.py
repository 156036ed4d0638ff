"""Delivery: a big unit is delivered batch by batch, every event once; a row another process
has claimed is left to it until its claim runs out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.content import outbox
from portal.content.events import content_changed, page_event
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models.events import DELIVERED, PENDING, OutboxEvent
from portal.models.types import utcnow
from portal.testing import events_written

from .conftest import Recorder


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def app_plugins(recorder):
    return [("recorder", recorder)]


def test_a_big_unit_is_delivered_batch_by_batch(app, recorder):
    count = outbox.BATCH * 2 + 7
    with app.app_context():
        with events_written(app) as written, unit_of_work(Actor.system("Nhập từ tệp lon.json")):
            for page_id in range(1, count + 1):
                content_changed(page_event("edited", page_id))
        assert len(written) == count
        statuses = db.session.execute(
            select(OutboxEvent.status, func.count()).group_by(OutboxEvent.status)
        ).all()
        assert statuses == [(DELIVERED, count)]
    assert sorted(event.subject_id for event in recorder.received) == list(range(1, count + 1))


def test_a_row_claimed_by_another_process_is_left_to_it(app, recorder):
    with app.app_context():
        # Written and committed, as by a process that then stopped before delivering.
        db.session.add(
            OutboxEvent(action="edited", subject="page", subject_id=5, tags=["page:5"],
                        status=PENDING, pending=["plugin:recorder"], attempts=0,
                        next_attempt_at=utcnow())
        )  # fmt: skip
        db.session.commit()
        now = utcnow()
        assert outbox._claim(None, now) != []  # "the other process" claims it
        assert outbox.deliver(now=now + timedelta(seconds=1)).delivered == []
        assert recorder.received == []
        later = now + timedelta(seconds=outbox.CLAIM_SECONDS + 1)
        assert len(outbox.deliver(now=later).delivered) == 1
        assert outbox.deliver(now=later).delivered == []  # told once
    assert [event.subject_id for event in recorder.received] == [5]
