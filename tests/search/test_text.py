"""Folding, query terms, highlights and snippets (no database)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from portal.search.text import (
    MAX_TERM_LENGTH,
    MAX_TERMS,
    fold,
    highlight,
    search_terms,
    snippet,
    term_groups,
)


def test_fold_vietnamese():
    assert fold("Bắc Kạn") == "bac kan"
    assert fold("ĐẢNG ỦY Đồng") == "dang uy dong"
    assert fold("Chỉ thị số 30-CT/TW") == "chi thi so 30-ct/tw"
    assert fold("ưƯơƠăĂâÂêÊôÔ") == "uuooaaaaeeoo"


@given(st.text())
def test_fold_keeps_one_char_per_char(text):
    assert len(fold(text)) == len(text)


def test_search_terms():
    assert search_terms("Chỉ thị số 30-CT/TW") == ["chi", "thi", "so", "30", "ct", "tw"]
    assert search_terms("") == []
    assert search_terms("\"'; drop table x --") == ["drop", "table", "x"]
    assert search_terms('NEAR(a b) * ^ "') == ["near", "a", "b"]
    assert term_groups("chỉ thị 30-CT/TW") == [("chi",), ("thi",), ("30", "ct", "tw")]


def test_search_terms_limits():
    terms = search_terms(" ".join(["x" * 100] * 100))
    assert len(terms) == MAX_TERMS
    assert all(len(term) == MAX_TERM_LENGTH for term in terms)


def test_decomposed_query_folds_like_composed():
    assert search_terms("Ba\u0306\u0301c Ka\u0323n") == ["bac", "kan"]


def test_highlight_marks_folded_matches_in_original():
    assert str(highlight("Bắc Kạn <đẹp>", ["bac", "dep"])) == (
        "<mark>Bắc</mark> Kạn &lt;<mark>đẹp</mark>&gt;"
    )
    assert str(highlight("Bắc Kạn", ["ka"], prefix="ka")) == "Bắc <mark>Kạn</mark>"


def test_snippet_window_around_first_match():
    text = (
        " ".join(f"w{i}" for i in range(100)) + " Đà Lạt " + " ".join(f"v{i}" for i in range(100))
    )
    html = str(snippet(text, ["da"], words=10))
    assert html.startswith("… ") and html.endswith(" …")
    assert "<mark>Đà</mark>" in html
    assert len(html.replace("… ", "").replace(" …", "").split()) == 10
    assert str(snippet("ngắn <b>", ["khong"])) == "ngắn &lt;b&gt;"
    assert str(snippet("", ["x"])) == ""
