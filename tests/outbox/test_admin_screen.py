"""The admin's "Sự kiện nội dung" screen: pending and failed events for admins only, and
"Thử lại" (one event or all) sending failed events again, with an audit entry."""

from __future__ import annotations

import pytest
from admin.admin_helpers import client_signed_in_as, csrf_of, make_user
from sqlalchemy import select

from portal import hookimpl
from portal.content.events import article_event, content_changed
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import AuditEntry
from portal.models.events import DELIVERED, FAILED, OutboxEvent
from portal.testing import assert_well_formed, events_written, sample_content

URL = "/admin/content-events"


class Index:
    def __init__(self) -> None:
        self.broken = True
        self.received = []

    @hookimpl
    def portal_content_changed(self, event):
        if self.broken:
            raise ConnectionError("máy chủ chỉ mục không trả lời")
        self.received.append(event)


@pytest.fixture
def index():
    return Index()


@pytest.fixture
def app_plugins(index):
    return [("search_index", index)]


@pytest.fixture
def app_config():
    return {"PORTAL_EVENT_MAX_ATTEMPTS": 1}


@pytest.fixture
def failed_events(app) -> list[int]:
    """Two edits and a publication whose events the index could not take (one attempt each)."""
    with app.app_context():
        article = sample_content()["article"]
        for lead in ("Sapo một.", "Sapo hai."):
            with unit_of_work(Actor.system("Nhập từ tệp bai-viet.json")):
                article.lead = lead
                content_changed(article_event("edited", article))
        content_changed(article_event("published", article))
        ids = list(
            db.session.scalars(
                select(OutboxEvent.id)
                .where(OutboxEvent.status == FAILED)
                .order_by(OutboxEvent.id)  # the first is the first edit
            )
        )
        assert len(ids) == 3
        return ids


@pytest.fixture
def accounts(app):
    return {
        role: make_user(app, f"{role}@example.org", role, name=f"Người {role}")
        for role in ("admin", "editor", "author")
    }


def statuses(app) -> dict[int, str]:
    with app.app_context():
        return dict(db.session.execute(select(OutboxEvent.id, OutboxEvent.status)).all())


def audit_rows(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        return [
            (entry.action, entry.user_name, entry.after)
            for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_admins_see_failed_events_with_what_who_and_why(app, accounts, failed_events):
    admin = client_signed_in_as(app, accounts["admin"])
    html = admin.get(URL).get_data(as_text=True)
    assert_well_formed(html)
    assert "3 sự kiện lỗi" in html
    assert "Sửa bài viết #1" in html and "Xuất bản bài viết #1" in html
    assert "Nhập từ tệp bai-viet.json" in html
    assert "ConnectionError: máy chủ chỉ mục không trả lời" in html
    assert "Plugin search_index" in html
    assert html.count(">Thử lại<span") == 3
    assert "Thử lại tất cả sự kiện lỗi" in html
    dashboard = admin.get("/admin/").get_data(as_text=True)
    assert f'href="{URL}"' in dashboard  # in the admin menu


@pytest.mark.parametrize("role", ["editor", "author"])
def test_other_roles_get_403_and_retry_nothing(app, accounts, failed_events, index, role):
    client = client_signed_in_as(app, accounts[role])
    token = csrf_of(client.get("/admin/").get_data(as_text=True))
    assert client.get(URL).status_code == 403
    index.broken = False
    before = statuses(app)
    response = client.post(f"{URL}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    assert statuses(app) == before
    assert index.received == []
    assert f'href="{URL}"' not in client.get("/admin/").get_data(as_text=True)


def test_retrying_one_event_delivers_it_and_leaves_the_others(app, accounts, failed_events, index):
    admin = client_signed_in_as(app, accounts["admin"])
    token = csrf_of(admin.get(URL).get_data(as_text=True))
    first, *others = failed_events
    index.broken = False
    with events_written(app) as written:
        response = admin.post(f"{URL}/retry", data={"csrf_token": token, "event_id": str(first)})
    assert response.status_code == 302
    assert written == []  # retrying announces nothing new
    assert statuses(app) == {first: DELIVERED, **dict.fromkeys(others, FAILED)}
    assert [event.action for event in index.received] == ["edited"]
    assert audit_rows(app)[-1] == (
        "content_event.retry", "Người admin <admin@example.org>", {"events": [first]}
    )  # fmt: skip
    html = admin.get(URL).get_data(as_text=True)
    assert "Đã gửi lại 1 sự kiện: 1 đã gửi xong." in html
    assert "2 sự kiện lỗi" in html


def test_retrying_all_while_the_plugin_still_fails_keeps_them_visible(
    app, accounts, failed_events, index
):
    admin = client_signed_in_as(app, accounts["admin"])
    token = csrf_of(admin.get(URL).get_data(as_text=True))
    admin.post(f"{URL}/retry", data={"csrf_token": token})
    assert set(statuses(app).values()) == {FAILED}
    html = admin.get(URL).get_data(as_text=True)
    assert "Đã gửi lại 3 sự kiện: 0 đã gửi xong, 3 vẫn lỗi." in html
    assert "3 sự kiện lỗi" in html

    index.broken = False
    admin.post(f"{URL}/retry", data={"csrf_token": token})
    assert set(statuses(app).values()) == {DELIVERED}
    assert len(index.received) == 3
    html = admin.get(URL).get_data(as_text=True)
    assert "Mọi sự kiện nội dung đã được gửi xong." in html
    assert [action for action, *_ in audit_rows(app)] == ["content_event.retry"] * 2


def test_retrying_when_nothing_failed_changes_nothing(app, accounts, index):
    admin = client_signed_in_as(app, accounts["admin"])
    token = csrf_of(admin.get(URL).get_data(as_text=True))
    response = admin.post(f"{URL}/retry", data={"csrf_token": token}, follow_redirects=True)
    assert "Không có sự kiện lỗi nào để gửi lại" in response.get_data(as_text=True)
    assert audit_rows(app) == []
    bad = admin.post(f"{URL}/retry", data={"csrf_token": token, "event_id": "mot"})
    assert bad.status_code == 400


def test_the_counts_cover_events_beyond_the_list(app, accounts, failed_events, monkeypatch):
    from portal.web.admin import content_events

    monkeypatch.setattr(content_events, "LIMIT", 2)
    html = client_signed_in_as(app, accounts["admin"]).get(URL).get_data(as_text=True)
    assert "3 sự kiện lỗi" in html
    assert "hiển thị 2 sự kiện đầu" in html
    assert html.count(">Thử lại<span") == 2
