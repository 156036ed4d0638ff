"""The readers' search page: /tim-kiem built from the search_box, search_filters and
search_results blocks, answering ?q=… with highlighted hits, filters, pages and
suggestions, and a normal page whatever the query string holds."""

from __future__ import annotations

import re
from html import unescape

import pytest

from portal import SearchQuery, search
from portal.testing import count_queries, make_account, make_app, signed_in_client

from .conftest import (
    DRAFT_TITLE,
    FUTURE_TITLE,
    LAKE_TITLE,
    MEETINGS,
    REFERENCE_TITLE,
    TERRACES_TITLE,
    build_site,
)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def hit_titles(html: str) -> list[str]:
    """The titles of the hits as readers read them (marks removed)."""
    return [
        unescape(re.sub(r"</?mark>", "", title))
        for title in re.findall(r'class="search-hit__link" href="[^"]*">(.*?)</a>', html, re.S)
    ]


def count_line(html: str) -> str:
    found = re.search(r'<p class="search-results__count" role="status">(.*?)</p>', html, re.S)
    assert found, "no count line"
    return " ".join(unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def notes(html: str) -> list[str]:
    found = re.search(r'<div class="search-results__notes" role="note">(.*?)</div>', html, re.S)
    if not found:
        return []
    return [unescape(note) for note in re.findall(r"<p>(.*?)</p>", found.group(1), re.S)]


# -- on both databases: what is found ----------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("chi thi 30", REFERENCE_TITLE),
        ("Chỉ thị số 30-CT/TW", REFERENCE_TITLE),
        ("ruong bac thang", TERRACES_TITLE),
        ("duong len ho ba be", LAKE_TITLE),  # đ typed as d
    ],
)
def test_vietnamese_is_found_with_and_without_diacritics(app, client, search_site, query, title):
    html = get(client, f"/tim-kiem?q={query}")
    assert hit_titles(html)[0] == title
    assert count_line(html).startswith("Tìm thấy ")
    assert f"kết quả cho «{query}»" in count_line(html)
    # The words are marked in the title, the page says when and where.
    first = html.split('class="search-hit"', 2)[1]
    assert "<mark>" in first


def test_a_hit_shows_its_date_category_and_a_highlighted_snippet(app, client, search_site):
    html = get(client, "/tim-kiem?q=chi+thi+30")
    hit = html.split('<li class="search-hit">', 1)[1].split("</li>", 1)[0]
    assert f'href="/bai-viet/{search_site.articles["reference"]}-' in hit
    assert "29/11/2023" in hit
    assert ">Chính trị</a>" in hit and 'href="/chuyen-muc/chinh-tri"' in hit
    snippet = re.search(r'<p class="search-hit__snippet">(.*?)</p>', hit, re.S).group(1)
    assert "<mark>" in snippet and "30" in snippet
    assert count_line(html) == "Tìm thấy 1 kết quả cho «chi thi 30»"


def test_scheduled_and_draft_articles_are_not_found(app, client, search_site):
    html = get(client, "/tim-kiem?q=bac+kan")
    titles = hit_titles(html)
    assert REFERENCE_TITLE in titles and LAKE_TITLE in titles
    assert FUTURE_TITLE not in titles and DRAFT_TITLE not in titles


def test_category_and_date_filters(app, client, search_site):
    everywhere = hit_titles(get(client, "/tim-kiem?q=bac+kan"))
    assert {REFERENCE_TITLE, LAKE_TITLE} <= set(everywhere)
    # A parent category includes its subcategories.
    news = hit_titles(get(client, "/tim-kiem?q=bac+kan&chuyen-muc=thoi-su"))
    assert REFERENCE_TITLE in news and LAKE_TITLE not in news
    tourism = hit_titles(get(client, "/tim-kiem?q=bac+kan&chuyen-muc=van-hoa-du-lich"))
    assert LAKE_TITLE in tourism and REFERENCE_TITLE not in tourism
    # Dates as dd/mm/yyyy or yyyy-mm-dd, inclusive, in the site's time zone.
    for since in ("01/01/2024", "2024-01-01"):
        recent = hit_titles(get(client, f"/tim-kiem?q=bac+kan&tu-ngay={since}"))
        assert LAKE_TITLE in recent and REFERENCE_TITLE not in recent
    that_day = hit_titles(get(client, "/tim-kiem?q=bac+kan&tu-ngay=29/11/2023&den-ngay=29/11/2023"))
    assert that_day == [REFERENCE_TITLE]


