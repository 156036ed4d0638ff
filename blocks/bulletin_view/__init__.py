"""Bulletin view: the article itself — title, lead, photo with caption, body, author."""

from __future__ import annotations

from wtforms import BooleanField, Form

from portal import Block, BlockContext, CachePolicy, hookimpl


class BulletinViewSettings(Form):
    show_lead = BooleanField("Hiện sapo (đoạn dẫn)", default=True)
    show_image = BooleanField("Hiện ảnh chính và chú thích", default=True)
    show_source = BooleanField("Hiện nguồn tin", default=True)


class BulletinView(Block):
    name = "bulletin_view"
    label = "Nội dung bản tin"
    description = "Tiêu đề, sapo, ảnh có chú thích, nội dung và tác giả của bài viết."
    group = "Bài viết"
    settings_form = BulletinViewSettings
    template = "bulletin_view/view.html"
    css = ("view.css",)
    cache = CachePolicy(timeout=600, vary_on={"locale", "article"}, tags={"article"})
    needs = frozenset({"article"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        article = ctx.article
        return {"article": article, "is_draft": not article.is_public}


@hookimpl
def portal_register_blocks():
    return [BulletinView]
