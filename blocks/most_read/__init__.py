"""Most read ("Đọc nhiều"): the public articles read most over the last N days.

Counted from the daily rows the view counter writes (``article_daily_views``),
so "the last 7 days" is a real window, not an all-time total. Every placement
on a page is loaded in :meth:`MostRead.prefetch`: one query per distinct
window, whatever the number of blocks.
"""

from __future__ import annotations

from typing import Any

from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    Later,
    fetch_most_read,
    hookimpl,
    most_read_later,
    strip_text,
)

MAX_DAYS = 90
MAX_COUNT = 20
DEFAULTS = {"days": 7, "count": 5}


class MostReadSettings(Form):
    title = StringField(
        "Tiêu đề khối",
        description="Để trống nếu không cần tiêu đề.",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="Đọc nhiều",
    )
    days = IntegerField(
        "Tính lượt xem trong bao nhiêu ngày gần nhất",
        default=DEFAULTS["days"],
        invalid_value_message="Số ngày phải là một số nguyên.",
        validators=[
            InputRequired(message="Hãy nhập số ngày."),
            NumberRange(min=1, max=MAX_DAYS, message="Số ngày phải từ %(min)s đến %(max)s."),
        ],
    )
    count = IntegerField(
        "Số bài hiển thị",
        default=DEFAULTS["count"],
        invalid_value_message="Số bài phải là một số nguyên.",
        validators=[
            InputRequired(message="Hãy nhập số bài hiển thị."),
            NumberRange(min=1, max=MAX_COUNT, message="Số bài phải từ %(min)s đến %(max)s."),
        ],
    )


def _bounded(settings: dict[str, Any], name: str, top: int) -> int:
    try:
        return min(max(int(settings.get(name) or DEFAULTS[name]), 1), top)
    except (TypeError, ValueError):
        return DEFAULTS[name]


class MostRead(Block):
    name = "most_read"
    label = "Đọc nhiều"
    description = "Các bài được đọc nhiều nhất trong vài ngày gần đây (mặc định 7 ngày)."
    group = "Bài viết"
    settings_form = MostReadSettings
    template = "most_read/most_read.html"
    css = ("most_read.css",)
    # Views reach the daily rows in batches: a few minutes' delay costs nothing here.
    # Publishing, unpublishing and edits purge it through "articles".
    cache = CachePolicy(timeout=240, vary_on={"locale"}, tags={"articles"})

    def summarize_settings(self, settings: dict[str, Any]) -> str:
        """``Đọc nhiều · 5 bài · 7 ngày gần nhất``."""
        parts = [settings["title"]] if settings.get("title") else []
        parts.append(f"{_bounded(settings, 'count', MAX_COUNT)} bài")
        parts.append(f"{_bounded(settings, 'days', MAX_DAYS)} ngày gần nhất")
        return " · ".join(parts)

    @classmethod
    def prefetch(cls, ctx: BlockContext, settings_list: list[dict[str, Any]]) -> Any:
        """The longest list wanted for each window, read when first drawn: every window and
        the page's other listings waiting then (related articles) in one statement."""
        defaults = cls.default_settings()
        longest: dict[int, int] = {}
        for settings in settings_list:
            merged = {**defaults, **settings}
            days = _bounded(merged, "days", MAX_DAYS)
            longest[days] = max(longest.get(days, 0), _bounded(merged, "count", MAX_COUNT))
        return {days: most_read_later(days, count, links=True) for days, count in longest.items()}

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        days = _bounded(settings, "days", MAX_DAYS)
        count = _bounded(settings, "count", MAX_COUNT)
        prefetched = ctx.prefetched if isinstance(ctx.prefetched, dict) else {}
        later = prefetched.get(days)
        items = later.value if isinstance(later, Later) else None
        if items is None:  # rendered without prefetch (e.g. called directly)
            items = fetch_most_read(days, count)
        return {"items": items[:count], "heading_id": f"doc-nhieu-{ctx.placement_id or 0}"}


@hookimpl
def portal_register_blocks():
    return [MostRead]
