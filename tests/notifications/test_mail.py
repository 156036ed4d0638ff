"""Notification e-mails reach a real SMTP server (aiosmtpd) per each person's choice;
a server that is down keeps the inbox entry and the e-mail is sent on a later try."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from portal.content import notifications, outbox
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import User, utcnow
from portal.models.events import DELIVERED, PENDING

from .conftest import all_notifications, make_article, outbox_rows, take_step

BASE_URL = "https://cong.example.vn"


@pytest.fixture
def app_config(smtp_server):
    return {**smtp_server.config(), "PORTAL_BASE_URL": BASE_URL, "PORTAL_SITE_NAME": "Cổng tỉnh"}


def choose(app, user_id: int, kinds: list[str]) -> None:
    with app.app_context():
        user = db.session.get(User, user_id)
        with unit_of_work(Actor.of_user(user)):
            notifications.set_email_kinds(user, kinds)


def test_a_submission_mails_the_editors_in_vietnamese_with_a_link(app, site, users, smtp_server):
    article_id = make_article(app, created_by=users["author"], title="Lễ hội Lồng Tồng")
    take_step(app, "submit", article_id, users["author"])
    received = smtp_server.wait_for(2)
    assert sorted(m["X-Envelope-To"] for m in received) == [
        "bientap@example.org",
        "quantri@example.org",
    ]
    message = next(m for m in received if m["X-Envelope-To"] == "bientap@example.org")
    assert message["Subject"] == "[Cổng tỉnh] Bài viết chờ duyệt: Lễ hội Lồng Tồng"
    body = message.get_content()
    assert "Chào Biên Tập Viên," in body
    assert "Tác Giả Một đã gửi duyệt bài viết “Lễ hội Lồng Tồng”." in body
    assert f"Mở bài viết: {BASE_URL}/admin/articles/{article_id}" in body
    assert f"{BASE_URL}/admin/thong-bao" in body
    assert [row.status for row in outbox_rows(app, notifications.MAIL_SUBJECT)] == [DELIVERED] * 2


def test_each_person_gets_the_mails_they_chose(app, site, users, smtp_server):
    choose(app, users["editor"], [])  # the inbox only
    choose(app, users["author"], ["sent_back"])  # not "published"
    first = make_article(app, created_by=users["author"], title="Bài một")
    take_step(app, "submit", first, users["author"])
    take_step(app, "send_back", first, users["editor"], comment="Sửa sapo.")
    second = make_article(app, created_by=users["author"], status="review", title="Bài hai")
    take_step(app, "publish", second, users["editor"])

    received = smtp_server.wait_for(2)
    assert [(m["X-Envelope-To"], m["Subject"]) for m in received] == [
        ("quantri@example.org", "[Cổng tỉnh] Bài viết chờ duyệt: Bài một"),
        ("tacgia@example.org", "[Cổng tỉnh] Bài viết bị trả lại: Bài một"),
    ]
    assert "Nhận xét: “Sửa sapo.”" in received[1].get_content()
    # Everyone has every notification in the inbox all the same.
    assert sorted(all_notifications(app)) == sorted(
        [
            (users["editor"], "submitted"),
            (users["admin"], "submitted"),
            (users["author"], "sent_back"),
            (users["author"], "published"),
        ]
    )


def test_the_defaults_mail_authors_publications_but_not_schedules(app, site, users, smtp_server):
    now_id = make_article(app, created_by=users["author"], status="review", title="Ngay")
    later_id = make_article(app, created_by=users["author"], status="review", title="Sau")
    take_step(app, "publish", later_id, users["editor"], when=utcnow() + timedelta(days=1))
    take_step(app, "publish", now_id, users["editor"])
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "[Cổng tỉnh] Bài viết đã xuất bản: Ngay"


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_is_down_keeps_the_inbox_and_the_mail_comes_later(
    app,
    site,
    users,
    smtp_server,
    caplog,
):
    app.config["PORTAL_MAIL_PORT"] = dead_port()
    article_id = make_article(app, created_by=users["author"], title="Bài chờ")
    take_step(app, "submit", article_id, users["author"])

    assert all_notifications(app) == [(users["editor"], "submitted"), (users["admin"], "submitted")]
    first, second = outbox_rows(app, notifications.MAIL_SUBJECT)
    assert (first.status, first.pending) == (PENDING, [notifications.MAIL_CONSUMER])
    assert "không nhận thư" in first.last_error
    assert "e-mail to bientap@example.org was not sent (tried again later)" in caplog.text
    # The server just failed: the next message waits for its retry instead of the timeout.
    assert (second.status, second.pending) == (PENDING, [notifications.MAIL_CONSUMER])
    assert "chưa thử gửi: máy chủ thư vừa lỗi chưa đầy 30 giây trước" in second.last_error
    assert smtp_server.messages == []

    app.config["PORTAL_MAIL_PORT"] = smtp_server.port  # the server is back
    app.extensions.pop(notifications.MAIL_FAILED_KEY)  # and the pause after the failure over
    with app.app_context():
        outbox.deliver(now=utcnow() + timedelta(hours=1))  # the retry is due
    received = smtp_server.wait_for(2)
    assert sorted(m["X-Envelope-To"] for m in received) == [
        "bientap@example.org",
        "quantri@example.org",
    ]
    assert [row.status for row in outbox_rows(app, notifications.MAIL_SUBJECT)] == [DELIVERED] * 2
    with app.app_context():  # delivered again by mistake: the inbox stays as it was
        outbox.deliver(now=utcnow() + timedelta(hours=2))
    assert len(all_notifications(app)) == 2
