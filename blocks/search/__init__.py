"""Readers' search: a search box, the results and their filters (three block types).

The blocks read the query string of the search page (the first page of kind
``search``, e.g. ``/tim-kiem``) and ask :func:`portal.search`, the one search
interface of the core; which engine answers (SQLite FTS5, PostgreSQL, a plugin's)
is not their business. Parameters, all optional:

* ``q`` — the words; matched with and without Vietnamese diacritics;
* ``chuyen-muc`` — a category slug (its subcategories are included);
* ``tu-ngay`` / ``den-ngay`` — a date range, ``dd/mm/yyyy`` or ``yyyy-mm-dd``;
* ``loai`` — a content kind of the index (``article``, a plugin's ``document`` ...);
* ``trang`` — the page of results.

Whatever a reader (or a robot) puts there gives a normal page, with a note
saying what was ignored: the blocks never raise on input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from wtforms import Form, StringField
from wtforms.validators import Length

import portal
from portal import (
    ArticleQuery,
    Block,
    BlockContext,
    CachePolicy,
    SearchQuery,
    SearchResults,
    category_tree,
    category_url,
    current_locale,
    fetch_article_lists,
    fold,
    hookimpl,
    page_tree,
    search_providers,
    search_terms,
    strip_text,
)

from .compliance import search_check

#: Query-string parameters of the search page.
QUERY_PARAMETER = "q"
CATEGORY_PARAMETER = "chuyen-muc"
FROM_PARAMETER = "tu-ngay"
TO_PARAMETER = "den-ngay"
KIND_PARAMETER = "loai"
PAGE_PARAMETER = "trang"
#: Every parameter the search blocks read (the rest of a query string changes nothing).
SEARCH_PARAMETERS = frozenset(
    {
        QUERY_PARAMETER,
        CATEGORY_PARAMETER,
        FROM_PARAMETER,
        TO_PARAMETER,
        KIND_PARAMETER,
        PAGE_PARAMETER,
    }
)

#: Longer queries are cut here (with a note); the engine takes at most 32 words anyway.
MAX_QUERY_CHARS = 200
#: Deeper pages than this are not served (OFFSET stays bounded).
MAX_PAGE = 100
PER_PAGE = 10
#: Page numbers shown on each side of the current one.
PAGER_RADIUS = 2
#: Earliest and latest year accepted in a date filter.
MIN_YEAR, MAX_YEAR = 1900, 2999

_CONTROL_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}
_WORD_RE = re.compile(r"[^\W_]+")
_DMY_RE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def search_page_url() -> str | None:
    """The path of the site's search page (the first page of kind ``search``), or None.

    The one in the current language comes first (``/en/search`` on English pages).
    """
    language = current_locale()
    pages = sorted(
        (
            page
            for page in page_tree().by_id.values()
            if page.kind == "search" and page.path and page.published
        ),
        key=lambda page: (page.language != language, page.id),
    )
    return pages[0].path if pages else None


def search_kinds() -> dict[str, str]:
    """The content kinds readers can narrow a search to: kind → label (articles first)."""
    return {provider.kind: provider.label for provider in search_providers()}


def clean_text(value: str) -> str:
    """The query as typed, without control or invisible characters, spaces collapsed."""
    kept = "".join(
        " " if unicodedata.category(char) in _CONTROL_CATEGORIES else char for char in value
    )
    return " ".join(kept.split())


def parse_date(value: str) -> date | None:
    """``dd/mm/yyyy`` (also with ``.`` or ``-``) or ``yyyy-mm-dd``; None when it is not a date."""
    value = value.strip()
    if len(value) > 10:
        return None
    match = _DMY_RE.match(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO_RE.match(value)
        if not match:
            return None
        year, month, day = (int(part) for part in match.groups())
    if not MIN_YEAR <= year <= MAX_YEAR:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def format_date(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


@dataclass
class SearchRequest:
    """What the query string asks for, cleaned, with a note for everything set aside."""

    text: str = ""
    category_slug: str = ""
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1
    #: One content kind (``document``), or "" for every kind.
    kind: str = ""
    notes: list[str] = field(default_factory=list)
    #: The raw values of the date fields, to show them back to the reader as typed.
    date_from_text: str = ""
    date_to_text: str = ""

    @property
    def filtered(self) -> bool:
        return bool(self.category_slug or self.date_from or self.date_to or self.kind)

    def params(self, **changes: Any) -> list[tuple[str, str]]:
        """The query-string pairs of this search, with ``changes`` applied (None drops one)."""
        values: dict[str, Any] = {
            QUERY_PARAMETER: self.text,
            CATEGORY_PARAMETER: self.category_slug,
            FROM_PARAMETER: self.date_from.isoformat() if self.date_from else "",
            TO_PARAMETER: self.date_to.isoformat() if self.date_to else "",
            KIND_PARAMETER: self.kind,
            PAGE_PARAMETER: str(self.page) if self.page > 1 else "",
        }
        values.update(changes)
        return [(key, str(value)) for key, value in values.items() if value not in ("", None)]

    def href(self, base: str = "", **changes: Any) -> str:
        return f"{base}?{urlencode(self.params(**changes))}"


def _first(ctx: BlockContext, name: str) -> str:
    value = ctx.query.get(name, "")
    return value if isinstance(value, str) else ""


def read_request(ctx: BlockContext) -> SearchRequest:
    """The search asked for by the page's query string; never raises."""
    request = SearchRequest()
    raw = _first(ctx, QUERY_PARAMETER)
    if len(raw) > MAX_QUERY_CHARS * 4:  # do not even clean megabytes of it
        raw = raw[: MAX_QUERY_CHARS * 4]
    text = clean_text(raw)
    if len(text) > MAX_QUERY_CHARS:
        cut = text[:MAX_QUERY_CHARS]
        text = cut.rsplit(" ", 1)[0] if " " in cut else cut
        request.notes.append(f"Từ khóa quá dài: chỉ tìm theo {MAX_QUERY_CHARS} ký tự đầu tiên.")
    if text and not search_terms(text):
        request.notes.append("Từ khóa chỉ có dấu câu hoặc ký hiệu; hãy nhập chữ hoặc số để tìm.")
    request.text = text

    slug = clean_text(_first(ctx, CATEGORY_PARAMETER))[:100].lower()
    if slug:
        if category_tree().by_slug(slug) is None:
            request.notes.append(
                "Không có chuyên mục đã chọn; kết quả được tìm trong mọi chuyên mục."
            )
        else:
            request.category_slug = slug

    for name, attribute, label in (
        (FROM_PARAMETER, "date_from", "Từ ngày"),
        (TO_PARAMETER, "date_to", "Đến ngày"),
    ):
        value = clean_text(_first(ctx, name))[:40]
        setattr(request, f"{attribute}_text", value)
        if not value:
            continue
        parsed = parse_date(value)
        if parsed is None:
            request.notes.append(
                f"“{label}” không phải là một ngày hợp lệ (hãy nhập theo dạng dd/mm/yyyy); "
                "bộ lọc này được bỏ qua."
            )
        else:
            setattr(request, attribute, parsed)
    if request.date_from and request.date_to and request.date_from > request.date_to:
        request.date_from, request.date_to = request.date_to, request.date_from
        request.notes.append("“Từ ngày” sau “Đến ngày”: hai ngày đã được đổi chỗ cho nhau.")

    kind = clean_text(_first(ctx, KIND_PARAMETER))[:50].lower()
    if kind:
        if kind in search_kinds():
            request.kind = kind
        else:
            request.notes.append(
                "Không có loại nội dung đã chọn; kết quả được tìm trong mọi loại nội dung."
            )

    page_text = _first(ctx, PAGE_PARAMETER).strip()
    if page_text:
        try:
            number = int(page_text) if len(page_text) <= 12 else None
        except ValueError:
            number = None
        if number is None or number < 1:
            request.notes.append("Số trang không hợp lệ; đang hiện trang đầu.")
        elif number > MAX_PAGE:
            request.notes.append(
                f"Chỉ xem được {MAX_PAGE} trang kết quả đầu tiên; hãy thêm từ khóa "
                "hoặc bộ lọc để thu hẹp kết quả."
            )
            request.page = MAX_PAGE
        else:
            request.page = number
    return request


