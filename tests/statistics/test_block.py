"""The block "Thống kê truy cập", its compliance check and its demo totals."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from blocks.statistics import portal_compliance_checks
from blocks.statistics.demo import DEMO_DAYS, load_demo
from blocks.statistics.figures import format_number
from blocks.statistics.models import DailyVisitors
from portal import Actor, site_now
from portal.extensions import db
from portal.testing import assert_block_contract, place_block, render_block, render_page

from .helpers import FIREFOX, flush, visit, with_home

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def figures_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-figure="(\w+)">([^<]*)<', html))


def test_the_block_shows_the_three_figures_formatted_for_the_language(app, client):
    with_home(app)
    with app.app_context():
        today = site_now().date()
        db.session.add(DailyVisitors(day=today - timedelta(days=1), visitors=1_234_000))
        db.session.commit()
    visit(client, FIREFOX)
    visit(client, FIREFOX, ip="192.0.2.44")
    flush(app)
    html = render_block(app, "visitor_statistics", {"title": "Thống kê truy cập"})
    assert figures_in(html) == {"online": "2", "today": "2", "total": "1.234.002"}
    assert "Đang truy cập" in html and "Tổng lượt truy cập" in html
    assert 'id="thong-ke-0"' in html and "<h2" in html
    assert figures_in(render_block(app, "visitor_statistics", {}, locale="en"))["total"] == (
        "1,234,002"
    )
    assert format_number(797361, "vi") == "797.361"


def test_the_block_keeps_the_contract(app):
    from blocks.statistics import VisitorStatistics

    assert_block_contract(
        VisitorStatistics, app, sample_settings=[{"title": ""}, {"title": "Số liệu"}]
    )


def test_compliance_is_met_once_the_block_is_on_a_page(app, client):
    with_home(app)
    with app.test_request_context("/"):
        (check,) = portal_compliance_checks()
    assert (check.key, check.met) == ("statistics", False)
    assert check.fix_url == "/admin/pages"
    with app.app_context():
        place_block(app, "/", "main", "visitor_statistics", {"title": "Thống kê truy cập"})
    assert figures_in(render_page(client, "/"))  # readers see it on the home page
    with app.test_request_context("/"):
        (check,) = portal_compliance_checks()
    assert check.met and "1 trang" in check.detail


def test_the_demo_adds_a_year_of_totals_once(app):
    with app.app_context():
        assert load_demo(Actor.system("Nội dung mẫu")) == f"thống kê truy cập {DEMO_DAYS} ngày"
        rows = db.session.scalars(db.select(DailyVisitors).order_by(DailyVisitors.day)).all()
        assert len(rows) == DEMO_DAYS and rows[-1].day == site_now().date() - timedelta(days=1)
        assert all(500 <= row.visitors <= 3300 for row in rows)
        assert load_demo(Actor.system("Nội dung mẫu")) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(DailyVisitors)) == DEMO_DAYS
