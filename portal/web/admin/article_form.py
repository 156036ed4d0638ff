"""The article form: its fields, what they accept, and the main-image choices it offers.

Dates and times are typed as the newsroom writes them (``dd/mm/yyyy``,
24-hour ``HH:MM``) in the site's time zone; the form turns them into an aware
datetime. The main image is chosen among the newest library images (radio
buttons that work without JavaScript), uploaded, or picked in the media
library (see :func:`media_picker_url`).
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.content import articles as workflow
from portal.extensions import db
from portal.models import Article, MediaImage
from portal.site import CategoryTree
from portal.text import is_clean_slug, slugify, strip_text
from portal.web.admin.pages import _category_order
from portal.web.admin.seo_form import SeoFields, social_picker_url

#: Images offered in the main-image choices of the form (newest first).
LIBRARY_CHOICES = 24


class ArticleForm(FlaskForm, SeoFields):
    title = StringField(
        "Tiêu đề",
        filters=[strip_text],
        validators=[
            DataRequired("Hãy nhập tiêu đề."),
            Length(max=500, message="Tối đa 500 ký tự."),
        ],
    )
    slug = StringField(
        "Đường dẫn (slug)",
        filters=[strip_text],
        description="Tạo tự động từ tiêu đề khi để trống. Chỉ chữ thường không dấu, số và dấu gạch ngang.",
        validators=[Optional(), Length(max=200, message="Tối đa 200 ký tự.")],
    )
    lead = TextAreaField(
        "Sapo (đoạn dẫn)",
        filters=[strip_text],
        description="Một hai câu tóm tắt, hiện dưới tiêu đề và trong danh sách tin.",
        validators=[Length(max=2000, message="Tối đa 2000 ký tự.")],
    )
    body = TextAreaField(
        "Nội dung",
        description="Tiêu đề mục, chữ đậm/nghiêng, danh sách, liên kết, ảnh, bảng. "
        "Định dạng khác (màu, cỡ chữ, kiểu dáng) được bỏ khi lưu.",
        validators=[Length(max=500_000, message="Nội dung quá dài.")],
    )
    category_id = SelectField(
        "Chuyên mục",
        coerce=int,
        description="Bài viết có ngôn ngữ của chuyên mục: chuyên mục ghi “(tiếng Anh)” đưa bài "
        "vào trang tiếng Anh (/en/article/…).",
        invalid_value_message="Hãy chọn chuyên mục trong danh sách.",
        invalid_choice_message="Hãy chọn chuyên mục trong danh sách.",
    )
    tags = StringField(
        "Từ khóa",
        filters=[strip_text],
        description="Cách nhau bằng dấu phẩy, ví dụ: Chỉ thị 30, Du lịch cộng đồng. Từ khóa mới được tạo khi lưu.",
        validators=[Length(max=1000, message="Tối đa 1000 ký tự.")],
    )
    author = StringField(
        "Tác giả",
        filters=[strip_text],
        description="Tên hiện cuối bài (bút danh, nhóm phóng viên).",
        validators=[Length(max=200, message="Tối đa 200 ký tự.")],
    )
    source = StringField(
        "Nguồn",
        filters=[strip_text],
        validators=[Length(max=300, message="Tối đa 300 ký tự.")],
    )
    publish_date = StringField(
        "Ngày xuất bản",
        filters=[strip_text],
        render_kw={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"},
        description="dd/mm/yyyy",
    )
    publish_time = StringField(
        "Giờ xuất bản",
        filters=[strip_text],
        render_kw={"placeholder": "HH:MM", "inputmode": "numeric", "autocomplete": "off"},
        description="24 giờ",
    )
    image_file = FileField(
        "Tải ảnh mới lên",
        description="JPEG, PNG, WebP hoặc GIF. Ảnh được kiểm tra, nén lại và đưa vào thư viện ảnh.",
        render_kw={"accept": "image/jpeg,image/png,image/webp,image/gif"},
    )
    image_alt = StringField(
        "Mô tả ảnh cho người không xem được ảnh (alt)",
        filters=[strip_text],
        description="Bắt buộc khi bài có ảnh chính: ảnh cho thấy gì?",
        validators=[Length(max=500, message="Tối đa 500 ký tự.")],
    )
    image_caption = TextAreaField(
        "Chú thích ảnh",
        filters=[strip_text],
        validators=[Length(max=1000, message="Tối đa 1000 ký tự.")],
    )
    attachment_files = MultipleFileField(
        "Thêm tài liệu đính kèm",
        description="PDF, Word, Excel, PowerPoint hoặc OpenDocument.",
        render_kw={
            "accept": ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp",
        },
    )
    version = HiddenField()

    def __init__(self, *args, article: Article | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.article = article
        categories = CategoryTree.load()
        self.category_id.choices = [(0, "— Chọn chuyên mục —")] + [
            (
                c.id,
                f"{'— ' * (len(categories.ancestors(c)) - 1)}{c.name}"
                + (" (tiếng Anh)" if c.language == "en" else ""),
            )
            for c in _category_order(categories)
        ]
        self.init_seo(article)

    def validate_slug(self, field) -> None:
        slug = field.data or ""
        if not slug:
            return
        if not is_clean_slug(slug):
            raise ValidationError(
                f"Đường dẫn chỉ gồm chữ thường không dấu, số và dấu gạch ngang, ví dụ: "
                f"{slugify(slug) or 'bai-viet-moi'}"
            )
        article_id = self.article.id if self.article is not None else None
        if workflow.slug_taken(slug, article_id):
            raise ValidationError(
                f"Một bài viết khác đã dùng đường dẫn này. Gợi ý: {workflow.free_slug(slug, article_id)}"
            )

    def validate_category_id(self, field) -> None:
        if not field.data:
            raise ValidationError("Hãy chọn chuyên mục cho bài viết.")

    def validate_publish_date(self, field) -> None:
        self.published_at  # noqa: B018 - raises ValidationError on a bad date

    def validate_publish_time(self, field) -> None:
        if field.data and not self.publish_date.data:
            raise ValidationError("Giờ cần đi kèm ngày. Để xuất bản ngay, hãy xóa cả ngày và giờ.")
        if field.data and _parse_time(field.data) is None:
            raise ValidationError("Giờ không hợp lệ; ví dụ: 08:30.")

    @property
    def published_at(self) -> datetime | None:
        """Date and time typed in the site's time zone, as an aware datetime (None when empty)."""
        if not self.publish_date.data:
            return None
        day = _parse_date(self.publish_date.data)
        if day is None:
            raise ValidationError("Ngày không hợp lệ; hãy chọn ngày theo dạng dd/mm/yyyy.")
        hour_minute = _parse_time(self.publish_time.data or "00:00") or (0, 0)
        zone = ZoneInfo(current_app.config["PORTAL_TIMEZONE"])
        return datetime(day[0], day[1], day[2], *hour_minute, tzinfo=zone)


