"""Questions from citizens (hỏi đáp): readers ask, editors answer and publish.

A built-in plugin shaped like a third-party one. It owns its tables
(``questions_fields``, ``questions_items``, built by its own migrations), and adds:

* reader pages ``/hoi-dap`` (published questions and answers),
  ``/hoi-dap/<id>`` and the form ``/hoi-dap/gui-cau-hoi`` (CSRF, honeypot,
  signed time token, link limit, rate limit per client and for the site);
* the admin screen "Hỏi đáp" (``/admin/hoi-dap``, editors and admins) and the
  fields vocabulary (``/admin/hoi-dap/linh-vuc``, admins);
* the block "Hỏi đáp mới", the search kind ``question``, a menu entry,
  the compliance check ``questions`` and the demo's sample questions.

The asker's e-mail and phone are for editors only. See docs/questions.md.
"""

from __future__ import annotations

import sqlalchemy as sa

from portal import AdminScreen, ComplianceCheck, MenuItem, PluginSetting, db, hookimpl

from . import admin, reader, search
from .blocks import LatestQuestions
from .models import NEW, PUBLISHED, Question

#: The folder of this plugin's migrations; `portal init-db` applies them.
PORTAL_MIGRATIONS = "migrations"

PLUGIN = "questions"


def _positive(value) -> None:
    if value < 1:
        raise ValueError("Giá trị phải từ 1 trở lên.")


PLUGIN_SETTINGS = [
    PluginSetting(
        "page_title",
        "str",
        default="Hỏi đáp",
        editable=True,
        label="Tiêu đề trang hỏi đáp",
        help="Tiêu đề của trang /hoi-dap.",
    ),
    PluginSetting(
        "answering_unit",
        "str",
        default="Văn phòng Ủy ban nhân dân tỉnh",
        editable=True,
        label="Đơn vị trả lời mặc định",
        help="Điền sẵn vào ô “Đơn vị trả lời” khi biên tập viên mở một câu hỏi chưa trả lời.",
    ),
    PluginSetting(
        "client_limit",
        "int",
        default=3,
        editable=True,
        label="Số câu hỏi tối đa mỗi người gửi",
        help="Trong khoảng thời gian dưới đây, tính theo địa chỉ mạng (đã băm).",
        check=_positive,
    ),
    PluginSetting(
        "client_window_minutes",
        "int",
        default=10,
        editable=True,
        label="Khoảng thời gian tính cho mỗi người (phút)",
        check=_positive,
    ),
    PluginSetting(
        "site_limit",
        "int",
        default=60,
        editable=True,
        label="Số câu hỏi tối đa cả trang nhận",
        help="Giới hạn chung cho mọi người gửi, phòng khi bị gửi hàng loạt.",
        check=_positive,
    ),
    PluginSetting(
        "site_window_minutes",
        "int",
        default=60,
        editable=True,
        label="Khoảng thời gian tính cho cả trang (phút)",
        check=_positive,
    ),
    PluginSetting(
        "min_seconds",
        "int",
        default=3,
        help="A form sent sooner than this after it was shown is refused (robots are fast).",
    ),
    PluginSetting(
        "max_hours",
        "int",
        default=12,
        help="A form sent later than this after it was shown is shown again with a fresh token.",
        check=_positive,
    ),
    PluginSetting(
        "max_links",
        "int",
        default=2,
        help="The most web addresses a question may contain.",
    ),
    PluginSetting(
        "rate_limit_redis_url",
        "str",
        default="",
        help=(
            "Redis URL for the shared rate-limit counters; empty: PORTAL_CACHE_URL when it is "
            "a Redis URL, else the database."
        ),
    ),
]


@hookimpl
def portal_register_blocks():
    return [LatestQuestions]


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(reader.bp)
    app.register_blueprint(admin.bp)


@hookimpl
def portal_menu_items(menu):
    if menu != "main":
        return []
    return [MenuItem(label="Hỏi đáp", url="/hoi-dap", order=40)]


@hookimpl
def portal_admin_screens():
    return [
        AdminScreen(label="Hỏi đáp", endpoint="questions_admin.index", roles=("admin", "editor"))
    ]


@hookimpl
def portal_search_providers():
    return [search.PROVIDER]


@hookimpl
def portal_compliance_checks():
    counts = dict(
        db.session.execute(
            sa.select(Question.status, sa.func.count())
            .where(Question.status.in_((NEW, PUBLISHED)))
            .group_by(Question.status)
        ).all()
    )
    published, waiting = counts.get(PUBLISHED, 0), counts.get(NEW, 0)
    detail = f"{published} câu hỏi đã trả lời công khai; {waiting} câu hỏi mới chờ trả lời"
    if not published:
        detail += " — cần công bố ít nhất một câu trả lời"
    return [
        ComplianceCheck(
            key="questions",
            label="Tiếp nhận và trả lời câu hỏi của người dân (hỏi đáp)",
            reference="Nghị định 42/2022/NĐ-CP (chức năng hỏi đáp, tiếp nhận ý kiến); "
            "Thông tư 32/2017/TT-BTTTT",
            met=published > 0,
            detail=detail,
            fix_url="/admin/hoi-dap/",
            order=60,
        )
    ]


@hookimpl
def portal_load_demo(actor):
    from . import demo  # the demo's data: only when the demo is loaded

    return demo.load_demo(actor)