def search_query(request: SearchRequest) -> SearchQuery:
    category_ids = None
    if request.category_slug:
        tree = category_tree()
        category = tree.by_slug(request.category_slug)
        if category is not None:
            category_ids = tuple(sorted(tree.descendant_ids(category)))
    excluded_ids = None
    tree = category_tree()
    if current_locale() == "en":
        # The English site searches English articles only (none: an id no category has).
        english = {c.id for c in tree.by_id.values() if c.language == "en"}
        category_ids = tuple(sorted(set(category_ids or english) & english)) or (0,)
    else:
        # The Vietnamese site leaves out the articles of the other languages' categories
        # (documents and questions, which have no category, stay in).
        other = sorted(c.id for c in tree.by_id.values() if c.language != current_locale())
        excluded_ids = tuple(other) or None
    return SearchQuery(
        text=request.text,
        kinds=(request.kind,) if request.kind else None,
        category_ids=category_ids,
        excluded_category_ids=excluded_ids,
        date_from=request.date_from,
        date_to=request.date_to,
        page=request.page,
        per_page=PER_PAGE,
    )


def page_numbers(current: int, last: int, radius: int = PAGER_RADIUS) -> list[int | None]:
    """Page numbers to link, ``None`` for a gap: ``[1, None, 4, 5, 6, 7, 8, None, 20]``."""
    if last <= 1:
        return [1] if last == 1 else []
    shown = {1, last, *range(max(1, current - radius), min(last, current + radius) + 1)}
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(shown):
        if number - previous == 2:  # a gap of one page: show it rather than "…"
            numbers.append(previous + 1)
        elif number - previous > 2:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


