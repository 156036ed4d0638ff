"""Visitor statistics ("Thống kê truy cập"): visitors online now, today and in total.

Visits are counted by a request hook (:mod:`.visits`) into a buffer (Redis
when the portal's cache is Redis, else the process) and written to this
plugin's own tables in batches (:mod:`.counter`); the block reads the figures
in one query and is cached for a minute. The visitor's identity is a hash of
IP address and User-Agent salted per day, never stored as such. See
docs/statistics.md.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask import current_app
from wtforms import Form, StringField
from wtforms.validators import Length

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    ComplianceCheck,
    Page,
    PluginSetting,
    db,
    hookimpl,
    plugin_in_use,
    strip_text,
    translate,
)

from .figures import format_number, read_figures
from .visits import PLUGIN, counter_for, note_kept_page, note_visit

#: The folder of this plugin's migrations; `portal init-db` applies them.
PORTAL_MIGRATIONS = "migrations"

PLUGIN_SETTINGS = [
    PluginSetting(
        "flush_seconds",
        "int",
        default=60,
        help="Seconds between two writes of the buffered visits to the database",
    ),
    PluginSetting(
        "flush_visitors",
        "int",
        default=500,
        help="Write the buffered visits as soon as this many visitors wait",
    ),
    PluginSetting(
        "push_seconds",
        "int",
        default=1,
        help="With Redis: seconds between two sends of a worker's visits to the shared buffer",
    ),
]


class StatisticsSettings(Form):
    title = StringField(
        "Tiêu đề khối",
        description="Để trống nếu không cần tiêu đề.",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="Thống kê truy cập",
    )


class VisitorStatistics(Block):
    name = "visitor_statistics"
    label = "Thống kê truy cập"
    description = "Số người đang truy cập, số lượt truy cập hôm nay và tổng số lượt truy cập."
    group = "Tiện ích"
    settings_form = StatisticsSettings
    template = "visitor_statistics/visitor_statistics.html"
    css = ("statistics.css",)
    # The figures move every minute at most (the flush interval): a minute's cache is exact
    # enough and costs the page no query most of the time.
    cache = CachePolicy(timeout=60, vary_on={"locale"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        figures = read_figures()
        return {
            "heading_id": f"thong-ke-{ctx.placement_id or 0}",
            "online": format_number(figures.online, ctx.locale),
            "today": format_number(figures.today, ctx.locale),
            "total": format_number(figures.total, ctx.locale),
        }


def placed_on_pages() -> int:
    """How many pages carry a visible statistics block."""
    placement = Page.placements.property.mapper.class_
    query = (
        sa.select(sa.func.count(sa.distinct(placement.page_id)))
        .where(placement.block_name == VisitorStatistics.name)
        .where(placement.hidden.is_(False))
    )
    return int(db.session.scalar(query) or 0)


@click.group("statistics", help="Thống kê truy cập.")
def statistics_cli() -> None:
    pass


@statistics_cli.command("flush", help="Ghi ngay các lượt truy cập đang chờ vào cơ sở dữ liệu.")
def flush_command() -> None:
    written = counter_for(current_app._get_current_object()).flush()
    click.echo(translate("Đã ghi {count} lượt ghé thăm đang chờ.").format(count=written))


@hookimpl
def portal_register_blocks():
    return [VisitorStatistics]


@hookimpl
def portal_setup_app(app):
    app.after_request(note_visit)
    app.cli.add_command(statistics_cli)


@hookimpl
def portal_kept_page_served(environ, content_type):
    note_kept_page(environ, content_type)


@hookimpl
def portal_compliance_checks():
    pages = placed_on_pages()
    counting = plugin_in_use(PLUGIN)
    if pages and counting:
        figures = read_figures()
        detail = (
            f"Khối “Thống kê truy cập” có trên {pages} trang; hôm nay "
            f"{format_number(figures.today, 'vi')} lượt, tổng {format_number(figures.total, 'vi')}."
        )
    else:
        detail = "Chưa đặt khối “Thống kê truy cập” lên trang nào."
    return [
        ComplianceCheck(
            key="statistics",
            label="Thống kê số lượt truy cập",
            reference="Nghị định 42/2022/NĐ-CP; Thông tư 32/2017/TT-BTTTT",
            met=bool(pages and counting),
            detail=detail,
            fix_url="/admin/pages",
            order=90,
        )
    ]


@hookimpl
def portal_load_demo(actor):
    from .demo import load_demo  # the demo's data: only when the demo is loaded

    return load_demo(actor)
