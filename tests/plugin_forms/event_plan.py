"""A plugin written only against docs/plugins/: one block whose settings have every type.

Booleans, integers, floats, decimals, dates, date-times, lists, nested groups
and lists of groups; a category chosen from the page's site (``with_context``);
its own card summary. Its template prints the type of every setting it got.
"""

from datetime import date, datetime
from decimal import Decimal

from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    DecimalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import NumberRange, Optional

from portal import NO_CACHE, Block, hookimpl


def known_category(form, field):
    if form.context and field.data and form.context.categories.by_slug(field.data) is None:
        raise ValidationError("Chuyên mục này không còn tồn tại.")


class Speaker(Form):
    name = StringField("Tên diễn giả", default="")
    since = DateField("Tham gia từ", validators=[Optional()])


class Venue(Form):
    city = StringField("Thành phố", default="Bắc Kạn")
    floor = IntegerField("Tầng", default=1)


class EventPlanSettings(Form):
    title = StringField("Tên sự kiện", default="Hội nghị")
    public = BooleanField("Mở cho mọi người", default=False)
    seats = IntegerField("Số chỗ", default=20, validators=[NumberRange(min=1, max=500)])
    ratio = FloatField("Tỉ lệ lấp đầy", default=0.5)
    fee = DecimalField("Lệ phí", default=Decimal("12.50"), places=2)
    day = DateField("Ngày", default=date(2030, 10, 1))
    starts = DateTimeLocalField("Bắt đầu", default=datetime(2030, 10, 1, 8, 30))
    note = TextAreaField("Ghi chú", default="")
    tags = FieldList(StringField("Thẻ"), label="Thẻ", min_entries=0)
    venue = FormField(Venue, label="Địa điểm")
    speakers = FieldList(FormField(Speaker), label="Diễn giả", min_entries=0)
    category = SelectField(
        "Chuyên mục", choices=[], validate_choice=False, validators=[known_category], default=""
    )

    def with_context(self, context):
        self.category.choices = context.category_choices(blank="— Chuyên mục của trang —")


class EventPlan(Block):
    name = "event_plan"
    label = "Kế hoạch sự kiện"
    description = "Thông tin một sự kiện sắp diễn ra."
    settings_form = EventPlanSettings
    template = "event_plan/plan.html"
    cache = NO_CACHE
    typed_settings = True

    def get_context(self, ctx, settings):
        types = {name: type(value).__name__ for name, value in sorted(settings.items())}
        return {"types": types}


class EventPlanShort(EventPlan):
    """The same block with its own card summary."""

    name = "event_plan_short"
    label = "Kế hoạch sự kiện (tóm tắt riêng)"
    template = "event_plan_short/plan.html"

    def summarize_settings(self, settings):
        return f"{settings['seats']} chỗ, ngày {settings['day']:%d/%m/%Y}"


class EventPlanBadSummary(EventPlan):
    """A block whose summary raises: its card falls back to the default summary."""

    name = "event_plan_bad_summary"
    label = "Kế hoạch sự kiện (tóm tắt lỗi)"
    template = "event_plan_bad_summary/plan.html"

    def summarize_settings(self, settings):
        raise RuntimeError("summary boom")


class EventPlanAsStored(EventPlan):
    """The same block without ``typed_settings``: settings arrive as stored (JSON)."""

    name = "event_plan_as_stored"
    label = "Kế hoạch sự kiện (như đã lưu)"
    template = "event_plan_as_stored/plan.html"
    typed_settings = False


class EventPlanFeed(EventPlan):
    """A block whose data comes from outside the portal (here: nowhere, in tests)."""

    name = "event_plan_feed"
    label = "Kế hoạch sự kiện (chỗ còn trống)"
    template = "event_plan_feed/plan.html"

    @classmethod
    def prefetch(cls, ctx, settings_list):
        raise RuntimeError("không có nguồn dữ liệu chỗ trống trong bài kiểm thử")

    def get_context(self, ctx, settings):
        return {"types": {}, "seats_left": ctx.prefetched["seats_left"]}


@hookimpl
def portal_register_blocks():
    return [EventPlan, EventPlanShort, EventPlanBadSummary, EventPlanAsStored, EventPlanFeed]
