"""The "Nhúng từ nguồn ngoài" block: a video or map frame, or an outside script tag.

Allow-listing an origin in the ``csp`` plugin's settings lets the browser load
it; this block is how an admin actually places such an embed on a page (rich
text keeps stripping ``<iframe>`` and ``<script>`` from what editors type).
The address must be ``https://`` and covered by the policy sent now: the
settings form refuses any other, and a placement whose origin was taken off
the list later draws nothing for readers (editors see why), so the page never
holds what the browser would block.
"""

from __future__ import annotations

from wtforms import Form, IntegerField, SelectField, StringField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange

from portal import NO_CACHE, Block, BlockContext, csp_allows, strip_text

#: What the block embeds, and the policy directive that must allow its origin.
KINDS = {"frame": "frame-src", "script": "script-src"}
SETTINGS_PATH = "Quản trị → Plugin → csp → Cấu hình"


class EmbedSettings(Form):
    kind = SelectField(
        "Loại",
        choices={
            "frame": "Khung nhúng (video, bản đồ…)",
            "script": "Mã JavaScript (mã tín nhiệm mạng, mã thống kê…)",
        },
        default="frame",
    )
    url = StringField(
        "Địa chỉ",
        description="Địa chỉ https:// của khung hoặc tệp mã; nguồn của nó phải có trong danh "
        f"sách cho phép ({SETTINGS_PATH}). Để trống: khối không hiện gì.",
        filters=[strip_text],
        validators=[Length(max=500, message="Địa chỉ không được dài quá %(max)d ký tự.")],
        default="",
    )
    title = StringField(
        "Mô tả khung (cho trình đọc màn hình)",
        description="Bắt buộc với khung nhúng, ví dụ: “Video: Hồ Ba Bể mùa thu”.",
        filters=[strip_text],
        validators=[Length(max=200, message="Mô tả không được dài quá %(max)d ký tự.")],
        default="",
    )
    height = IntegerField(
        "Chiều cao khung (điểm ảnh)",
        default=360,
        validators=[
            InputRequired("Hãy nhập chiều cao (một số)."),
            NumberRange(min=120, max=1200, message="Chiều cao từ %(min)s đến %(max)s."),
        ],
    )

    def validate_url(self, field) -> None:
        directive = KINDS.get(self.kind.data, "frame-src")
        if not field.data:  # nothing embedded yet: the block draws nothing
            return
        if not field.data.startswith("https://"):
            raise ValidationError("Địa chỉ phải bắt đầu bằng https://.")
        if not csp_allows(directive, field.data):
            raise ValidationError(
                f"Nguồn của địa chỉ này chưa có trong danh sách cho phép ({directive}): "
                f"hãy thêm nó ở {SETTINGS_PATH} trước."
            )

    def validate_title(self, field) -> None:
        if self.kind.data == "frame" and self.url.data and not field.data:
            raise ValidationError(
                "Khung nhúng cần một dòng mô tả cho người dùng trình đọc màn hình."
            )


class ExternalEmbed(Block):
    name = "external_embed"
    label = "Nhúng từ nguồn ngoài"
    description = (
        "Một khung nhúng (video, bản đồ) hoặc một mã JavaScript từ nguồn đã được phép trong "
        "chính sách bảo mật nội dung (plugin csp)."
    )
    group = "Nội dung"
    settings_form = EmbedSettings
    template = "external_embed/embed.html"
    css = ("external_embed.css",)
    # Drawn from its settings and the policy now (no query): cheaper than a cache entry,
    # and an origin taken off the list stops being drawn at once.
    cache = NO_CACHE

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        kind = settings.get("kind") if settings.get("kind") in KINDS else "frame"
        url = settings.get("url") or ""
        allowed = bool(url) and csp_allows(KINDS[kind], url)
        return {
            "kind": kind,
            "url": url if allowed else "",
            # Editors see why nothing is drawn; readers see nothing.
            "refused": url if url and not allowed and ctx.is_editor else "",
            "directive": KINDS[kind],
            "settings_path": SETTINGS_PATH,
            "title": settings.get("title") or "",
            "height": settings.get("height") or 360,
        }