def _parse_date(text: str) -> tuple[int, int, int] | None:
    """``dd/mm/yyyy`` as shown in the form (``yyyy-mm-dd`` is understood too)."""
    for pattern, order in ((r"(\d{4})-(\d{1,2})-(\d{1,2})", (0, 1, 2)),
                           (r"(\d{1,2})/(\d{1,2})/(\d{4})", (2, 1, 0))):  # fmt: skip
        found = re.fullmatch(pattern, text.strip())
        if found:
            parts = [int(found.group(i + 1)) for i in range(3)]
            year, month, day = (parts[i] for i in order)
            try:
                datetime(year, month, day)
            except ValueError:
                return None
            return year, month, day
    return None


def _parse_time(text: str) -> tuple[int, int] | None:
    found = re.fullmatch(r"(\d{1,2})[:h](\d{2})(?::\d{2})?", (text or "").strip())
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2))
    return (hour, minute) if hour < 24 and minute < 60 else None


def fill_form(form: ArticleForm, article: Article) -> None:
    """The form's fields from a saved article (GET)."""
    form.title.data = article.title
    form.slug.data = article.slug
    form.lead.data = article.lead
    form.body.data = article.body_html
    form.category_id.data = article.category_id or 0
    form.tags.data = ", ".join(tag.name for tag in article.tags)
    form.author.data = article.author
    form.source.data = article.source
    form.image_alt.data = article.image_alt
    form.image_caption.data = article.image_caption
    if article.published_at:
        local = article.published_at.astimezone(ZoneInfo(current_app.config["PORTAL_TIMEZONE"]))
        form.publish_date.data = local.strftime("%d/%m/%Y")
        form.publish_time.data = local.strftime("%H:%M")
    form.version.data = str(article.version)


# -- the main image ---------------------------------------------------------------------------

#: The image radio button for "keep the article's current image" (an external URL from an import).
KEEP_IMAGE = "giu-nguyen"


def image_choice(article: Article | None) -> str:
    """What the form chose for the main image: ``""`` none, an id, or :data:`KEEP_IMAGE`."""
    if request.method == "POST":
        return request.form.get("image_id", "").strip()
    chosen = request.args.get("image_id", "").strip()  # back from the media library's picker
    if chosen.isdigit():
        return chosen
    if article is None:
        return ""
    if article.image_id:
        return str(article.image_id)
    return KEEP_IMAGE if article.image else ""


def library_choices(chosen: str) -> list[MediaImage]:
    images = list(
        db.session.scalars(select(MediaImage).order_by(MediaImage.id.desc()).limit(LIBRARY_CHOICES))
    )
    if chosen.isdigit() and all(str(image.id) != chosen for image in images):
        picked = db.session.get(MediaImage, int(chosen))
        if picked is not None:
            images.insert(0, picked)
    return images


def thumbnail_url(image: MediaImage) -> str:
    """The smallest stored copy of a library image."""
    name = image.stored_name
    if image.variants:
        name = min(image.variants.items(), key=lambda item: int(item[0]))[1]
    return url_for("reader.media", filename=name)


def seo_picker_url(article: Article | None) -> str | None:
    """The media library choosing the article's share image (``?social_image_id=``)."""
    if article is None or article.id is None:
        return social_picker_url(url_for("admin.articles_new"))
    return social_picker_url(url_for("admin.articles_edit", article_id=article.id))


def media_picker_url(article: Article | None) -> str | None:
    """The media library in picker mode, coming back to this form with ``?image_id=``.

    With JavaScript the library opens in a window and the choice is added to
    the form in place (see admin-articles.js), so nothing typed is lost.
    """
    if "admin.media_list" not in current_app.view_functions:
        return None
    if article is None or article.id is None:
        back = url_for("admin.articles_new")
    else:
        back = url_for("admin.articles_edit", article_id=article.id)
    return url_for("admin.media_list", pick=back, field="image_id")
