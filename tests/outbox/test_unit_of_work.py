"""The unit of work: a change, its audit entries and its events are committed together, or
not at all; nested units join the outer one; events are delivered after the commit even
when other after-commit work fails."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from portal.content import audit
from portal.content.events import article_event, category_event, content_changed
from portal.content.unit_of_work import Actor, require_unit, unit_of_work
from portal.extensions import db
from portal.models import Article, AuditEntry
from portal.models.events import DELIVERED, OutboxEvent
from portal.testing import events_written, sample_content

from .conftest import Recorder


@pytest.fixture
def recorder():
    return Recorder()


@pytest.fixture
def app_plugins(recorder):
    return [("recorder", recorder)]


def audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


def test_a_change_commits_with_its_audit_entry_and_events(app, recorder):
    with app.app_context():
        site = sample_content()
        article = site["article"]
        with events_written(app) as written, unit_of_work(Actor.system("Nhập từ tệp a.json")):
            article.title = "Tiêu đề mới"
            audit.record("article.edit", subject_type="article", subject_id=article.id)
            content_changed(article_event("edited", article))
            content_changed(article_event("edited", article))  # once is enough
            with unit_of_work(Actor.system("bên trong")):  # joins the outer unit
                content_changed(category_event("edited", site["category"].id))
            assert recorder.received == []  # nothing is told before the commit
        assert written == [
            ("edited", "article", article.id),
            ("edited", "category", site["category"].id),
        ]
        entry = db.session.scalar(select(AuditEntry))
        assert entry.user_name == "Nhập từ tệp a.json"
        rows = list(db.session.scalars(select(OutboxEvent).order_by(OutboxEvent.id)))
        assert {row.actor for row in rows} == {"Nhập từ tệp a.json"}
        assert {row.status for row in rows} == {DELIVERED}
        assert [event.subject for event in recorder.received] == ["article", "category"]


def test_a_change_that_fails_leaves_nothing(app, recorder):
    with app.app_context():
        article = sample_content()["article"]
        with (
            events_written(app) as written,
            pytest.raises(ValueError),
            unit_of_work(Actor.system("Kiểm thử")),
        ):
            article.title = "Không được lưu"
            audit.record("article.edit", subject_type="article", subject_id=article.id)
            content_changed(article_event("edited", article))
            raise ValueError("dừng giữa chừng")
        assert written == []
        assert audit_count() == 0
        assert db.session.get(Article, article.id).title != "Không được lưu"
        assert recorder.received == []


def test_events_are_delivered_even_when_after_commit_work_fails(app, recorder):
    with app.app_context():
        article = sample_content()["article"]

        def remove_files():
            raise OSError("ổ đĩa chỉ đọc")

        with pytest.raises(OSError), unit_of_work(Actor.system("Kiểm thử")) as unit:
            article.title = "Đã lưu"
            unit.on_commit(remove_files)
            content_changed(article_event("edited", article))
        assert db.session.get(Article, article.id).title == "Đã lưu"
        assert [event.action for event in recorder.received] == ["edited"]


def test_content_functions_refuse_to_run_outside_a_unit(app):
    with pytest.raises(RuntimeError, match="unit_of_work"):
        require_unit("Gỡ bài viết")
