"""Site footer: the organisation responsible for the portal and how to reach it."""

from __future__ import annotations

import re

from wtforms import Form, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from portal import Block, BlockContext, CachePolicy, hookimpl, site_now, strip_text

PHONE_PATTERN = r"^[0-9+().\s/-]+$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _too_long(what: str) -> str:
    return f"{what} không được dài quá %(max)d ký tự."


class SiteFooterSettings(Form):
    organisation = StringField(
        "Cơ quan chủ quản",
        filters=[strip_text],
        validators=[Length(max=300, message=_too_long("Tên cơ quan"))],
        default="Ủy ban nhân dân tỉnh Bắc Kạn",
    )
    address = StringField(
        "Địa chỉ",
        filters=[strip_text],
        validators=[Length(max=300, message=_too_long("Địa chỉ"))],
        default="",
    )
    phone = StringField(
        "Điện thoại",
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=50, message=_too_long("Số điện thoại")),
            Regexp(
                PHONE_PATTERN,
                message="Số điện thoại chỉ gồm chữ số, khoảng trắng và các dấu + ( ) . - /",
            ),
        ],
        default="",
    )
    email = StringField(
        "Thư điện tử",
        filters=[strip_text],
        validators=[
            Optional(),
            Length(max=200, message=_too_long("Địa chỉ thư")),
            Regexp(
                EMAIL_PATTERN,
                message="Địa chỉ thư điện tử không hợp lệ (ví dụ: banbientap@backan.gov.vn).",
            ),
        ],
        default="",
    )
    note = TextAreaField(
        "Ghi chú",
        description="Văn bản thường; xuống dòng được giữ nguyên (ví dụ: giấy phép, người chịu trách nhiệm).",
        validators=[Length(max=2000, message=_too_long("Ghi chú"))],
        default="",
    )
    copyright = StringField(
        "Dòng bản quyền",
        description="Để trống để dùng “© <năm> <tên cổng thông tin>”.",
        filters=[strip_text],
        validators=[Length(max=300, message=_too_long("Dòng bản quyền"))],
        default="",
    )


class SiteFooter(Block):
    name = "site_footer"
    label = "Chân trang"
    description = "Cơ quan chủ quản, địa chỉ, điện thoại, thư điện tử, ghi chú và bản quyền."
    group = "Khung trang"
    settings_form = SiteFooterSettings
    template = "site_footer/footer.html"
    css = ("site_footer.css",)
    # Everything shown is in the settings (part of the key) except the year.
    cache = CachePolicy(timeout=3600, vary_on={"locale"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        config = ctx.app.config
        year = site_now().year
        phone = settings.get("phone") or ""
        return {
            "phone_href": "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else "",
            "copyright_line": settings.get("copyright") or f"© {year} {config['PORTAL_SITE_NAME']}",
        }


@hookimpl
def portal_register_blocks():
    return [SiteFooter]
