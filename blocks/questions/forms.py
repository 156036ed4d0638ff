"""The forms: the reader's question (messages through ``translate``) and the editor's screen."""

from __future__ import annotations

from wtforms import Form, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional, Regexp, ValidationError

from portal import plugin_setting, translate

from . import spam

PLUGIN = "questions"
NAME_MAX, SUBJECT_MAX, BODY_MIN, BODY_MAX, EMAIL_MAX = 120, 300, 20, 5000, 254


def _field_choices(fields) -> dict[str, str]:
    return {"": translate("— Không chọn —"), **{str(f.id): f.name for f in fields}}


def _to_field_id(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def question_form(formdata, fields):
    """The reader's form, built per request so that its texts are in the reader's language."""
    t = translate
    max_chars = t("Tối đa %(max)d ký tự.")

    def not_too_many_links(form, field):
        most = plugin_setting(PLUGIN, "max_links")
        if spam.count_links(field.data) > most:
            raise ValidationError(
                t("Câu hỏi có quá nhiều liên kết (tối đa %(most)d).") % {"most": most}
            )

    class QuestionForm(Form):
        name = StringField(
            t("Họ và tên"),
            validators=[
                InputRequired(t("Hãy nhập họ và tên của bạn.")),
                Length(max=NAME_MAX, message=max_chars),
            ],
        )
        email = StringField(
            t("Thư điện tử"),
            description=t("Để cơ quan liên hệ khi cần; không bao giờ hiện trên trang."),
            validators=[
                InputRequired(t("Hãy nhập địa chỉ thư điện tử.")),
                Length(max=EMAIL_MAX, message=max_chars),
                Email(
                    t("Địa chỉ thư điện tử không hợp lệ (ví dụ: ten@example.com)."),
                    check_deliverability=False,
                ),
            ],
        )
        phone = StringField(
            t("Điện thoại (không bắt buộc)"),
            description=t("Không bao giờ hiện trên trang."),
            validators=[
                Optional(),
                Regexp(
                    r"^[0-9 .+()-]{8,20}$",
                    message=t("Số điện thoại chỉ gồm 8–20 chữ số, dấu cách, . + ( ) -."),
                ),
            ],
        )
        field = SelectField(t("Lĩnh vực"), choices=_field_choices(fields), validate_choice=True)
        subject = StringField(
            t("Tiêu đề câu hỏi"),
            validators=[
                InputRequired(t("Hãy nhập tiêu đề câu hỏi.")),
                Length(max=SUBJECT_MAX, message=max_chars),
            ],
        )
        body = TextAreaField(
            t("Nội dung câu hỏi"),
            validators=[
                InputRequired(t("Hãy nhập nội dung câu hỏi.")),
                Length(
                    min=BODY_MIN,
                    max=BODY_MAX,
                    message=t("Nội dung câu hỏi từ %(min)d đến %(max)d ký tự."),
                ),
                not_too_many_links,
            ],
        )
        website = StringField(t("Để trống ô này"))
        form_time = HiddenField()

    form = QuestionForm(formdata)
    form.field.choices = _field_choices(fields)
    return form


def field_id_of(form) -> int | None:
    return _to_field_id(form.field.data)


class AnswerForm(Form):
    """The editor's screen of one question (Vietnamese only, like the whole admin)."""

    subject = StringField(
        "Tiêu đề câu hỏi",
        validators=[
            InputRequired("Hãy nhập tiêu đề."),
            Length(max=SUBJECT_MAX, message="Tối đa %(max)d ký tự."),
        ],
    )
    body = TextAreaField(
        "Nội dung câu hỏi",
        description="Có thể sửa lỗi chính tả hoặc bỏ thông tin cá nhân người hỏi lỡ ghi vào.",
        validators=[InputRequired("Hãy nhập nội dung câu hỏi.")],
    )
    name = StringField(
        "Họ tên người hỏi (hiện công khai)",
        validators=[
            InputRequired("Hãy nhập họ tên người hỏi."),
            Length(max=NAME_MAX, message="Tối đa %(max)d ký tự."),
        ],
    )
    field = SelectField("Lĩnh vực", choices={"": "— Không chọn —"}, validate_choice=True)
    answer_html = TextAreaField(
        "Câu trả lời",
        description="HTML được làm sạch như nội dung bài viết (đoạn văn, danh sách, liên kết…).",
    )
    answered_by = StringField(
        "Đơn vị trả lời",
        validators=[Length(max=200, message="Tối đa %(max)d ký tự.")],
    )
    version = IntegerField(validators=[InputRequired()])


def answer_form(formdata, fields, obj=None) -> AnswerForm:
    form = AnswerForm(formdata, obj=obj)
    form.field.choices = {"": "— Không chọn —", **{str(f.id): f.name for f in fields}}
    if formdata is None and obj is not None:
        form.field.data = str(obj.field_id) if obj.field_id else ""
        if not obj.answered_by:
            form.answered_by.data = plugin_setting(PLUGIN, "answering_unit")
    return form
