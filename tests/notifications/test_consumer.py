"""The ``notify`` consumer: who hears of which workflow step, never twice, never the actor."""

from __future__ import annotations

from datetime import timedelta

from portal.content import notifications, outbox
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import OutboxEvent, User, utcnow
from portal.models.events import DELIVERED, PENDING

from .conftest import all_notifications, inbox_of, make_article, outbox_rows, take_step


def test_a_submission_tells_every_editor_and_admin_but_not_the_author(app, site, users):
    article_id = make_article(app, created_by=users["author"], title="Lễ hội Lồng Tồng")
    take_step(app, "submit", article_id, users["author"])

    message = "Tác Giả Một đã gửi duyệt bài viết “Lễ hội Lồng Tồng”."
    assert inbox_of(app, users["editor"]) == [("submitted", article_id, users["author"], message)]
    assert inbox_of(app, users["admin"]) == [("submitted", article_id, users["author"], message)]
    assert inbox_of(app, users["author"]) == []
    assert inbox_of(app, users["other_author"]) == []


def test_the_step_goes_to_the_notify_consumer_alone(app, site, users):
    """Readers see nothing of a submission: no cache purge, no search, no plugin."""
    article_id = make_article(app, created_by=users["author"])
    take_step(app, "submit", article_id, users["author"])
    [row] = outbox_rows(app, notifications.STEP_SUBJECT)
    assert (row.action, row.status, row.pending) == ("submitted", DELIVERED, [])
    assert outbox_rows(app, "article") == []


def test_an_inactive_editor_hears_nothing(app, site, users):
    with app.app_context():
        db.session.get(User, users["admin"]).active = False
        db.session.commit()
    article_id = make_article(app, created_by=users["author"])
    take_step(app, "submit", article_id, users["author"])
    assert all_notifications(app) == [(users["editor"], "submitted")]


def test_an_editor_submitting_is_not_told_of_it(app, site, users):
    article_id = make_article(app, created_by=users["editor"])
    take_step(app, "submit", article_id, users["editor"])
    assert all_notifications(app) == [(users["admin"], "submitted")]


def test_sent_back_tells_the_author_with_the_editors_note(app, site, users):
    article_id = make_article(app, created_by=users["author"], status="review", title="Bài A")
    take_step(app, "send_back", article_id, users["editor"], comment="Thiếu nguồn ảnh.")
    assert inbox_of(app, users["author"]) == [
        (
            "sent_back",
            article_id,
            users["editor"],
            "Biên Tập Viên đã trả lại bài viết “Bài A” của bạn để sửa. "
            "Nhận xét: “Thiếu nguồn ảnh.”",
        )
    ]
    assert all_notifications(app) == [(users["author"], "sent_back")]


def test_publishing_and_scheduling_tell_the_author(app, site, users):
    now_id = make_article(app, created_by=users["author"], status="review", title="Ngay")
    later_id = make_article(app, created_by=users["author"], status="review", title="Sau")
    take_step(app, "publish", now_id, users["editor"])
    take_step(app, "publish", later_id, users["admin"], when=utcnow() + timedelta(days=2))
    kinds = [(kind, article) for kind, article, _actor, _message in inbox_of(app, users["author"])]
    assert kinds == [("published", now_id), ("scheduled", later_id)]
    [_published, scheduled] = inbox_of(app, users["author"])
    assert "Quản Trị đã hẹn giờ xuất bản bài viết “Sau” của bạn lúc " in scheduled[3]
    assert all_notifications(app) == [
        (users["author"], "published"),
        (users["author"], "scheduled"),
    ]


def test_nobody_hears_of_their_own_publication(app, site, users):
    article_id = make_article(app, created_by=users["editor"])
    take_step(app, "publish", article_id, users["editor"])
    take_step(app, "withdraw", make_article(app, created_by=users["author"], status="review"),
              users["author"])  # fmt: skip
    assert all_notifications(app) == []


def test_a_step_delivered_again_notifies_once(app, site, users):
    article_id = make_article(app, created_by=users["author"])
    take_step(app, "submit", article_id, users["author"])
    [row] = outbox_rows(app, notifications.STEP_SUBJECT)
    with app.app_context():
        # The same row again (a process that died after telling, before marking it).
        db.session.get(OutboxEvent, row.id).status = PENDING
        db.session.get(OutboxEvent, row.id).pending = [notifications.NOTIFY_CONSUMER]
        db.session.commit()
        report = outbox.deliver(ids=[row.id])
        assert report.delivered == [row.id]
        # And the consumer called twice more by hand, in one transaction.
        with unit_of_work(Actor.system()):
            notifications.notify(outbox.event_of(db.session.get(OutboxEvent, row.id)))
            notifications.notify(outbox.event_of(db.session.get(OutboxEvent, row.id)))
    assert sorted(all_notifications(app)) == sorted(
        [(users["editor"], "submitted"), (users["admin"], "submitted")]
    )


def test_a_step_of_a_deleted_article_tells_no_one(app, site, users):
    article_id = make_article(app, created_by=users["author"])
    take_step(app, "submit", article_id, users["author"])
    [row] = outbox_rows(app, notifications.STEP_SUBJECT)
    with app.app_context():
        db.session.execute(db.delete(notifications.Notification))
        from portal.models import Article

        db.session.delete(db.session.get(Article, article_id))
        db.session.commit()
        with unit_of_work(Actor.system()):
            notifications.notify(outbox.event_of(db.session.get(OutboxEvent, row.id)))
    assert all_notifications(app) == []
