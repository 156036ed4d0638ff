"""Related articles: those sharing the most tags with the article read, then its category's newest."""

from __future__ import annotations

from typing import Any

from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from portal import (
    Block,
    BlockContext,
    CachePolicy,
    Later,
    fetch_related_articles,
    hookimpl,
    related_articles_later,
    strip_text,
)

MAX_COUNT = 20


class RelatedArticlesSettings(Form):
    title = StringField(
        "Tiêu đề khối",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="Tin liên quan",
    )
    count = IntegerField(
        "Số bài hiển thị",
        default=5,
        invalid_value_message="Số bài phải là một số nguyên.",
        validators=[
            InputRequired(message="Hãy nhập số bài hiển thị."),
            NumberRange(min=1, max=MAX_COUNT, message="Số bài phải từ %(min)s đến %(max)s."),
        ],
    )


def wanted_count(settings: dict[str, Any]) -> int:
    try:
        return min(max(int(settings.get("count") or 5), 1), MAX_COUNT)
    except (TypeError, ValueError):
        return 5


class RelatedArticles(Block):
    name = "related_articles"
    label = "Tin liên quan"
    description = (
        "Các bài có nhiều từ khóa chung nhất với bài đang đọc, rồi các bài mới nhất "
        "cùng chuyên mục."
    )
    group = "Bài viết"
    settings_form = RelatedArticlesSettings
    template = "related_articles/related.html"
    css = ("related_articles.css",)
    needs = frozenset({"article"})
    cache = CachePolicy(timeout=300, vary_on={"locale", "article"}, tags={"article", "articles"})

    @classmethod
    def prefetch(cls, ctx: BlockContext, settings_list: list[dict[str, Any]]) -> Any:
        """One query for every placement on the page: the longest list, cut for each.

        Read when first drawn, with the page's other listings waiting then ("Đọc nhiều"):
        one statement for both.
        """
        if ctx.article is None:
            return None
        defaults = cls.default_settings()
        longest = max(wanted_count({**defaults, **settings}) for settings in settings_list)
        return related_articles_later(ctx.article, longest, links=True)

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        if ctx.article is None:
            return {"articles": []}
        count = wanted_count(settings)
        # prefetch loaded the longest list any placement on the page wants.
        articles = ctx.prefetched.value if isinstance(ctx.prefetched, Later) else None
        if articles is None:  # rendered without prefetch (e.g. called directly)
            articles = fetch_related_articles(ctx.article, count)
        return {"articles": articles[:count]}


@hookimpl
def portal_register_blocks():
    return [RelatedArticles]