# -- read-only checks on one shared SQLite site ------------------------------------------------


def test_results_are_paginated_with_numbers_and_previous_next(shared_client):
    first = get(shared_client, "/tim-kiem?q=hoi+nghi+giao+ban")
    assert count_line(first) == f"Tìm thấy {MEETINGS} kết quả cho «hoi nghi giao ban» · trang 1/3"
    assert len(hit_titles(first)) == 10
    assert "Trang trước" not in first
    assert 'href="/tim-kiem?q=hoi+nghi+giao+ban&amp;trang=2" rel="next"' in first
    assert 'aria-current="page"><span class="visually-hidden">Trang </span>1</span>' in first
    assert (
        'href="/tim-kiem?q=hoi+nghi+giao+ban&amp;trang=3"><span class="visually-hidden">' in first
    )

    second = get(shared_client, "/tim-kiem?q=hoi+nghi+giao+ban&trang=2")
    assert 'href="/tim-kiem?q=hoi+nghi+giao+ban" rel="prev"' in second
    assert 'href="/tim-kiem?q=hoi+nghi+giao+ban&amp;trang=3" rel="next"' in second
    assert '<ol class="search-results__list" start="11">' in second
    assert not set(hit_titles(first)) & set(hit_titles(second))

    last = get(shared_client, "/tim-kiem?q=hoi+nghi+giao+ban&trang=3")
    assert len(hit_titles(last)) == MEETINGS - 20
    assert "Trang sau" not in last
    # Every article once over the three pages.
    seen = hit_titles(first) + hit_titles(second) + hit_titles(last)
    assert len(set(seen)) == MEETINGS


def test_filters_keep_the_words_and_offer_the_categories(shared_client):
    html = get(shared_client, "/tim-kiem?q=bac+kan&chuyen-muc=chinh-tri&tu-ngay=01/11/2023")
    form = html.split('class="search-filters__form"', 1)[1].split("</form>", 1)[0]
    assert 'action="/tim-kiem"' in html.split('class="search-filters__form"', 1)[1][:80]
    assert 'name="q" value="bac kan"' in form
    assert '<option value="chinh-tri" selected>— Chính trị</option>' in form
    assert '<option value="thoi-su">Thời sự</option>' in form
    assert 'name="tu-ngay" value="01/11/2023" inputmode="numeric"' in form
    assert 'name="den-ngay" value=""' in form
    # A date that is not one comes back as typed, to be corrected.
    typo = get(shared_client, "/tim-kiem?q=bac&den-ngay=31/02/2024")
    assert 'name="den-ngay" value="31/02/2024"' in typo
    # Filters on: a link drops them and keeps the words.
    assert 'href="/tim-kiem?q=bac+kan">Bỏ bộ lọc</a>' in form


def test_the_page_number_past_the_last_says_so(shared_client):
    html = get(shared_client, "/tim-kiem?q=hoi+nghi+giao+ban&trang=7")
    assert hit_titles(html) == []
    assert "Trang 7 không có kết quả: các kết quả chỉ có 3 trang." in unescape(html)
    assert 'href="/tim-kiem?q=hoi+nghi+giao+ban&amp;trang=3">Đến trang cuối</a>' in html


def test_no_results_gives_suggestions_never_an_error(shared_client):
    html = get(shared_client, "/tim-kiem?q=du+lich+xyzzyq")
    assert count_line(html) == "Không tìm thấy kết quả nào cho «du lich xyzzyq»."
    suggestions = html.split('class="search-suggestions"', 1)[1]
    # Dropping one word at a time, as typed.
    fewer = re.findall(r'class="search-suggestions__fewer" href="([^"]+)">([^<]+)</a>', suggestions)
    assert [words for _href, words in fewer] == ["lich xyzzyq", "du xyzzyq", "du lich"]
    assert fewer[2][0] == "/tim-kiem?q=du+lich"
    # A category whose name starts like a searched word (compared folded).
    assert '<a href="/chuyen-muc/van-hoa-du-lich">Văn hóa – Du lịch</a>' in suggestions
    assert "Kiểm tra lại chính tả" in suggestions
    # The newest public articles (the scheduled one is not among them).
    newest = suggestions.split('class="search-suggestions__newest"', 1)[1]
    assert "Hội nghị giao ban số 23" in newest and FUTURE_TITLE not in newest


