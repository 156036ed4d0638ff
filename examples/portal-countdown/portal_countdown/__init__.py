"""Countdown: how many days are left until an event (a block for blockportal)."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, Form, StringField
from wtforms.validators import InputRequired, Length

from portal import Block, BlockContext, CachePolicy, hookimpl, site_now, translate


class CountdownSettings(Form):
    event = StringField(
        "Sự kiện",
        default="Đại hội Đảng bộ tỉnh",
        validators=[
            InputRequired("Hãy nhập tên sự kiện."),
            Length(max=200, message="Tối đa %(max)d ký tự."),
        ],
    )
    day = DateField(
        "Ngày diễn ra",
        default=date(2030, 10, 1),
        validators=[InputRequired("Hãy chọn ngày (dd/mm/yyyy hoặc yyyy-mm-dd).")],
    )
    after = StringField(
        "Thông báo khi đã qua ngày",
        default="Sự kiện đã diễn ra.",
        validators=[Length(max=300, message="Tối đa %(max)d ký tự.")],
    )


def days_until(day: date, today: date) -> int:
    """Whole days from ``today`` to ``day`` (negative once it has passed)."""
    return (day - today).days


class Countdown(Block):
    name = "countdown"
    label = "Đếm ngược sự kiện"
    description = "Số ngày còn lại đến một sự kiện, ví dụ một đại hội hay một ngày lễ."
    group = "Tiện ích"
    settings_form = CountdownSettings
    template = "countdown/countdown.html"
    css = ("countdown.css",)
    # The number changes at midnight: an hour in the cache is close enough.
    cache = CachePolicy(timeout=3600, vary_on={"locale", "page"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        today = site_now().date()
        day = date.fromisoformat(settings["day"])
        return {
            "event": settings["event"],
            "day": day,
            "days": days_until(day, today),
            "after": settings["after"],
            "days_label": translate("ngày", ctx.locale),
        }


@hookimpl
def portal_register_blocks():
    return [Countdown]
