"""The admin forms: what each field accepts, with the Vietnamese message when it does not."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField, ValidationError
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from portal import strip_text

from .links import is_web_address

PHONE_RE = r"^\+?[0-9 ().\-/]{3,40}$"
EMAIL_RE = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
#: A file of the media library (``2024/05/so-do.webp``) or an http(s) address.
IMAGE_RE = re.compile(
    r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]*\.(?:jpe?g|png|webp|gif|svg|avif)$", re.I
)


def _max(what: str, length: int) -> Length:
    return Length(max=length, message=f"{what} không được dài quá %(max)d ký tự.")


def phone_field(label: str, **kwargs) -> StringField:
    return StringField(
        label,
        filters=[strip_text],
        validators=[
            Optional(),
            _max("Số điện thoại", 50),
            Regexp(
                PHONE_RE,
                message="Số điện thoại chỉ gồm chữ số, dấu cách và các dấu + ( ) . - / "
                "(ví dụ: 0209 3870 123).",
            ),
        ],
        **kwargs,
    )


def email_field(label: str = "Thư điện tử", **kwargs) -> StringField:
    return StringField(
        label,
        filters=[strip_text],
        validators=[
            Optional(),
            _max("Địa chỉ thư", 200),
            Regexp(
                EMAIL_RE,
                message="Địa chỉ thư điện tử không hợp lệ (ví dụ: vanphong@backan.gov.vn).",
            ),
        ],
        **kwargs,
    )


def _has_digits(form, field) -> None:
    if field.data and sum(ch.isdigit() for ch in field.data) < 6:
        raise ValidationError("Số điện thoại phải có ít nhất 6 chữ số.")


def _image(form, field) -> None:
    if field.data and not (is_web_address(field.data) or IMAGE_RE.match(field.data)):
        raise ValidationError(
            "Nhập tên tệp ảnh trong thư viện ảnh (ví dụ: 2024/05/so-do-to-chuc.webp) "
            "hoặc địa chỉ bắt đầu bằng https://."
        )


def _web(form, field) -> None:
    if field.data and not is_web_address(field.data):
        raise ValidationError("Địa chỉ phải bắt đầu bằng http:// hoặc https:// và có tên miền.")


class VietnameseDateField(StringField):
    """A date typed as dd/mm/yyyy; ``data`` is a :class:`date` or None."""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not self.raw:
            return
        try:
            self.data = datetime.strptime(self.raw, "%d/%m/%Y").date()
        except ValueError as exc:
            raise ValueError(
                f"Ngày “{self.raw}” không hợp lệ: hãy nhập ngày/tháng/năm, ví dụ 15/03/2023."
            ) from exc

    def _value(self):
        if getattr(self, "raw", None) is not None and self.data is None:
            return self.raw
        return self.data.strftime("%d/%m/%Y") if isinstance(self.data, date) else ""


def text_field(
    label: str,
    what: str,
    max_length: int,
    *,
    required: str = "",
    checks: tuple = (),
    **kwargs,
) -> StringField:
    """A one-line text field, trimmed, at most ``max_length`` characters (``what`` names it in
    the message); ``required`` is the message when it is left empty."""
    validators = [InputRequired(required)] if required else []
    validators += [_max(what, max_length), *checks]
    return StringField(label, filters=[strip_text], validators=validators, **kwargs)


def image_field(label: str, description: str = "Tên tệp trong thư viện ảnh hoặc địa chỉ https://."):
    """A picture: a file of the media library or an https:// address."""
    return text_field(label, "Tên tệp ảnh", 500, checks=(_image,), description=description)


def position_field() -> IntegerField:
    """Where an item goes in its list (0 first)."""
    return IntegerField(
        "Thứ tự",
        default=0,
        validators=[
            InputRequired("Hãy nhập thứ tự (một số)."),
            NumberRange(min=0, max=9999, message="Thứ tự từ %(min)s đến %(max)s."),
        ],
    )


