"""Rich text: a free piece of editor HTML (a notice, an introduction, contact hours)."""

from __future__ import annotations

import re
from functools import lru_cache

from wtforms import Form, StringField
from wtforms.validators import Length

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    RichTextField,
    hookimpl,
    plain_text,
    sanitize_html,
    strip_text,
)

MAX_HTML_LENGTH = 50_000
#: Cleaned texts kept per process (each at most MAX_HTML_LENGTH characters).
KEPT_CLEAN = 64


#: Words of the text shown on the block's card in the page editor.
SUMMARY_WORDS = 12
_BREAKS = re.compile(r"</(?:p|h[1-6]|li|div|td|th|blockquote|figcaption|pre)>|<br\s*/?>", re.I)


class RichTextSettings(Form):
    title = StringField(
        "Tiêu đề (không bắt buộc)",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="",
    )
    # The rich editor of articles in the admin; cleaned with their allow-list on save.
    html = RichTextField(
        "Nội dung",
        description=(
            "Được lọc khi lưu: chỉ giữ đoạn văn, tiêu đề, danh sách, bảng, liên kết và ảnh; "
            "mã script, thuộc tính sự kiện và kiểu dáng bị loại bỏ."
        ),
        validators=[
            Length(max=MAX_HTML_LENGTH, message="Nội dung không được dài quá %(max)d ký tự.")
        ],
        default="",
    )


class RichText(Block):
    name = "rich_text"
    label = "Văn bản tự do"
    description = "Một đoạn nội dung định dạng do biên tập viên soạn, có tiêu đề tuỳ chọn."
    group = "Nội dung"
    settings_form = RichTextSettings
    template = "rich_text/rich_text.html"
    css = ("rich_text.css",)
    # Everything shown is in the settings, which are part of the cache key.
    cache = CachePolicy(timeout=3600, vary_on={"locale"})

    def summarize_settings(self, settings: dict) -> str:
        """``Thông tin liên hệ · Đường dây nóng: 0209 3 000 000 Thư điện tử…``: the title, then
        the first words of the text, without its tags."""
        # Block ends and line breaks part words, as on the page ("0209</p><p>Thư" is two words).
        spaced = _BREAKS.sub(lambda match: match.group(0) + " ", settings.get("html") or "")
        words = plain_text(spaced).split()
        text = " ".join(words[:SUMMARY_WORDS]) + ("…" if len(words) > SUMMARY_WORDS else "")
        parts = [settings["title"]] if settings.get("title") else []
        parts.append(text or "(chưa có nội dung)")
        return " · ".join(parts)

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        # Saved settings are clean already (the form's filter); cleaning again covers
        # settings that reached the database without the form (imports, old rows).
        return {"html": cleaned(settings.get("html") or "")}


@lru_cache(maxsize=KEPT_CLEAN)
def cleaned(html: str) -> str:
    """``sanitize_html(html)``, remembered: the same settings are drawn on every page."""
    return sanitize_html(html)


@hookimpl
def portal_register_blocks():
    return [RichText]