def test_no_results_with_filters_offers_to_drop_them(shared_client):
    html = get(shared_client, "/tim-kiem?q=ba+be&chuyen-muc=chinh-tri")
    assert "với bộ lọc đã chọn" in count_line(html)
    assert 'href="/tim-kiem?q=ba+be">Tìm lại trong mọi chuyên mục và mọi ngày</a>' in html


def test_an_empty_query_gets_a_friendly_prompt(shared_client):
    for url in ("/tim-kiem", "/tim-kiem?q=", "/tim-kiem?q=+++"):
        html = get(shared_client, url)
        assert "Nhập từ khóa vào ô tìm kiếm để tìm tin bài." in html
        assert 'class="search-hit"' not in html and "Không tìm thấy" not in html


BAD_INPUT = [
    pytest.param("q=" + "a" * 10_000, "Từ khóa quá dài", id="10000-chars"),
    pytest.param("q=" + "bắc kạn " * 2_000, "Từ khóa quá dài", id="10000-words"),
    pytest.param("q=bac%00kan%01%1b%7f", None, id="control-chars"),
    pytest.param("q=%22bac+kan%22+%27", None, id="quotes"),
    pytest.param("q=%27%3B+DROP+TABLE+articles%3B+--", None, id="sql"),
    pytest.param("q=bac*+OR+kan+NEAR(x+y)+-ba+%5E%7Bti%7D+AND+NOT", None, id="fts-syntax"),
    pytest.param("q=%22%22%22%2A%2A%28%29%3A%5E", "chỉ có dấu câu hoặc ký hiệu", id="only-syntax"),
    pytest.param("q=%F0%9F%98%80+%E2%80%AE", "chỉ có dấu câu hoặc ký hiệu", id="emoji-bidi"),
    pytest.param("q=%ff%fe", None, id="bad-utf8"),
    pytest.param(
        "q=bac&tu-ngay=31/02/2024", "“Từ ngày” không phải là một ngày hợp lệ", id="no-such-day"
    ),
    pytest.param(
        "q=bac&den-ngay=hom-qua", "“Đến ngày” không phải là một ngày hợp lệ", id="words-as-date"
    ),
    pytest.param(
        "q=bac&tu-ngay=99999-01-01", "“Từ ngày” không phải là một ngày hợp lệ", id="year-99999"
    ),
    pytest.param("q=bac&tu-ngay=2024-12-01&den-ngay=2024-01-01", "đổi chỗ", id="dates-reversed"),
    pytest.param("q=bac&chuyen-muc=%27%3B--", "Không có chuyên mục đã chọn", id="no-such-category"),
    pytest.param("q=bac&trang=abc", "Số trang không hợp lệ", id="page-abc"),
    pytest.param("q=bac&trang=-1", "Số trang không hợp lệ", id="page-negative"),
    pytest.param("q=bac&trang=0", "Số trang không hợp lệ", id="page-zero"),
    pytest.param("q=bac&trang=99999999999999999999999", "Số trang không hợp lệ", id="page-huge"),
    pytest.param("q=bac&trang=5000", "Chỉ xem được 100 trang", id="page-too-deep"),
    pytest.param("q=bac&q=kan&trang=1&trang=2", None, id="repeated"),
    pytest.param("q[]=bac&chuyen-muc[]=x", None, id="php-arrays"),
]


@pytest.mark.parametrize(("query", "note"), BAD_INPUT)
def test_bad_input_gives_a_normal_page_with_a_clear_note(shared_client, query, note):
    html = get(shared_client, f"/tim-kiem?{query}")
    assert 'class="search-results"' in html
    assert "Traceback" not in html and "block-notice--error" not in html
    if note is None:
        assert notes(html) == []
    else:
        assert any(note in text for text in notes(html)), notes(html)
    # Whatever came in is shown escaped, never as markup.
    assert "<script" not in html.split('class="search-results"', 1)[1]


