"""The "Hỏi đáp mới" block: the latest answered questions, with links to all and to the form."""

from __future__ import annotations

from wtforms import Form, IntegerField, StringField
from wtforms.validators import Length, NumberRange

from portal import Block, BlockContext, CachePolicy, db

from .content import LISTS_TAG, published_query


class LatestQuestionsSettings(Form):
    title = StringField(
        "Tiêu đề",
        default="Hỏi đáp mới",
        validators=[Length(max=200, message="Tối đa %(max)d ký tự.")],
    )
    count = IntegerField(
        "Số câu hỏi",
        default=5,
        validators=[NumberRange(min=1, max=20, message="Từ %(min)s đến %(max)s.")],
    )


class LatestQuestions(Block):
    name = "latest_questions"
    label = "Hỏi đáp mới"
    description = "Các câu hỏi của người dân vừa được trả lời, với liên kết gửi câu hỏi."
    group = "Tiện ích"
    settings_form = LatestQuestionsSettings
    template = "latest_questions/list.html"
    css = ("questions.css",)
    # Purged by every change readers can see (tag "questions", see content.py).
    cache = CachePolicy(timeout=3600, vary_on={"locale", "page"}, tags={LISTS_TAG})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        query = published_query().limit(settings["count"])
        return {"title": settings["title"], "items": list(db.session.scalars(query))}
