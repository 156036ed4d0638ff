"""URL builders compiled once per process (portal/url_rules.py)."""

from __future__ import annotations

from flask import url_for

from portal.testing import make_app


def builders(app, endpoint: str):
    rule = next(app.url_map.iter_rules(endpoint))
    return rule._build.__func__, rule._build_unknown.__func__


def test_a_second_app_takes_the_builders_the_first_compiled():
    first, second = make_app(), make_app()
    assert builders(first, "reader.article") == builders(second, "reader.article")
    assert builders(first, "reader.article") != builders(first, "reader.category")


def test_shared_builders_build_each_apps_own_urls():
    first = make_app(config={"PORTAL_BASE_URL": "https://mot.example.vn"})
    second = make_app(config={"PORTAL_BASE_URL": "https://hai.example.vn"})
    for app, host in ((first, "mot.example.vn"), (second, "hai.example.vn")):
        with app.test_request_context("/", base_url=f"https://{host}/"):
            assert url_for("reader.article", article_id=7, slug="ban-tin") == (
                "/bai-viet/7-ban-tin"
            )
            assert url_for("reader.article", article_id=7, slug="ban-tin", trang=2).endswith(
                "?trang=2"
            )
            assert url_for("reader.home", _external=True) == f"https://{host}/"
