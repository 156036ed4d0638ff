"""Site header: the portal's banner with its name, tagline and today's date."""

from __future__ import annotations

from datetime import datetime

from wtforms import BooleanField, Form, StringField
from wtforms.validators import Length

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    format_long_date,
    hookimpl,
    site_now,
    strip_text,
    translate,
)

#: Vietnamese weekday names, Monday first (``datetime.weekday()`` order).
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")


def vietnamese_date(value: datetime, locale: str = "vi") -> str:
    """``Thứ Sáu, 27/11/2026``: the weekday in words, then dd/mm/yyyy (Vietnamese);
    ``Friday, 27 November 2026`` in English, as Babel writes dates in that language.

    ``value`` must already be in the site's time zone.
    """
    if locale != "vi":
        return format_long_date(value, locale)
    return f"{translate(WEEKDAYS[value.weekday()], locale)}, {value:%d/%m/%Y}"


class SiteHeaderSettings(Form):
    title = StringField(
        "Tên cổng thông tin",
        description="Để trống để dùng tên trong cấu hình (PORTAL_SITE_NAME).",
        filters=[strip_text],
        validators=[Length(max=200, message="Tên không được dài quá %(max)d ký tự.")],
        default="",
    )
    tagline = StringField(
        "Khẩu hiệu",
        description="Dòng chữ nhỏ dưới tên; để trống để dùng PORTAL_SITE_TAGLINE.",
        filters=[strip_text],
        validators=[Length(max=300, message="Khẩu hiệu không được dài quá %(max)d ký tự.")],
        default="",
    )
    show_today = BooleanField("Hiện ngày hôm nay", default=True)


class SiteHeader(Block):
    name = "site_header"
    label = "Đầu trang"
    description = (
        "Biểu trưng, tên cổng thông tin (liên kết về trang chủ), khẩu hiệu và ngày hôm nay."
    )
    group = "Khung trang"
    settings_form = SiteHeaderSettings
    template = "site_header/header.html"
    css = ("site_header.css",)
    # The date changes at midnight: keep the cached banner for two minutes only.
    cache = CachePolicy(timeout=120, vary_on={"locale"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        config = ctx.app.config
        now = site_now()
        return {
            "site_title": settings.get("title") or config["PORTAL_SITE_NAME"],
            "tagline": settings.get("tagline") or config["PORTAL_SITE_TAGLINE"],
            "today": now.date(),
            "today_text": vietnamese_date(now, ctx.locale),
        }


@hookimpl
def portal_register_blocks():
    return [SiteHeader]
