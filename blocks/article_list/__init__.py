"""Article list: the latest public articles of a category (or of the whole site).

On a tag's page (``/the/<slug>``) a list without a category of its own lists the
tag's articles.

Every list on a page is loaded by one query in :meth:`ArticleList.prefetch`
(:func:`portal.fetch_article_lists`), so a home page with ten lists costs the
same as one with a single list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from wtforms import BooleanField, Form, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from portal import (
    ArticleQuery,
    Block,
    BlockContext,
    CachePolicy,
    Category,
    CategoryField,
    PageNotFound,
    Tag,
    category_tree,
    category_url,
    fetch_article_lists,
    hookimpl,
    image_for,
    strip_text,
    translate,
)

#: The query-string parameter that pages through a paginated list (?trang=2).
PAGE_PARAMETER = "trang"
#: The parameter of a "next page" link naming the last article of the page before
#: (?trang=3&sau=1234): the page is read from that article on, not by skipping rows.
AFTER_PARAMETER = "sau"
#: Deeper pages than this are served as the last reachable one; keeps OFFSET bounded.
MAX_PAGE = 1000
MAX_COUNT = 50
#: How wide each style draws its images (article_list.css), for the browser to pick
#: the smallest sharp enough copy from ``srcset``.
IMAGE_SIZES = {
    "list": "(min-width: 40rem) 13rem, 7.5rem",
    "cards": "(min-width: 60rem) 20rem, (min-width: 40rem) 50vw, calc(100vw - 2rem)",
    "compact": "4.5rem",
}
STYLES = {
    "list": "Danh sách: ảnh nhỏ bên trái, tiêu đề, ngày, sapo",
    "cards": "Lưới thẻ: ảnh trên, tiêu đề dưới",
    "compact": "Gọn: chỉ tiêu đề và ngày (hợp với cột phụ; không hiện sapo)",
}


#: The first choice of the category select: no category of its own.
FOLLOW_PAGE = "— Chuyên mục của trang đang xem —"


class ArticleListSettings(Form):
    title = StringField(
        "Tiêu đề khối",
        description="Để trống nếu không cần tiêu đề.",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="Tin mới nhất",
    )
    # Stored as the category's slug; the admin offers the site's categories and
    # refuses a slug no category has (a stored one that is gone stays visible).
    category = CategoryField(
        "Chuyên mục",
        description=(
            "Để trống: chuyên mục của trang đang xem; trang không thuộc chuyên mục nào "
            "thì lấy bài của mọi chuyên mục."
        ),
        blank=FOLLOW_PAGE,
    )
    include_subcategories = BooleanField("Gồm cả bài của các chuyên mục con", default=True)
    count = IntegerField(
        "Số bài hiển thị",
        default=10,
        invalid_value_message="Số bài phải là một số nguyên.",
        validators=[
            InputRequired(message="Hãy nhập số bài hiển thị."),
            NumberRange(min=1, max=MAX_COUNT, message="Số bài phải từ %(min)s đến %(max)s."),
        ],
    )
    show_lead = BooleanField("Hiện sapo (đoạn dẫn)", default=True)
    show_image = BooleanField("Hiện ảnh đại diện", default=True)
    paginate = BooleanField(
        "Phân trang (Trang trước / Trang sau)",
        description="Chỉ nên bật cho danh sách chính của trang chuyên mục.",
        default=False,
    )
    style = SelectField(
        "Kiểu hiển thị",
        choices=STYLES,
        default="list",
        invalid_choice_message="Kiểu hiển thị không hợp lệ; hãy chọn một kiểu trong danh sách.",
    )


@dataclass(frozen=True)
class Listing:
    """What one placement shows, worked out from its settings and the page."""

    query: ArticleQuery
    count: int
    page_number: int
    category: Category | None
    #: True when the list follows the page's own category (no category in settings).
    follows_page: bool
    #: The tag listed: the page's tag when the list has no category of its own.
    tag: Tag | None = None


def requested_page(ctx: BlockContext) -> int:
    """The page number asked for with ?trang=N; 1 when absent or not a number."""
    try:
        number = int(ctx.query.get(PAGE_PARAMETER, "1"))
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


def requested_after(ctx: BlockContext, page_number: int) -> int | None:
    """The article a next-page link named (?sau=ID) on page 2 and beyond; None otherwise."""
    value = ctx.query.get(AFTER_PARAMETER, "")
    if page_number < 2 or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def page_href(ctx: BlockContext, number: int, *, after: int | None = None) -> str:
    """A link to page ``number`` of the list, keeping the other parameters the list reads.

    ``after``: the last article shown, for a next-page link (the page is then read
    from it on, which costs the same on page 500 as on page 2).
    (``ctx.query`` holds only those: ``CachePolicy.query_params``.)
    """
    paging = (PAGE_PARAMETER, AFTER_PARAMETER)
    params = [(key, value) for key, value in ctx.query.items(multi=True) if key not in paging]
    if number > 1:
        params.append((PAGE_PARAMETER, str(number)))
        if after is not None:
            params.append((AFTER_PARAMETER, str(after)))
    return "?" + urlencode(params)


def tag_heading(tag: Tag, locale: str) -> str:
    """``Thẻ: Du lịch``: the heading of a tag's page."""
    return f"{translate('Thẻ', locale)}: {tag.name}"


