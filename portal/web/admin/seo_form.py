"""The "Search engines and sharing" fields of the article form and the page properties form.

The fields are declared once here (:class:`SeoFields`, mixed into both forms) and
drawn by ``templates/admin/_seo_fields.html``; the rules are the content layer's
(:mod:`portal.content.seo`), asked again when the form is checked so an editor
sees a wrong value beside its field before anything is saved.
"""

from __future__ import annotations

from flask import current_app, request, url_for
from sqlalchemy import select
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, ValidationError

from portal.content import seo
from portal.extensions import db
from portal.models import MediaImage
from portal.models.seo import CANONICAL_URL_LENGTH, META_DESCRIPTION_LENGTH
from portal.text import strip_text

#: Library images offered in the share-image list (newest first), besides the chosen one.
SOCIAL_IMAGE_CHOICES = 24
#: The query parameter the media library's picker sends the chosen image back in.
SOCIAL_IMAGE_FIELD = "social_image_id"


class SeoFields:
    """Meta description, share image, canonical URL and noindex (mixed into a FlaskForm)."""

    meta_description = TextAreaField(
        "Mô tả cho máy tìm kiếm",
        filters=[strip_text],
        description="Hiện dưới tiêu đề trong kết quả tìm kiếm và khi chia sẻ (nên dưới 160 ký "
        "tự). Để trống: dùng sapo hoặc mô tả chung của trang web.",
        validators=[
            Length(max=META_DESCRIPTION_LENGTH, message=f"Tối đa {META_DESCRIPTION_LENGTH} ký tự.")
        ],
        render_kw={"rows": 3, "maxlength": META_DESCRIPTION_LENGTH},
    )
    social_image_id = SelectField(
        "Ảnh chia sẻ mạng xã hội",
        coerce=int,
        description="Ảnh hiện khi trang được chia sẻ lên Facebook, Zalo… (og:image). "
        "Để mặc định: dùng ảnh chính của bài.",
        invalid_value_message="Hãy chọn ảnh trong danh sách.",
        invalid_choice_message="Ảnh đã chọn không còn trong thư viện; hãy chọn ảnh khác.",
        default=0,
    )
    canonical_url = StringField(
        "Địa chỉ chuẩn (canonical)",
        filters=[strip_text],
        description="Chỉ khi nội dung này là bản sao của một trang khác: địa chỉ đầy đủ "
        "(https://…) hoặc đường dẫn trong trang (/…). Để trống: chính địa chỉ của trang.",
        validators=[
            Length(max=CANONICAL_URL_LENGTH, message=f"Tối đa {CANONICAL_URL_LENGTH} ký tự.")
        ],
    )
    noindex = BooleanField(
        "Không cho máy tìm kiếm lập chỉ mục (noindex)",
        description="Trang vẫn xem được nhưng máy tìm kiếm được yêu cầu bỏ qua, và trang không "
        "có trong sơ đồ trang (sitemap).",
    )

    def init_seo(self, item=None) -> None:
        """Fill the share-image choices; on GET, the fields from ``item`` (an article or page)."""
        if self.social_image_id.data is None:  # none named (a form posted without it)
            self.social_image_id.data = 0
            self.social_image_id.process_errors = []
        chosen = self.social_image_id.data
        if request.method == "GET":
            if item is not None:
                self.meta_description.data = item.meta_description
                self.canonical_url.data = item.canonical_url
                self.noindex.data = item.noindex
                chosen = item.social_image_id or 0
            back = request.args.get(SOCIAL_IMAGE_FIELD, "")  # back from the media library
            if back.isdigit():
                chosen = int(back)
            self.social_image_id.data = chosen or 0
        images = list(
            db.session.scalars(
                select(MediaImage).order_by(MediaImage.id.desc()).limit(SOCIAL_IMAGE_CHOICES)
            )
        )
        if chosen and all(image.id != chosen for image in images):
            picked = db.session.get(MediaImage, chosen)
            if picked is not None:
                images.insert(0, picked)
        self.social_image_id.choices = [(0, "— Mặc định (ảnh chính của bài) —")] + [
            (image.id, f"{image.alt or image.original_name or 'Ảnh'} (#{image.id})")
            for image in images
        ]

    def validate_canonical_url(self, field) -> None:
        problem = seo.canonical_problem(field.data or "")
        if problem is not None:
            raise ValidationError(problem)

    def seo_values(self) -> dict:
        """The fields as the content layer takes them."""
        return {
            "meta_description": self.meta_description.data or "",
            "social_image_id": self.social_image_id.data or None,
            "canonical_url": self.canonical_url.data or "",
            "noindex": bool(self.noindex.data),
        }


def social_picker_url(back: str) -> str | None:
    """The media library in picker mode, coming back to ``back`` with ``?social_image_id=``."""
    if "admin.media_list" not in current_app.view_functions:
        return None
    return url_for("admin.media_list", pick=back, field=SOCIAL_IMAGE_FIELD)