class ProfileForm(FlaskForm):
    managing_body = text_field(
        "Cơ quan chủ quản",
        "Tên cơ quan chủ quản",
        300,
        description="Ví dụ: Ủy ban nhân dân tỉnh Bắc Kạn.",
    )
    name = text_field(
        "Tên cơ quan vận hành cổng thông tin",
        "Tên cơ quan",
        300,
        required="Hãy nhập tên cơ quan.",
    )
    responsible_person = text_field("Người chịu trách nhiệm chính", "Họ tên", 200)
    responsible_title = text_field("Chức vụ người chịu trách nhiệm", "Chức vụ", 200)
    licence_number = text_field(
        "Giấy phép số",
        "Số giấy phép",
        100,
        description="Số giấy phép thiết lập trang thông tin điện tử, ví dụ 12/GP-TTĐT.",
    )
    licence_date = VietnameseDateField(
        "Ngày cấp phép", description="ngày/tháng/năm, ví dụ 15/03/2023."
    )
    licence_issuer = text_field("Cơ quan cấp phép", "Tên cơ quan cấp phép", 300)
    street_address = text_field("Địa chỉ (số nhà, đường, phường/xã)", "Địa chỉ", 300)
    locality = text_field("Quận/huyện, thành phố", "Tên quận/huyện", 200)
    region = text_field("Tỉnh/thành phố", "Tên tỉnh", 200)
    phone = phone_field("Điện thoại")
    fax = phone_field("Fax")
    email = email_field()
    working_hours = TextAreaField(
        "Giờ làm việc",
        description="Văn bản thường; xuống dòng được giữ nguyên.",
        validators=[_max("Giờ làm việc", 1000)],
    )
    map_url = text_field(
        "Liên kết bản đồ (không bắt buộc)",
        "Liên kết bản đồ",
        500,
        checks=(_web,),
        description="Địa chỉ https:// của bản đồ chỉ đường đến cơ quan.",
    )
    chart_image = image_field(
        "Ảnh sơ đồ tổ chức (không bắt buộc)",
        "Tên tệp trong thư viện ảnh (Quản trị › Thư viện ảnh) hoặc địa chỉ https://. "
        "Để trống để hiện cây đơn vị bên dưới.",
    )
    chart_alt = TextAreaField(
        "Mô tả sơ đồ bằng lời (cho người không xem được ảnh)",
        validators=[_max("Mô tả sơ đồ", 4000)],
    )

    def validate_phone(self, field) -> None:
        _has_digits(self, field)

    def validate_fax(self, field) -> None:
        _has_digits(self, field)

    def validate_chart_alt(self, field) -> None:
        if self.chart_image.data and not (field.data or "").strip():
            raise ValidationError("Ảnh sơ đồ cần có mô tả bằng lời (văn bản thay thế).")


class LeaderForm(FlaskForm):
    name = text_field("Họ và tên", "Họ tên", 200, required="Hãy nhập họ và tên.")
    title = text_field("Chức vụ", "Chức vụ", 200)
    phone = phone_field("Điện thoại")
    email = email_field()
    photo = image_field("Ảnh chân dung (không bắt buộc)")
    position = position_field()

    def validate_phone(self, field) -> None:
        _has_digits(self, field)


class UnitForm(FlaskForm):
    name = text_field("Tên đơn vị", "Tên đơn vị", 300, required="Hãy nhập tên đơn vị.")
    # The choices only guide: the data layer checks the parent (it exists, not inside the unit).
    parent_id = SelectField(
        "Đơn vị cấp trên", coerce=str, choices={"": "— Không có —"}, validate_choice=False
    )
    phone = phone_field("Điện thoại")
    email = email_field()
    address = text_field("Địa chỉ", "Địa chỉ", 300)
    position = position_field()

    def validate_phone(self, field) -> None:
        _has_digits(self, field)

    def validate_parent_id(self, field) -> None:
        if field.data and not (
            field.data.isascii() and field.data.isdigit() and len(field.data) < 10
        ):
            raise ValidationError("Hãy chọn đơn vị cấp trên trong danh sách.")

    @property
    def parent(self) -> int | None:
        return int(self.parent_id.data) if self.parent_id.data else None


class LinkForm(FlaskForm):
    name = text_field("Tên website", "Tên website", 200, required="Hãy nhập tên website.")
    url = text_field(
        "Địa chỉ",
        "Địa chỉ",
        500,
        required="Hãy nhập địa chỉ website.",
        checks=(_web,),
        description="Bắt đầu bằng https:// (hoặc http://), ví dụ https://chinhphu.vn.",
    )
    group_name = text_field(
        "Nhóm",
        "Tên nhóm",
        100,
        description="Ví dụ: Trung ương, Các tỉnh, Sở ngành. Để trống nếu không chia nhóm.",
    )
    position = position_field()
    logo = image_field("Biểu trưng (không bắt buộc)")
