"""Related articles: other public articles of the article's category, newest first."""

from __future__ import annotations

from typing import Any

from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from portal import (
    ArticleQuery,
    Block,
    BlockContext,
    CachePolicy,
    fetch_article_lists,
    hookimpl,
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


class RelatedArticles(Block):
    name = "related_articles"
    label = "Tin liên quan"
    description = "Các bài khác cùng chuyên mục với bài đang đọc, mới nhất trước."
    group = "Bài viết"
    settings_form = RelatedArticlesSettings
    template = "related_articles/related.html"
    css = ("related_articles.css",)
    needs = frozenset({"article"})
    cache = CachePolicy(timeout=300, vary_on={"locale", "article"}, tags={"article", "articles"})

    @classmethod
    def query_for(cls, ctx: BlockContext, settings: dict[str, Any]) -> ArticleQuery | None:
        """The listing for this article, or None when it has no category."""
        article = ctx.article
        if article is None or article.category_id is None:
            return None
        try:
            count = min(max(int(settings.get("count") or 5), 1), MAX_COUNT)
        except (TypeError, ValueError):
            count = 5
        return ArticleQuery(
            limit=count, category_ids=(article.category_id,), exclude_ids=(article.id,)
        )

    @classmethod
    def prefetch(cls, ctx: BlockContext, settings_list: list[dict[str, Any]]) -> Any:
        defaults = cls.default_settings()
        queries = [cls.query_for(ctx, {**defaults, **settings}) for settings in settings_list]
        return fetch_article_lists([query for query in queries if query is not None])

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        query = self.query_for(ctx, settings)
        if query is None:
            return {"articles": []}
        prefetched = ctx.prefetched if isinstance(ctx.prefetched, dict) else {}
        articles = prefetched.get(query)
        if articles is None:
            articles = fetch_article_lists([query])[query]
        return {"articles": articles}


@hookimpl
def portal_register_blocks():
    return [RelatedArticles]
