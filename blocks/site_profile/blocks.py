"""The reader blocks: contact details, the organisation, links to other websites.

Each draws from the cached snapshot (:mod:`.snapshot`), so it costs no query
when the cache holds it, and is cached itself until its data set is bumped.
"""

from __future__ import annotations

import re

from wtforms import BooleanField, Form, SelectField, StringField
from wtforms.validators import Length

from portal import Block, BlockContext, CachePolicy, media_url, strip_text

from . import links as link_data
from . import profile as data


def tel_href(phone: str) -> str:
    """``tel:`` link of a phone number as typed (``0209 3870 123`` → ``tel:02093870123``)."""
    return "tel:" + re.sub(r"[^0-9+]", "", phone) if phone else ""


def image_src(name: str) -> str:
    """A media library file or an absolute address, as an ``<img src>``."""
    return media_url(name) if name else ""


def _title(default: str) -> StringField:
    return StringField(
        "Tiêu đề",
        default=default,
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
    )


class ProfileBlock(Block):
    """A block drawn from the profile snapshot, cached until the profile changes."""

    group = "Thông tin cơ quan"
    css = ("site_profile.css",)
    cache = CachePolicy(timeout=3600, vary_on={"locale", "data_version"}, data_sets={data.DATA_SET})

    def data_version(self, ctx: BlockContext, settings: dict) -> str:
        return data.SNAPSHOT.version()

    def profile_context(self, settings: dict, **parts: str) -> dict:
        """The profile, the leaders (unless switched off) and the named ``parts`` of the snapshot."""
        snapshot = data.public_profile()
        return {
            "profile": snapshot["profile"],
            "leaders": snapshot["leaders"] if settings["show_leaders"] else [],
            **{name: snapshot[key] for name, key in parts.items()},
            "tel_href": tel_href,
            "image_src": image_src,
        }


class ContactSettings(Form):
    title = _title("Liên hệ")
    show_leaders = BooleanField("Hiện lãnh đạo (điện thoại, thư điện tử)", default=True)


class ContactInfo(ProfileBlock):
    name = "site_profile_contact"
    label = "Liên hệ"
    description = "Địa chỉ, điện thoại, thư điện tử, giờ làm việc của cơ quan và lãnh đạo (từ “Thông tin cơ quan”)."
    settings_form = ContactSettings
    template = "site_profile_contact/contact.html"

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return self.profile_context(settings)


class OrganisationSettings(Form):
    title = _title("Cơ cấu tổ chức")
    show_leaders = BooleanField("Hiện lãnh đạo", default=True)


class Organisation(ProfileBlock):
    name = "site_profile_organisation"
    label = "Cơ cấu tổ chức"
    description = "Sơ đồ tổ chức (ảnh có mô tả bằng lời, hoặc cây đơn vị) và lãnh đạo."
    settings_form = OrganisationSettings
    template = "site_profile_organisation/organisation.html"

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return self.profile_context(settings, units="units")


class LinksSettings(Form):
    title = _title("Liên kết website")
    display = SelectField(
        "Cách hiện",
        choices={"list": "Danh sách", "select": "Ô chọn (chọn một website rồi bấm “Đi tới”)"},
        default="list",
    )
    group = StringField(
        "Chỉ hiện nhóm",
        description="Để trống để hiện mọi nhóm.",
        default="",
        filters=[strip_text],
        validators=[Length(max=100, message="Tên nhóm không được dài quá %(max)d ký tự.")],
    )
    new_tab = BooleanField("Mở trong thẻ mới (có ghi chú cho người đọc)", default=True)


class WebsiteLinks(Block):
    name = "website_links"
    label = "Liên kết website"
    description = "Các website cơ quan nhà nước khác, dạng danh sách hoặc ô chọn (chạy cả khi tắt JavaScript)."
    group = "Thông tin cơ quan"
    settings_form = LinksSettings
    template = "website_links/links.html"
    css = ("site_profile.css",)
    js = ("website_links.js",)
    cache = CachePolicy(
        timeout=3600, vary_on={"locale", "data_version"}, data_sets={link_data.DATA_SET}
    )

    def data_version(self, ctx: BlockContext, settings: dict) -> str:
        return link_data.SNAPSHOT.version()

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        links = link_data.public_links()
        if settings.get("group"):
            links = [link for link in links if link["group_name"] == settings["group"]]
        return {"groups": link_data.groups(links), "links": links, "image_src": image_src}


BLOCKS = [ContactInfo, Organisation, WebsiteLinks]
