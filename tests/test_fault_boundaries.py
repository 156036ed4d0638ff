"""A broken plugin never takes the site down (issue: fault boundaries).

One site with the demo content and, at once: a plugin whose import fails,
plugins whose ``portal_register_blocks`` returns wrong types, and blocks that
fail in ``get_context``, in their template, in ``prefetch`` and by returning a
wrong type. Every page still renders with all its other blocks; readers see no
error text; editors see which block failed and why.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.content.demo import load_demo
from portal.extensions import db
from portal.models import Article, Page, Placement
from portal.plugins import plugins_of


@pytest.fixture
def app_config(plugins_dir):
    return {
        "PORTAL_PLUGINS_DIR": plugins_dir("broken_import", "faulty_blocks"),
        "PORTAL_STRICT_BLOCKS": False,  # as in production
    }


@pytest.fixture
def app_plugins(test_plugin):
    wrong = test_plugin("wrong_returns")
    return [("not_a_list", wrong.NotAList()), ("not_a_block", wrong.NotABlock())]


@pytest.fixture
def site(app, test_plugin):
    faults = test_plugin("faulty_blocks").FAILURES
    with app.app_context():
        load_demo()
        home = db.session.scalar(select(Page).where(Page.path == "/"))
        for position, name in enumerate(faults):
            db.session.add(
                Placement(page_id=home.id, region="main", position=100 + position, block_name=name)
            )
        db.session.commit()
        article = db.session.scalar(
            select(Article)
            .where(Article.public_filter(), Article.language == "vi")
            .order_by(Article.id)
            .limit(1)
        )
        urls = ["/", "/chuyen-muc/thoi-su", f"/bai-viet/{article.id}-{article.slug}"]
        ids = {
            p.block_name: p.id
            for p in db.session.scalars(select(Placement).where(Placement.block_name.in_(faults)))
        }
        lists_on_home = len(
            db.session.scalars(
                select(Placement).where(
                    Placement.page_id == home.id, Placement.block_name == "article_list"
                )
            ).all()
        )
    return {"urls": urls, "faults": faults, "placement_ids": ids, "lists_on_home": lists_on_home}


def test_start_up_reports_the_broken_plugins_and_loads_the_rest(app):
    plugins = plugins_of(app)
    assert plugins.plugins["broken_import"].status == "failed"
    assert "ModuleNotFoundError" in plugins.plugins["broken_import"].error
    assert plugins.plugins["not_a_list"].status == "failed"
    assert plugins.plugins["not_a_block"].status == "failed"
    assert "innocent_bystander" not in plugins.blocks
    assert {"bulletin_view", "article_list", "broken_context"} <= set(plugins.blocks)


def test_readers_get_every_page_without_error_text(app, site):
    client = app.test_client()
    for url in site["urls"]:
        html = client.get(url).get_data(as_text=True)
        assert client.get(url).status_code == 200, url
        assert "secret detail" not in html and "Traceback" not in html
        assert "block-notice" not in html
        assert 'class="block block--site_header"' in html  # the other blocks are all there
        assert 'class="block block--site_footer"' in html
    home = client.get("/").get_data(as_text=True)
    assert home.count('class="block block--article_list"') == site["lists_on_home"]


def test_editors_see_which_block_failed_and_why(app, site, editor_client_for):
    html = editor_client_for(app).get("/").get_data(as_text=True)
    for name, reason in site["faults"].items():
        assert f"({name}) bị lỗi" in html
        assert f"Vị trí #{site['placement_ids'][name]}" in html
        assert reason.split(":")[0] in html
    assert 'class="block block--article_list"' in html


def test_each_failure_is_logged_with_its_placement(app, site, caplog):
    app.test_client().get("/")
    for name, placement_id in site["placement_ids"].items():
        assert any(
            name in record.getMessage() and f"placement {placement_id}" in record.getMessage()
            for record in caplog.records
        ), name
