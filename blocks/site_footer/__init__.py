"""Site footer: the organisation responsible for the portal and how to reach it.

By default it shows what the admin screen "Thông tin cơ quan" holds
(``portal.site_organization()``, answered by the ``site_profile`` plugin): the
managing body, the agency, the licence, the person responsible, the address,
phone, fax and e-mail, as Circular 32/2017/TT-BTTTT wants them. Without a
profile (or with "use_profile" off) it shows the placement's own settings.
"""

from __future__ import annotations

import hashlib
import re

from wtforms import BooleanField, Form, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp

from portal import (
    ORGANIZATION_DATA_SET,
    Block,
    BlockContext,
    CachePolicy,
    hookimpl,
    site_now,
    site_organization,
    strip_text,
)

PHONE_PATTERN = r"^[0-9+().\s/-]+$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def _too_long(what: str) -> str:
    return f"{what} không được dài quá %(max)d ký tự."


class SiteFooterSettings(Form):
    use_profile = BooleanField(
        "Lấy thông tin từ “Thông tin cơ quan”",
        description="Khi đã nhập Thông tin cơ quan, chân trang hiện cơ quan chủ quản, giấy phép, "
        "người chịu trách nhiệm, địa chỉ, điện thoại, thư điện tử từ đó; các ô bên dưới chỉ dùng "
        "khi chưa có.",
        default=True,
    )
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
    # Drawn from the settings (part of the key), the year and the site's organisation.
    # The organisation's version is part of the key: a worker that still holds the old one
    # for a few seconds never overwrites what a fresh one rendered.
    cache = CachePolicy(
        timeout=3600, vary_on={"locale", "data_version"}, data_sets={ORGANIZATION_DATA_SET}
    )

    def data_version(self, ctx: BlockContext, settings: dict) -> str:
        org = site_organization() if settings.get("use_profile", True) else None
        return hashlib.sha1(repr(org).encode()).hexdigest()[:16]

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        config = ctx.app.config
        year = site_now().year
        org = site_organization() if settings.get("use_profile", True) else None
        if org is not None:
            lines = {
                "organisation": org.managing_body,
                "agency": org.name if org.name != org.managing_body else "",
                "address": org.address,
                "phone": org.telephone,
                "fax": org.fax,
                "email": org.email,
                "licence": org.licence,
                "responsible": ", ".join(
                    part for part in (org.responsible_person, org.responsible_title) if part
                ),
            }
        else:
            lines = {
                name: settings.get(name) or ""
                for name in ("organisation", "address", "phone", "email")
            }
            lines.update(agency="", fax="", licence="", responsible="")
        phone = lines["phone"]
        return {
            "lines": lines,
            # The organisation's details are Vietnamese text: said so on an English page.
            "data_lang": "vi" if ctx.locale != "vi" else "",
            "ctx_locale": ctx.locale,
            "phone_href": "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else "",
            "copyright_line": settings.get("copyright") or f"© {year} {config['PORTAL_SITE_NAME']}",
        }


@hookimpl
def portal_register_blocks():
    return [SiteFooter]