class ArticleList(Block):
    name = "article_list"
    label = "Danh sách bài viết"
    description = (
        "Các bài mới nhất của một chuyên mục (hoặc của chuyên mục trang đang xem), "
        "dạng danh sách, lưới thẻ hoặc gọn; có thể phân trang."
    )
    group = "Bài viết"
    settings_form = ArticleListSettings
    template = "article_list/list.html"
    css = ("article_list.css",)
    # Articles scheduled for later appear without any content event, so keep
    # entries short; publishing and category edits purge them at once. Varies on
    # the article because the article being read is left out of the list.
    cache = CachePolicy(
        timeout=300,
        vary_on={"locale", "page", "category", "tag", "article", "query"},
        tags={"articles", "categories"},
        query_params={PAGE_PARAMETER, AFTER_PARAMETER},
    )

    def summarize_settings(self, settings: dict[str, Any]) -> str:
        """``Tin mới nhất · 10 bài · chuyên mục “Thời sự” (cả chuyên mục con) · kiểu Lưới thẻ``."""
        parts = [settings["title"]] if settings.get("title") else []
        parts.append(f"{settings.get('count') or 10} bài")
        if settings.get("category"):
            subcategories = " (cả chuyên mục con)" if settings.get("include_subcategories") else ""
            category = category_tree().by_slug(str(settings["category"]).lower())
            name = category.name if category is not None else f"{settings['category']}, đã xóa"
            parts.append(f"chuyên mục “{name}”{subcategories}")
        else:
            parts.append("chuyên mục của trang đang xem")
        style = STYLES.get(settings.get("style") or "", "")
        if style:
            parts.append(f"kiểu {style.split(':')[0]}")
        if settings.get("paginate"):
            parts.append("phân trang")
        return " · ".join(parts)

    def cache_tags(self, ctx: BlockContext, settings: dict[str, Any]) -> set[str]:
        """A list of given categories is purged by their articles' events only.

        An article's event names its category and those above it
        (``category:<id>``); only lists not tied to a category (the newest on the
        site, a tag's) keep ``articles``, which every article's event purges.
        """
        tags = super().cache_tags(ctx, settings)
        category_ids = self.listing(ctx, settings).query.category_ids
        if category_ids is not None:
            tags.discard("articles")
            tags.update(f"category:{category_id}" for category_id in category_ids)
        return tags

    @classmethod
    def listing(cls, ctx: BlockContext, settings: dict[str, Any]) -> Listing:
        """Which articles a placement shows; the same answer in prefetch and get_context."""
        tree = category_tree()
        slug = (settings.get("category") or "").strip().lower()
        category = tree.by_slug(slug) if slug else ctx.category
        tag = ctx.tag if category is None and not slug else None
        if slug and category is None:
            category_ids: tuple[int, ...] | None = ()  # deleted since saved: show nothing
        elif category is None:
            category_ids = None
        elif settings.get("include_subcategories"):
            category_ids = tuple(sorted(tree.descendant_ids(category)))
        else:
            category_ids = (category.id,)
        try:
            count = min(max(int(settings.get("count") or 10), 1), MAX_COUNT)
        except (TypeError, ValueError):
            count = 10
        page_number = requested_page(ctx) if settings.get("paginate") else 1
        query = ArticleQuery(
            # One more than shown tells whether a next page exists, without a COUNT query.
            limit=count + 1,
            offset=(page_number - 1) * count,
            after_id=requested_after(ctx, page_number),
            category_ids=category_ids,
            tag_ids=(tag.id,) if tag is not None else None,
            # On an article page the list never offers the article being read.
            exclude_ids=(ctx.article.id,) if ctx.article is not None else (),
            # Not tied to a category: the articles in the page's language only.
            language=ctx.locale if category_ids is None else None,
        )
        return Listing(query, count, page_number, category, follows_page=not slug, tag=tag)

    @classmethod
    def prefetch(cls, ctx: BlockContext, settings_list: list[dict[str, Any]]) -> Any:
        defaults = cls.default_settings()
        queries = [cls.listing(ctx, {**defaults, **settings}).query for settings in settings_list]
        # Teasers only: the articles as plain rows (ListedArticle), no ORM object each.
        return fetch_article_lists(queries, rows=True)

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        listing = self.listing(ctx, settings)
        prefetched = ctx.prefetched if isinstance(ctx.prefetched, dict) else {}
        fetched = prefetched.get(listing.query)
        if fetched is None:  # rendered without prefetch (e.g. called directly)
            fetched = fetch_article_lists([listing.query])[listing.query]

        category = listing.category
        paginate = bool(settings.get("paginate"))
        # The paginated list of the page's own category in the main column is what
        # the category page is about: its heading is the page's h1.
        is_page_list = (
            paginate
            and listing.follows_page
            and (category is not None or listing.tag is not None)
            and ctx.article is None
            and ctx.region == "main"
        )
        if is_page_list and category is None:
            heading, level, description = tag_heading(listing.tag, ctx.locale), 1, ""
        elif is_page_list:
            heading, level, description = category.name, 1, category.description
        else:
            heading, level, description = settings.get("title") or "", 2, ""
        show_more = (
            category is not None
            and not paginate
            and bool(heading)
            and not (listing.follows_page and ctx.article is None)
        )
        style = settings.get("style") if settings.get("style") in STYLES else "list"
        number = listing.page_number
        if paginate and number > 1 and not fetched:
            # Page 99 of a three-page list does not exist: the route answers 404.
            raise PageNotFound(f"Trang {number} của danh sách không có bài nào.")
        has_next = len(fetched) > listing.count
        articles = fetched[: listing.count]
        show_images = bool(settings.get("show_image"))
        return {
            "articles": articles,
            # Loaded with the list (fetch_article_lists): no query per article.
            "images": {a.id: image_for(a) for a in articles} if show_images else {},
            "image_sizes": IMAGE_SIZES[style],
            "style": style,
            "heading": heading,
            "heading_level": level,
            "item_level": level + 1 if heading else 2,
            "description": description,
            "more_url": category_url(category) if show_more else None,
            "paginate": paginate,
            "page_number": number,
            "prev_href": page_href(ctx, number - 1) if paginate and number > 1 else None,
            "next_href": (
                page_href(ctx, number + 1, after=articles[-1].id) if paginate and has_next else None
            ),
            "first_href": page_href(ctx, 1),
        }


@hookimpl
def portal_register_blocks():
    return [ArticleList]
