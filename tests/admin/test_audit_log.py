"""The audit log viewer: newest first, pages of 50, filters, readable before/after."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from portal.extensions import db
from portal.models import AuditEntry, User

from .admin_helpers import csrf_of, make_user, text_of

START = datetime(2024, 5, 1, 1, 0, tzinfo=UTC)


def add_entry(app, action, *, minutes, user_id=None, subject=("", None), before=None, after=None):
    with app.app_context():
        user = db.session.get(User, user_id) if user_id else None
        entry = AuditEntry(
            at=START + timedelta(minutes=minutes),
            user_id=user_id,
            user_name=f"{user.name} <{user.email}>" if user else "(hệ thống)",
            action=action,
            subject_type=subject[0],
            subject_id=subject[1],
            summary=f"{action} lúc phút {minutes}",
            before=before,
            after=after,
        )
        db.session.add(entry)
        db.session.commit()
        return entry.id


def summaries(html: str) -> list[str]:
    """The summary column of the list, top to bottom."""
    rows = re.findall(r"<tr>\s*<td class=\"nowrap\">.*?</tr>", html, re.S)
    return [re.findall(r"<td>(.*?)</td>", row, re.S)[-1] for row in rows]


def test_newest_first(app, admin_client):
    add_entry(app, "page.publish", minutes=5)
    add_entry(app, "user.create", minutes=30)
    add_entry(app, "page.layout", minutes=10)

    html = admin_client.get("/admin/audit").get_data(as_text=True)

    assert summaries(html) == [
        "user.create lúc phút 30",
        "page.layout lúc phút 10",
        "page.publish lúc phút 5",
    ]
    # Times read in Vietnam's time zone (UTC+7), dd/mm/yyyy.
    assert "08:30 01/05/2024" in html


def test_pages_of_fifty_keep_the_filters(app, admin_client):
    for minute in range(120):
        add_entry(app, "page.block.move", minutes=minute)
    add_entry(app, "user.create", minutes=500)

    first = admin_client.get("/admin/audit?action=page").get_data(as_text=True)
    third = admin_client.get("/admin/audit?action=page&page=3").get_data(as_text=True)
    beyond = admin_client.get("/admin/audit?action=page&page=99").get_data(as_text=True)

    assert len(summaries(first)) == 50
    assert summaries(first)[0] == "page.block.move lúc phút 119"
    assert '<a href="/admin/audit?action=page&amp;page=2" rel="next">' in first
    assert "120 mục khớp bộ lọc · trang 1/3" in text_of(first)
    assert summaries(third) == [f"page.block.move lúc phút {m}" for m in range(19, -1, -1)]
    assert '<a href="/admin/audit?action=page&amp;page=2" rel="prev">' in third
    assert 'rel="next"' not in third
    assert summaries(beyond) == summaries(third)


def test_filter_by_user(app, admin_client, admin_id):
    other = make_user(app, "bientap@example.org", "editor")
    add_entry(app, "page.publish", minutes=1, user_id=admin_id)
    add_entry(app, "page.publish", minutes=2, user_id=other)
    add_entry(app, "auth.login", minutes=3)

    mine = admin_client.get(f"/admin/audit?user={admin_id}").get_data(as_text=True)
    nobody = admin_client.get("/admin/audit?user=0").get_data(as_text=True)

    assert summaries(mine) == ["page.publish lúc phút 1"]
    assert summaries(nobody) == ["auth.login lúc phút 3"]
    assert f'<option value="{admin_id}" selected>' in mine


def test_filter_by_action_prefix(app, admin_client):
    add_entry(app, "page.block.add", minutes=1)
    add_entry(app, "page.block.move", minutes=2)
    add_entry(app, "page.publish", minutes=3)
    add_entry(app, "pagexblock", minutes=4)

    blocks = admin_client.get("/admin/audit?action=page.block").get_data(as_text=True)
    pages = admin_client.get("/admin/audit?action=page").get_data(as_text=True)
    # "_" and "%" are plain characters, not wildcards.
    wildcard = admin_client.get("/admin/audit?action=page_").get_data(as_text=True)

    assert summaries(blocks) == ["page.block.move lúc phút 2", "page.block.add lúc phút 1"]
    assert len(summaries(pages)) == 4
    assert summaries(wildcard) == []
    assert "Không có mục nào khớp bộ lọc." in text_of(wildcard)


def test_filter_by_subject(app, admin_client):
    add_entry(app, "page.publish", minutes=1, subject=("page", 3))
    add_entry(app, "page.publish", minutes=2, subject=("page", 4))
    add_entry(app, "user.create", minutes=3, subject=("user", 3))

    page_three = admin_client.get("/admin/audit?subject=page:3").get_data(as_text=True)
    any_page = admin_client.get("/admin/audit?subject=page").get_data(as_text=True)

    assert summaries(page_three) == ["page.publish lúc phút 1"]
    assert summaries(any_page) == ["page.publish lúc phút 2", "page.publish lúc phút 1"]


def test_detail_shows_before_and_after_as_readable_changes(app, admin_client, admin_id):
    entry_id = add_entry(
        app,
        "user.update",
        minutes=1,
        user_id=admin_id,
        subject=("user", 7),
        before={"name": "Biên", "role": "editor", "active": True},
        after={"name": "Biên", "role": "author", "active": False, "note": None},
    )

    html = admin_client.get(f"/admin/audit/{entry_id}").get_data(as_text=True)
    rows = {
        re.sub(r"\s+", " ", text_of(row))
        for row in re.findall(r"<tr class=\"[^\"]*\">.*?</tr>", html, re.S)
    }

    assert "Họ và tên name Biên Biên" in rows
    assert "Vai trò role đã đổi editor author" in rows
    assert "Đang hoạt động active đã đổi có không" in rows
    assert "note đã đổi (không có) —" in rows
    text = text_of(html)
    assert "Người thực hiện Quản Trị Một <quantri@example.org>" in text
    assert f'href="/admin/audit?user={admin_id}"' in html
    assert 'href="/admin/audit?subject=user:7"' in html


def test_detail_shows_nested_values_as_indented_text(app, admin_client):
    entry_id = add_entry(
        app,
        "page.delete",
        minutes=1,
        before={
            "document": {"layout": "one_column", "placements": [{"block_name": "site_header"}]}
        },
    )

    html = admin_client.get(f"/admin/audit/{entry_id}").get_data(as_text=True)

    assert "<pre>{\n  &#34;layout&#34;: &#34;one_column&#34;," in html
    assert '<th scope="col">Sau</th>' not in html


def test_detail_without_before_and_after(app, admin_client):
    entry_id = add_entry(app, "auth.login", minutes=1)
    html = admin_client.get(f"/admin/audit/{entry_id}").get_data(as_text=True)
    assert "Thao tác này không ghi lại giá trị trước và sau." in html
    assert admin_client.get("/admin/audit/999999").status_code == 404


def test_detail_goes_back_to_the_filtered_list_only(app, admin_client):
    entry_id = add_entry(app, "auth.login", minutes=1)
    from_list = admin_client.get(
        f"/admin/audit/{entry_id}",
        headers={"Referer": "http://localhost/admin/audit?action=auth&page=2"},
    ).get_data(as_text=True)
    from_elsewhere = admin_client.get(
        f"/admin/audit/{entry_id}", headers={"Referer": "https://evil.example/admin/audit"}
    ).get_data(as_text=True)

    assert '<a href="http://localhost/admin/audit?action=auth&amp;page=2">' in from_list
    assert '<a href="/admin/audit">Nhật ký thay đổi</a>' in from_elsewhere


def test_real_actions_reach_the_log(app, admin_client, admin_id):
    """A user change made through the admin shows up at the top of the log."""
    token = csrf_of(admin_client.get("/admin/users/new").get_data(as_text=True))
    admin_client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "name": "Tác Giả",
            "email": "tacgia@example.org",
            "role": "author",
            "password": "mot-mat-khau-dai",
        },
    )

    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert summaries(html)[0] == "Tạo tài khoản tacgia@example.org (Tác giả)"
    assert "Quản Trị Một &lt;quantri@example.org&gt;" in html


def test_detail_puts_sentences_one_per_line(app, admin_client):
    entry_id = add_entry(
        app,
        "page.publish",
        minutes=1,
        after={"changes": ["thêm site_header ở header", "gỡ probe ở main"], "blocked": ["a", "b"]},
    )
    html = admin_client.get(f"/admin/audit/{entry_id}").get_data(as_text=True)
    assert '<span class="value">thêm site_header ở header\ngỡ probe ở main</span>' in html
    assert '<span class="value">a, b</span>' in html
