"""Bulletin view: the article itself — title, lead, photo with caption, body, author,
the documents attached to it and its tags (links to each tag's page)."""

from __future__ import annotations

from wtforms import BooleanField, Form

from portal import Block, BlockContext, CachePolicy, article_media, hookimpl, tag_url

#: How wide the photo is drawn in each layout's main column (see site.css), so the
#: browser can pick the smallest copy from ``srcset`` that still looks sharp.
PHOTO_SIZES = {
    "one_column": "(min-width: 56rem) 54rem, calc(100vw - 2rem)",
    "main_sidebar": (
        "(min-width: 72rem) 48rem, (min-width: 60rem) calc(100vw - 24rem), calc(100vw - 2rem)"
    ),
}
OTHER_LAYOUT_SIZES = "(min-width: 72rem) 70rem, calc(100vw - 2rem)"


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
        media = article_media(article)  # one query for the photo and the attachments
        if ctx.region == "sidebar":
            sizes = "20rem"
        else:
            sizes = PHOTO_SIZES.get(ctx.page.layout, OTHER_LAYOUT_SIZES)
        return {
            "article": article,
            "is_draft": not article.is_public,
            "image": media.image,
            "image_sizes": sizes,
            "attachments": media.attachments,
            # Loaded by article_media's query: no query of their own.
            "tags": [(tag.name, tag_url(tag)) for tag in article.tags],
        }


@hookimpl
def portal_register_blocks():
    return [BulletinView]
