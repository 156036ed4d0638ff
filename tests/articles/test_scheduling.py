"""Scheduled publication: a future publication time hides a published article from
readers until that moment, with no extra process. No sleeping: the stored time is
moved into the past to stand for the moment arriving."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from admin.admin_helpers import text_of

from portal.extensions import db
from portal.models import Article, utcnow
from portal.site import ArticleQuery, fetch_article_lists

from .conftest import article_fields, load, make_article, notes, post_article


def listed_ids(app) -> list[int]:
    with app.app_context():
        query = ArticleQuery(limit=50)
        return [a.id for a in fetch_article_lists([query])[query]]


def test_publish_later_then_the_time_comes(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="review")
    when = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    response = post_article(
        clients["editor"],
        f"/admin/articles/{article_id}",
        article_fields(site["category"], intent="publish",
                       publish_date=when.strftime("%Y-%m-%d"), publish_time=when.strftime("%H:%M")),
    )  # fmt: skip

    article = load(app, article_id)
    assert (article.status, article.is_public) == ("published", False)
    assert article.published_at == when.replace(second=0, microsecond=0)
    assert notes(app, article_id)[-1].action == "schedule"
    flashed = text_of(clients["editor"].get(response.headers["Location"]).get_data(as_text=True))
    assert f"Đã lưu và hẹn giờ xuất bản lúc {when:%H:%M %d/%m/%Y}." in flashed
    reader = app.test_client()
    assert reader.get(f"/bai-viet/{article_id}-{article.slug}").status_code == 404
    assert article_id not in listed_ids(app)
    listing = clients["editor"].get("/admin/articles?status=scheduled").get_data(as_text=True)
    assert "Hẹn giờ" in text_of(listing) and article.title in listing
    dashboard = text_of(clients["editor"].get("/admin/").get_data(as_text=True))
    assert "Hẹn giờ xuất bản (1)" in dashboard
    assert f"hiện từ {when:%H:%M %d/%m/%Y}" in dashboard

    with app.app_context():  # the publication time arrives
        db.session.get(Article, article_id).published_at = utcnow() - timedelta(minutes=1)
        db.session.commit()

    assert reader.get(f"/bai-viet/{article_id}-{article.slug}").status_code == 200
    assert article_id in listed_ids(app)
    listing = clients["editor"].get("/admin/articles?status=scheduled").get_data(as_text=True)
    assert article.title not in listing


def test_publish_now_without_a_time(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="review")
    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], intent="publish"))  # fmt: skip
    article = load(app, article_id)
    assert article.is_public
    assert utcnow() - article.published_at < timedelta(minutes=5)
    assert app.test_client().get(f"/bai-viet/{article_id}-{article.slug}").status_code == 200


def test_unpublished_articles_disappear_and_can_come_back(app, site, clients):
    from admin.admin_helpers import csrf_of

    article_id = site["article"]
    article = load(app, article_id)
    reader = app.test_client()
    page = clients["editor"].get(f"/admin/articles/{article_id}").get_data(as_text=True)
    clients["editor"].post(f"/admin/articles/{article_id}/unpublish",
                           data={"csrf_token": csrf_of(page), "version": article.version})  # fmt: skip
    assert load(app, article_id).status == "archived"
    assert reader.get(f"/bai-viet/{article_id}-{article.slug}").status_code == 404

    # The form shows the old publication time; publishing again keeps it.
    page = clients["editor"].get(f"/admin/articles/{article_id}").get_data(as_text=True)
    shown_date = re.search(r'name="publish_date"[^>]*value="([^"]+)"', page).group(1)
    shown_time = re.search(r'name="publish_time"[^>]*value="([^"]+)"', page).group(1)
    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], title=article.title, intent="publish",
                                publish_date=shown_date, publish_time=shown_time))  # fmt: skip
    again = load(app, article_id)
    assert (again.status, again.published_at) == ("published", article.published_at)
    assert reader.get(f"/bai-viet/{article_id}-{again.slug}").status_code == 200


def test_publishing_with_the_time_cleared_means_now(app, site, users, clients):
    article_id = make_article(app, created_by=users["author"], status="archived",
                              published_at=utcnow() + timedelta(days=30))  # fmt: skip
    post_article(clients["editor"], f"/admin/articles/{article_id}",
                 article_fields(site["category"], intent="publish"))  # fmt: skip
    article = load(app, article_id)
    assert article.is_public
    assert utcnow() - article.published_at < timedelta(minutes=5)
