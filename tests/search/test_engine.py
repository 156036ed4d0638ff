"""Searching a seeded index: Vietnamese matching, ranking, filters, pages, any input.

One app per database for the whole module (the cases only read); the index is
filled through the engine in use, as the content events would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.extensions import db
from portal.search import SearchDocument, SearchQuery, search, search_engine
from portal.testing import make_app

from .conftest import database_url_for, drop_app, engine_params

NOW = datetime.now(UTC).replace(microsecond=0)
# 00:30 on 1 March 2024 in Hà Nội is still 29 February in UTC.
LOCAL_MIDNIGHT_PAST = datetime(2024, 2, 29, 17, 30, tzinfo=UTC)


def doc(object_id, title, lead="", body="", *, ago=None, at=None, category=1, kind="article"):
    return SearchDocument(
        kind=kind,
        object_id=object_id,
        title=title,
        lead=lead,
        body=body,
        url=f"/bai-viet/{object_id}",
        published_at=at if at is not None else NOW - (ago or timedelta(days=1)),
        category_id=category,
    )


DOCUMENTS = [
    doc(1, "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW", "Tỉnh ủy tổng kết.",
        ago=timedelta(days=10)),
    doc(2, "Hội nghị tổng kết", "Bắc Kạn đánh giá việc thực hiện chỉ thị",
        "Nội dung chi tiết của hội nghị.", ago=timedelta(days=2), category=2),
    doc(3, "Đường giao thông nông thôn", "Làm đường mới.",
        "Nhiều xã của Bắc Kạn đã có đường bê tông.", ago=timedelta(days=1)),
    doc(4, "Bắc Kạn: chỉ thị mới về rừng", "", "", ago=timedelta(hours=1), category=2),
    doc(5, "Bắc Kạn năm tới", "Bài hẹn giờ", "", at=NOW + timedelta(days=2)),
    doc(6, "Số 30 của tạp chí", "CT TW viết tắt", "Không phải văn bản 30-CT nào.",
        ago=timedelta(days=3)),
    doc(7, "Đà Lạt mùa hoa", "Dương và đường", ago=timedelta(days=4)),
    doc(8, "Da Lat tren ban do", "Bản đồ không dấu", ago=timedelta(days=5)),
    doc(9, "Bắc Kạn trong ghi chú", kind="note", category=None, ago=timedelta(days=6)),
    doc(10, "Hội chợ đầu xuân", "Khai mạc lúc nửa đêm", at=LOCAL_MIDNIGHT_PAST, category=3),
    *[
        doc(100 + n, f"Bản tin ngắn số {n}", "Tin vắn trong ngày", ago=timedelta(minutes=n + 1),
            category=4)
        for n in range(25)
    ],
]  # fmt: skip


@pytest.fixture(scope="module", params=engine_params())
def seeded(request, tmp_path_factory):
    url = database_url_for(request.param)
    app = make_app(database_url=url, instance_path=str(tmp_path_factory.mktemp("search")))
    with app.app_context():
        search_engine().index(DOCUMENTS)
        db.session.commit()
    yield app
    drop_app(app, url)


def find(app, text, **filters):
    with app.app_context():
        return search(SearchQuery(text, **filters))


def ids(results):
    return [hit.object_id for hit in results.hits]


def test_without_diacritics_finds_with_them(seeded):
    results = find(seeded, "chi thi 30")
    assert ids(results) == [1]
    assert results.terms == ("chi", "thi", "30")
    assert "<mark>Chỉ</mark> <mark>thị</mark> số <mark>30</mark>" in results.hits[0].title_html


def test_with_and_without_diacritics_find_the_same(seeded):
    with_marks = find(seeded, "Bắc Kạn", kinds=("article",))
    without = find(seeded, "bac kan", kinds=("article",))
    assert ids(with_marks) == ids(without) == [4, 1, 2, 3]
    assert with_marks.total == 4 and with_marks.total_is_exact


def test_d_and_dj_match_both_ways(seeded):
    assert ids(find(seeded, "da lat")) == [7, 8]
    assert ids(find(seeded, "Đà Lạt")) == [7, 8]
    assert set(ids(find(seeded, "duong"))) == {3, 7}
    assert set(ids(find(seeded, "đương"))) == {3, 7}


def test_a_document_number_matches_as_typed(seeded):
    results = find(seeded, "30-CT/TW")
    assert ids(results) == [1]  # 6 has 30, CT and TW, but not together
    title = str(results.hits[0].title_html)
    assert "<mark>30</mark>-<mark>CT</mark>/<mark>TW</mark>" in title
    assert ids(find(seeded, "chỉ thị 30-ct/tw")) == [1]


def test_ranking_title_then_lead_then_body_newest_first(seeded):
    # 4 and 1 in the title (4 newer), 2 in the lead, 3 in the body only.
    assert ids(find(seeded, "bac kan", kinds=("article",))) == [4, 1, 2, 3]
    assert ids(find(seeded, "chi thi")) == [4, 1, 2]


def test_snippet_comes_from_where_the_words_are(seeded):
    hit = find(seeded, "bac kan", kinds=("article",)).hits[3]
    assert hit.object_id == 3
    assert "<mark>Bắc</mark> <mark>Kạn</mark>" in hit.snippet_html
    assert "<mark>" not in hit.title_html
    assert hit.url == "/bai-viet/3" and hit.category_id == 1


def test_future_documents_are_left_out(seeded):
    assert 5 not in ids(find(seeded, "bac kan", per_page=50))
    assert find(seeded, "hen gio").total == 0


def test_kind_and_category_filters(seeded):
    assert ids(find(seeded, "bac kan", kinds=("note",))) == [9]
    assert ids(find(seeded, "bac kan", category_ids=(2,))) == [4, 2]
    assert ids(find(seeded, "bac kan", category_ids=(1, 2), kinds=("article",))) == [4, 1, 2, 3]
    assert find(seeded, "bac kan", kinds=()).total == 0
    assert find(seeded, "bac kan", kinds=("nothing",)).total == 0
    # Leaving categories out keeps the rest, documents without a category included.
    assert ids(find(seeded, "bac kan", excluded_category_ids=(1,))) == [4, 9, 2]
    assert ids(find(seeded, "bac kan", excluded_category_ids=(1, 2), kinds=("note",))) == [9]
    assert find(seeded, "bac kan", excluded_category_ids=(1, 2, 0)).total == 1


def test_date_range_uses_the_site_time_zone(seeded):
    assert ids(find(seeded, "hoi cho", date_from=date(2024, 3, 1))) == [10]
    assert ids(find(seeded, "hoi cho", date_to=date(2024, 3, 1))) == [10]
    assert ids(find(seeded, "hoi cho", date_to=date(2024, 2, 29))) == []
    assert ids(find(seeded, "hoi cho", date_from=date(2024, 3, 2))) == []
    today = NOW.date()
    recent = find(seeded, "bac kan", date_from=today - timedelta(days=3), kinds=("article",))
    assert ids(recent) == [4, 2, 3]
    assert find(seeded, "hoi cho", date_from=date.min, date_to=date.max).total == 1
    assert find(seeded, "hoi cho", date_from=date.max).total == 0
    assert find(seeded, "hoi cho", date_from=date(2025, 1, 1), date_to=date(2024, 1, 1)).total == 0


def test_pages_and_count(seeded):
    first = find(seeded, "ban tin ngan", per_page=10)
    assert (first.total, first.page_count, first.total_is_exact) == (25, 3, True)
    assert ids(first) == [100 + n for n in range(10)]  # newest first
    third = find(seeded, "ban tin ngan", per_page=10, page=3)
    assert ids(third) == [100 + n for n in range(20, 25)]
    assert find(seeded, "ban tin ngan", page=99).hits == []
    clamped = find(seeded, "ban tin ngan", page=-3, per_page=1000)
    assert (clamped.query.page, clamped.query.per_page, len(clamped.hits)) == (1, 50, 25)
    assert find(seeded, "ban tin ngan", per_page=0).query.per_page == 1


def test_pages_cross_the_ranking_tiers(seeded):
    everything = ids(find(seeded, "bac kan", kinds=("article",)))
    paged = [ids(find(seeded, "bac kan", kinds=("article",), per_page=3, page=p)) for p in (1, 2)]
    assert paged[0] + paged[1] == everything


def test_unfinished_last_word_is_a_prefix_when_nothing_else_matches(seeded):
    results = find(seeded, "bac ka", kinds=("article",))
    assert ids(results) == [4, 1, 2, 3]
    assert "<mark>Kạn</mark>" in results.hits[0].title_html
    assert find(seeded, "bac ka ", kinds=("article",)).total == 0  # a space ends the word


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "x" * 10_000,
        "bắc " * 5_000,
        'NEAR(bac kan, 2) "bac" * ^kan -x AND OR NOT',
        "'; DROP TABLE search_documents; --",
        '"',
        "*",
        "\x00\x01\x1b[0m\u202e\ufeff",
        "title:bac {title lead}: kan",
        "%_\\",
    ],
)
def test_any_text_gives_a_normal_answer(seeded, text):
    results = find(seeded, text)
    assert results.total >= len(results.hits) >= 0


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(), page=st.integers(-5, 1000), per_page=st.integers(-5, 500))
def test_generated_queries_never_raise(seeded, text, page, per_page):
    results = find(seeded, text, page=page, per_page=per_page)
    assert 1 <= results.query.per_page <= 50 and results.query.page >= 1
    assert len(results.hits) <= results.query.per_page


def test_empty_query_searches_nothing(seeded):
    results = find(seeded, " -- ")
    assert (results.terms, results.hits, results.total, results.page_count) == ((), [], 0, 0)
