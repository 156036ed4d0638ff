"""Workflow steps that readers can see announce a content event (cache purge, plugins);
steps that change nothing for readers announce nothing."""

from __future__ import annotations

import pytest
from admin.admin_helpers import csrf_of

from .conftest import article_fields, load, make_article, post_article


@pytest.fixture
def app_plugins(test_plugin):
    return [("event_recorder", test_plugin("event_recorder"))]


def events(app) -> list[tuple[str, int, frozenset]]:
    return [(e.action, e.subject_id, e.tags) for e in app.extensions.get("test_events", [])]


def test_what_readers_can_see_is_announced(app, site, users, clients):
    editor, author = clients["editor"], clients["author"]
    response = post_article(author, "/admin/articles/new",
                            article_fields(site["category"], intent="submit"))  # fmt: skip
    article_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert events(app) == []  # a draft and a submission are invisible to readers

    url = f"/admin/articles/{article_id}"
    post_article(editor, url, article_fields(site["category"], intent="publish"))
    post_article(editor, url, article_fields(site["category"], title="Đính chính tiêu đề"))
    page = editor.get(url).get_data(as_text=True)
    editor.post(f"{url}/unpublish",
                data={"csrf_token": csrf_of(page), "version": load(app, article_id).version})  # fmt: skip
    post_article(editor, url, article_fields(site["category"], title="Sửa khi đã gỡ"))

    tags = frozenset({f"article:{article_id}", "articles", f"category:{site['category']}"})
    assert events(app) == [
        ("published", article_id, tags),
        ("edited", article_id, tags),
        ("unpublished", article_id, tags),
    ]


def test_restoring_a_published_article_is_announced(app, site, clients):
    article_id = make_article(app, created_by=None, status="published")
    url = f"/admin/articles/{article_id}"
    post_article(clients["editor"], url, article_fields(site["category"], title="Bản một"))
    post_article(clients["editor"], url, article_fields(site["category"], title="Bản hai"))
    page = clients["editor"].get(f"{url}/revisions").get_data(as_text=True)
    clients["editor"].post(f"{url}/revisions/1/restore",
                           data={"csrf_token": csrf_of(page), "version": load(app, article_id).version})  # fmt: skip
    assert [action for action, *_ in events(app)] == ["edited", "edited"]  # the form, not saved
    post_article(clients["editor"], url,
                 article_fields(site["category"], title="Bản một", restored_from="1"))  # fmt: skip
    assert [action for action, *_ in events(app)] == ["edited", "edited", "edited"]
    assert load(app, article_id).title == "Bản một"