def original_words(text: str) -> list[str]:
    """The words of the query as typed (diacritics kept), for "search with fewer words"."""
    return _WORD_RE.findall(text)[:32]


# ---------------------------------------------------------------------------
# search_box
# ---------------------------------------------------------------------------


class SearchBoxSettings(Form):
    placeholder = StringField(
        "Chữ gợi ý trong ô",
        description="Hiện mờ trong ô khi ô còn trống.",
        filters=[strip_text],
        validators=[Length(max=100, message="Chữ gợi ý không được dài quá %(max)d ký tự.")],
        default="Tìm tin bài…",
    )


class SearchBox(Block):
    name = "search_box"
    label = "Ô tìm kiếm"
    description = (
        "Ô nhập từ khóa và nút “Tìm kiếm”, gửi tới trang tìm kiếm của cổng; "
        "đặt được ở đầu trang. Tìm được cả khi gõ không dấu."
    )
    group = "Tìm kiếm"
    settings_form = SearchBoxSettings
    template = "search_box/box.html"
    css = ("search_box.css",)
    # The box is the same on every page; it names the search page's path.
    cache = CachePolicy(timeout=600, vary_on={"locale"}, tags={"pages"})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        return {"action": search_page_url(), "parameter": QUERY_PARAMETER}


# ---------------------------------------------------------------------------
# search_results
# ---------------------------------------------------------------------------


def _newest_articles(count: int = 5) -> list:
    query = ArticleQuery(limit=count, language=current_locale())
    return list(fetch_article_lists([query])[query])


def _matching_categories(terms: list[str], limit: int = 5) -> list:
    """Categories whose name has a word starting with a searched word (compared folded)."""
    wanted = [term for term in terms if len(term) >= 2]
    if not wanted:
        return []
    found = []
    for category in category_tree().by_id.values():
        if category.language != current_locale():
            continue
        words = fold(category.name).split()
        if any(word.startswith(term) for term in wanted for word in words):
            found.append(category)
    return sorted(found, key=lambda c: (c.position, c.name))[:limit]