def test_what_was_typed_is_shown_escaped(shared_client):
    html = get(shared_client, "/tim-kiem?q=%3Cscript%3Ealert(1)%3C/script%3E+bac")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; bac" in html


def test_the_search_page_runs_a_pinned_number_of_queries(shared_app):
    """Page tree, placements, categories, then exactly what one search costs the engine.

    The blocks add nothing per hit (categories come from the tree), and the
    filters and results share the category tree.
    """
    client = shared_app.test_client()
    with count_queries(shared_app) as statements:
        get(client, "/tim-kiem?q=bac+kan&chuyen-muc=thoi-su")
    with shared_app.app_context():
        politics = tuple(
            sorted(shared_app.search_site.categories[s] for s in ("thoi-su", "chinh-tri"))
        )
        with count_queries(shared_app) as engine:
            search(SearchQuery(text="bac kan", category_ids=politics, per_page=10))
    assert engine, "the engine ran no query"
    assert len(statements) == PINNED_PAGE_QUERIES + len(engine), "\n\n".join(statements)
    assert statements[PINNED_PAGE_QUERIES:] == engine
    with count_queries(shared_app) as empty:
        get(client, "/tim-kiem")
    assert len(empty) == PINNED_PAGE_QUERIES, "\n\n".join(empty)


#: Queries of the search page besides the engine's, cold cache: page and category trees
#: (one statement), placements of the page's chain.
PINNED_PAGE_QUERIES = 2


# -- the search box -----------------------------------------------------------------------------


def test_the_box_in_the_header_submits_to_the_search_page(shared_client):
    html = get(shared_client, "/")
    form = re.search(r'<form class="search-box"[^>]*>.*?</form>', html, re.S).group(0)
    assert 'role="search"' in form and 'method="get"' in form and 'action="/tim-kiem"' in form
    field_id = re.search(r'<input class="search-box__input" id="([^"]+)"[^>]*name="q"', form).group(
        1
    )
    assert f'<label class="visually-hidden" for="{field_id}">Từ khóa tìm kiếm</label>' in form
    assert ">Tìm kiếm</span>" in form and 'type="submit"' in form
    # Inherited by the search page too.
    assert 'class="search-box"' in get(shared_client, "/tim-kiem?q=bac")


def test_without_a_search_page_readers_see_no_box_and_editors_a_hint():
    app = make_app()
    build_site(app, with_search_page=False)
    reader = get(app.test_client(), "/")
    assert 'class="search-box"' not in reader and "chưa có trang tìm kiếm" not in reader
    editor = signed_in_client(app, make_account(app, "editor"))
    html = get(editor, "/")
    assert 'class="search-box"' not in html
    assert "Trang web chưa có trang tìm kiếm" in html


def test_cached_results_vary_on_the_query_string():
    """With the block cache on, a repeated search costs no engine query and another
    query string never gets the first one's results."""
    app = make_app(config={"PORTAL_CACHE_URL": "memory"})
    build_site(app)
    client = app.test_client()
    first = hit_titles(get(client, "/tim-kiem?q=chi+thi+30"))
    with count_queries(app) as again:
        assert hit_titles(get(client, "/tim-kiem?q=chi+thi+30")) == first
    assert not any("search_" in statement for statement in again), "\n\n".join(again)
    assert hit_titles(get(client, "/tim-kiem?q=ba+be")) == [LAKE_TITLE]
    assert hit_titles(get(client, "/tim-kiem?q=chi+thi+30&trang=1")) == first


def test_a_capped_count_says_more_than(shared_client, monkeypatch):
    """Engines may stop counting (the SQLite engine at COUNT_CAP): "Tìm thấy hơn N"."""
    from portal.search import sqlite as sqlite_engine

    monkeypatch.setattr(sqlite_engine, "COUNT_CAP", 12)
    html = get(shared_client, "/tim-kiem?q=hoi+nghi+giao+ban")
    assert count_line(html).startswith("Tìm thấy hơn "), count_line(html)
    assert len(hit_titles(html)) == 10
    assert 'rel="next"' in html
