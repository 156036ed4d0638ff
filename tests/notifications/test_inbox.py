"""The admin's inbox: the bell's count, the list newest first, opening, marking read, and
nobody touching another person's notifications; the e-mail choices on the account page."""

from __future__ import annotations

import re

from admin.admin_helpers import csrf_of, flashes, text_of
from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEntry, Notification, NotificationPreference

from .conftest import make_article, take_step


def bell(client) -> str:
    """The header's notifications link, as text."""
    html = client.get("/admin/").get_data(as_text=True)
    found = re.search(r'<a class="admin-bell[^"]*"[^>]*>(.*?)</a>', html, re.S)
    assert found, "the admin header has no notifications link"
    return text_of(found.group(1))


def ids_of(app, user_id: int) -> list[int]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(Notification.id)
                .where(Notification.recipient_id == user_id)
                .order_by(Notification.id)
            )
        )


def read_at(app, notification_id: int):
    with app.app_context():
        return db.session.get(Notification, notification_id).read_at


def post(client, url: str, data=None):
    token = csrf_of(client.get("/admin/thong-bao").get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **(data or {})})


def test_the_editor_sees_the_count_and_the_inbox_newest_first(app, site, users, clients):
    editor = clients["editor"]
    assert bell(editor) == "Thông báo"
    first = make_article(app, created_by=users["author"], title="Bài thứ nhất")
    second = make_article(app, created_by=users["other_author"], title="Bài thứ hai")
    take_step(app, "submit", first, users["author"])
    take_step(app, "submit", second, users["other_author"])

    assert bell(editor) == "Thông báo 2 chưa đọc"
    page = text_of(editor.get("/admin/thong-bao").get_data(as_text=True))
    assert "2 thông báo chưa đọc" in page
    assert page.index("Tác Giả Hai đã gửi duyệt bài viết “Bài thứ hai”") < page.index(
        "Tác Giả Một đã gửi duyệt bài viết “Bài thứ nhất”"
    )
    # The author hears of nothing here, and sees nothing of the editor's.
    assert bell(clients["author"]) == "Thông báo"
    assert "Bạn chưa có thông báo nào." in text_of(
        clients["author"].get("/admin/thong-bao").get_data(as_text=True)
    )


def test_opening_one_marks_it_read_and_shows_the_article(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], title="Bài cần duyệt")
    take_step(app, "submit", article_id, users["author"])
    [notification_id] = ids_of(app, users["editor"])

    response = post(clients["editor"], f"/admin/thong-bao/{notification_id}/mo")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/articles/{article_id}")
    assert read_at(app, notification_id) is not None
    assert bell(clients["editor"]) == "Thông báo"
    # The admin's own notification of the same step is still unread.
    assert bell(clients["admin"]) == "Thông báo 1 chưa đọc"


def test_opening_one_whose_article_is_gone_says_so(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], title="Bài sẽ xóa")
    take_step(app, "submit", article_id, users["author"])
    [notification_id] = ids_of(app, users["editor"])
    with app.app_context():
        from portal.models import Article

        db.session.delete(db.session.get(Article, article_id))
        db.session.commit()
    response = post(clients["editor"], f"/admin/thong-bao/{notification_id}/mo")
    assert response.headers["Location"].endswith("/admin/thong-bao")
    assert flashes(clients["editor"]) == ["Bài viết của thông báo này không còn nữa."]


def test_mark_one_and_mark_all_read(app, site, users, clients):
    for title in ("Một", "Hai", "Ba"):
        article_id = make_article(app, created_by=users["author"], title=title)
        take_step(app, "submit", article_id, users["author"])
    first, second, third = ids_of(app, users["editor"])
    editor = clients["editor"]

    response = post(editor, f"/admin/thong-bao/{second}/da-doc")
    assert response.status_code == 302
    assert [read_at(app, i) is None for i in (first, second, third)] == [True, False, True]
    assert bell(editor) == "Thông báo 2 chưa đọc"

    post(editor, "/admin/thong-bao/da-doc-het")
    assert flashes(editor) == ["Đã đánh dấu 2 thông báo là đã đọc."]
    assert all(read_at(app, i) is not None for i in (first, second, third))
    assert bell(editor) == "Thông báo"
    assert ids_of(app, users["admin"]) and all(
        read_at(app, i) is None for i in ids_of(app, users["admin"])
    )


def test_nobody_can_open_or_mark_another_persons_notification(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"])
    take_step(app, "submit", article_id, users["author"])
    [notification_id] = ids_of(app, users["editor"])
    for role in ("admin", "author", "other_author"):
        for action in ("mo", "da-doc"):
            response = post(clients[role], f"/admin/thong-bao/{notification_id}/{action}")
            assert response.status_code == 404, (role, action)
        post(clients[role], "/admin/thong-bao/da-doc-het")
    assert read_at(app, notification_id) is None
    assert post(clients["editor"], "/admin/thong-bao/999999/da-doc").status_code == 404


def test_choosing_e_mails_on_the_account_page(app, site, users, clients):
    author = clients["author"]
    page = author.get("/admin/account").get_data(as_text=True)
    choices = dict(re.findall(r'name="email" value="(\w+)" id="[^"]+"( checked)?', page))
    # Authors cannot review, so they are not offered submissions; the defaults are ticked.
    assert choices == {"sent_back": " checked", "published": " checked", "scheduled": ""}

    token = csrf_of(page)
    response = author.post(
        "/admin/account/notifications",
        data={"csrf_token": token, "email": ["scheduled", "published"]},
    )
    assert response.headers["Location"].endswith("/admin/account#thong-bao-email")
    assert flashes(author) == ["Đã lưu lựa chọn nhận thông báo qua e-mail."]
    page = author.get("/admin/account").get_data(as_text=True)
    choices = dict(re.findall(r'name="email" value="(\w+)" id="[^"]+"( checked)?', page))
    assert choices == {"sent_back": "", "published": " checked", "scheduled": " checked"}
    with app.app_context():
        entry = db.session.scalar(
            select(AuditEntry).where(AuditEntry.action == "account.notifications")
        )
        assert entry.after == {"email": ["published", "scheduled"]}

    # A kind an author cannot hear of (a forged form) is refused, and nothing changes.
    author.post("/admin/account/notifications",
                data={"csrf_token": token, "email": ["submitted"]})  # fmt: skip
    assert flashes(author) == [
        "Chưa lưu lựa chọn nhận e-mail: Không có loại thông báo này cho bạn: submitted."
    ]
    with app.app_context():
        preference = db.session.get(NotificationPreference, users["author"])
        assert preference.email_kinds == ["published", "scheduled"]


def test_ticking_nothing_means_no_e_mail_at_all(app, site, users, clients):
    editor = clients["editor"]
    token = csrf_of(editor.get("/admin/account").get_data(as_text=True))
    editor.post("/admin/account/notifications", data={"csrf_token": token})
    with app.app_context():
        assert db.session.get(NotificationPreference, users["editor"]).email_kinds == []
    page = editor.get("/admin/account").get_data(as_text=True)
    assert " checked" not in "".join(re.findall(r'<input type="checkbox" name="email"[^>]*>', page))