class SearchResultsBlock(Block):
    name = "search_results"
    label = "Kết quả tìm kiếm"
    description = (
        "Kết quả tìm theo từ khóa trong địa chỉ trang (?q=…): số kết quả, tiêu đề và "
        "đoạn trích có tô sáng từ khóa, ngày, chuyên mục, phân trang; gợi ý khi không có kết quả."
    )
    group = "Tìm kiếm"
    template = "search_results/results.html"
    css = ("search_results.css",)
    # Varies on the query string; short-lived, since scheduled articles appear
    # without any event. Publishing, edits and category changes purge it.
    cache = CachePolicy(
        timeout=120,
        vary_on={"locale", "page", "query"},
        tags={"articles", "categories"},
        query_params=SEARCH_PARAMETERS,
    )

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        request = read_request(ctx)
        base = search_page_url() or ""
        # The page's h1 is the layout's (its title); hits are h2 under it.
        context: dict[str, Any] = {
            "request": request,
            "notes": request.notes,
            "results": None,
            "hits": [],
            "categories": {},
            "suggestions": None,
            "base": base,
            "kind_labels": {},
        }
        if not search_terms(request.text):
            return context

        # portal.search, the function: ``from portal import search`` reads to import-linter
        # like the forbidden module portal.search.
        results: SearchResults = portal.search(search_query(request))
        tree = category_tree()
        last = results.page_count
        context.update(
            results=results,
            hits=results.hits,
            # Hits of other kinds than articles say what they are ("Văn bản").
            kind_labels=search_kinds()
            if any(hit.kind != "article" for hit in results.hits)
            else {},
            categories={
                hit.category_id: tree.get(hit.category_id)
                for hit in results.hits
                if hit.category_id is not None
            },
            page_links=[
                (number, request.href(base, **{PAGE_PARAMETER: number if number > 1 else None}))
                if number is not None
                else (None, "")
                for number in page_numbers(request.page, last)
            ],
            prev_href=request.href(
                base, **{PAGE_PARAMETER: request.page - 1 if request.page > 2 else None}
            )
            if request.page > 1 and request.page <= last
            else None,
            next_href=request.href(base, **{PAGE_PARAMETER: request.page + 1})
            if request.page < last
            else None,
        )
        if results.total and not results.hits and request.page > last:
            context["past_last"] = {
                "first": request.href(base, **{PAGE_PARAMETER: None}),
                "last": request.href(base, **{PAGE_PARAMETER: last if last > 1 else None}),
                "last_number": last,
            }
        if not results.total:
            context["suggestions"] = self.suggestions(request, base)
        return context

    @staticmethod
    def suggestions(request: SearchRequest, base: str) -> dict[str, Any]:
        """What to offer when nothing matched: fewer words, categories by name, the newest."""
        words = original_words(request.text)
        fewer = []
        if len(words) > 1:
            for index in range(min(len(words), 6)):
                shorter = " ".join(words[:index] + words[index + 1 :])
                fewer.append((shorter, request.href(base, q=shorter, trang=None)))
        return {
            "fewer": fewer,
            "without_filters": request.href(
                base,
                **{
                    CATEGORY_PARAMETER: None,
                    FROM_PARAMETER: None,
                    TO_PARAMETER: None,
                    KIND_PARAMETER: None,
                    PAGE_PARAMETER: None,
                },
            )
            if request.filtered
            else None,
            "categories": [
                (category, category_url(category))
                for category in _matching_categories(search_terms(request.text))
            ],
            "newest": _newest_articles(),
        }


# ---------------------------------------------------------------------------
# search_filters
# ---------------------------------------------------------------------------


class SearchFiltersSettings(Form):
    title = StringField(
        "Tiêu đề khối",
        filters=[strip_text],
        validators=[Length(max=200, message="Tiêu đề không được dài quá %(max)d ký tự.")],
        default="Bộ lọc tìm kiếm",
    )


class SearchFilters(Block):
    name = "search_filters"
    label = "Bộ lọc tìm kiếm"
    description = (
        "Ô từ khóa, chọn chuyên mục và khoảng ngày cho trang tìm kiếm; "
        "dùng được cả khi trình duyệt tắt JavaScript."
    )
    group = "Tìm kiếm"
    settings_form = SearchFiltersSettings
    template = "search_filters/filters.html"
    css = ("search_filters.css",)
    cache = CachePolicy(
        timeout=300,
        vary_on={"locale", "page", "query"},
        tags={"categories"},
        query_params=SEARCH_PARAMETERS,
    )

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        request = read_request(ctx)
        tree = category_tree()
        choices: list[tuple[str, str]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for category in tree.children.get(parent_id, []):
                choices.append((category.slug, "— " * depth + category.name))
                walk(category.id, depth + 1)

        walk(None, 0)
        kinds = search_kinds()
        return {
            # Offered when plugins add kinds to the index (documents, questions ...).
            "kinds": list(kinds.items()) if len(kinds) > 1 else [],
            "action": search_page_url() or "",
            "request": request,
            "choices": choices,
            # As the site writes dates; what the reader typed when it was not a date.
            "date_from": format_date(request.date_from) or request.date_from_text,
            "date_to": format_date(request.date_to) or request.date_to_text,
            "clear_href": request.href(
                search_page_url() or "",
                **{
                    CATEGORY_PARAMETER: None,
                    FROM_PARAMETER: None,
                    TO_PARAMETER: None,
                    KIND_PARAMETER: None,
                    PAGE_PARAMETER: None,
                },
            )
            if request.filtered
            else None,
            "parameters": {
                "q": QUERY_PARAMETER,
                "category": CATEGORY_PARAMETER,
                "from": FROM_PARAMETER,
                "to": TO_PARAMETER,
                "kind": KIND_PARAMETER,
            },
        }


@hookimpl
def portal_register_blocks():
    return [SearchBox, SearchResultsBlock, SearchFilters]


@hookimpl
def portal_compliance_checks():
    return [search_check()]


__all__ = [
    "SearchBox",
    "SearchFilters",
    "SearchResultsBlock",
    "clean_text",
    "format_date",
    "page_numbers",
    "parse_date",
    "read_request",
    "search_page_url",
]
