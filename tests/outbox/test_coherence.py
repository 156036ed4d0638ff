"""With the in-process cache, a change made by another process (a command, another worker)
is seen by this process on its next request: the writer bumps the stamp in the instance
folder, the reader purges what the new outbox rows name."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from portal.content import coherence, tags
from portal.content.events import article_event, content_changed
from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.models import Article
from portal.models.events import DELIVERED, OutboxEvent

from .conftest import cached_home

MEMORY = {"PORTAL_CACHE_URL": "memory", "PORTAL_EVENT_SWEEP_SECONDS": 0}
FIRST = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW"


@pytest.fixture
def pair(app_factory, tmp_path):
    """A reader and a writer: two apps (two caches) on one database and one instance folder."""
    instance = str(tmp_path / "shared-instance")
    reader = app_factory(config=MEMORY, instance_path=instance)
    writer = app_factory(config=MEMORY, instance_path=instance)
    return reader, writer


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def retitle(app, article_id: int, title: str, *, announce: bool = True) -> None:
    with app.app_context(), unit_of_work(Actor.system("Nhập từ tệp bai-viet.json")):
        article = db.session.get(Article, article_id)
        article.title = title
        if announce:
            content_changed(article_event("edited", article))


def test_a_change_by_another_process_shows_on_the_next_request(pair):
    reader, writer = pair
    site = cached_home(writer)
    client = reader.test_client()
    retitle(writer, site["article"], FIRST)  # the reader process starts after one change
    assert FIRST in home(client)

    retitle(writer, site["article"], "Tiêu đề mới sau khi nhập", announce=False)
    assert FIRST in home(client)  # cached, and nothing announced: the cache is in use

    retitle(writer, site["article"], "Tiêu đề mới sau khi nhập")
    html = home(client)
    assert "Tiêu đề mới sau khi nhập" in html and FIRST not in html


@pytest.mark.slow  # a Python process of its own
def test_a_command_in_another_process_is_seen(pair, database_url, tmp_path):
    reader, _writer = pair
    site = cached_home(reader)
    client = reader.test_client()
    retitle(reader, site["article"], FIRST)
    assert FIRST in home(client)
    with reader.app_context():
        url = db.engine.url.render_as_string(hide_password=False)
    script = textwrap.dedent(
        f"""
        from portal.content.events import article_event, content_changed
        from portal.content.unit_of_work import Actor, unit_of_work
        from portal.extensions import db
        from portal.models import Article
        from portal.testing import make_app

        app = make_app(database_url={url!r}, fresh_database=False,
                       instance_path={reader.instance_path!r},
                       config={{"PORTAL_CACHE_URL": "memory"}})
        with app.app_context(), unit_of_work(Actor.system("Lệnh trong tiến trình khác")):
            article = db.session.get(Article, {site["article"]})
            article.title = "Tiêu đề do lệnh đặt"
            content_changed(article_event("edited", article))
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120, cwd=tmp_path)
    assert "Tiêu đề do lệnh đặt" in home(client)


def test_an_event_committed_after_a_newer_one_is_not_missed(pair):
    """Two writers: one takes id n+1, the other n+2 and commits first, then the first
    commits and writes the smaller id to the stamp. The reader still purges n+1."""
    reader, writer = pair
    site = cached_home(writer)
    client = reader.test_client()
    retitle(writer, site["article"], FIRST)
    assert FIRST in home(client)
    with writer.app_context():
        newest = db.session.scalar(select(func.max(OutboxEvent.id)))

    def commit_row(row_id: int, row_tags: list[str], title: str | None = None) -> None:
        with writer.app_context():
            if title:
                db.session.get(Article, site["article"]).title = title
            db.session.add(
                OutboxEvent(id=row_id, action="edited", subject="article", subject_id=1,
                            tags=row_tags, status=DELIVERED, pending=[])
            )  # fmt: skip
            db.session.commit()
            coherence.bump(writer, row_id)

    commit_row(newest + 2, [tags.page(999)])
    assert FIRST in home(client)  # nothing it shows changed
    commit_row(newest + 1, [tags.ARTICLE_LISTS, tags.article(site["article"])], "Bài đến sau")
    assert "Bài đến sau" in home(client)
    assert coherence.watcher_of(reader).gaps == {}


def test_a_change_made_here_leaves_nothing_to_catch_up_with(pair):
    """The writer purged its own cache as it delivered: the stamp it moved is looked at
    then, so its next reader's request neither reads the stamp nor the outbox again."""
    _reader, writer = pair
    site = cached_home(writer)
    retitle(writer, site["article"], FIRST)
    assert not coherence.is_behind(writer)
    with writer.app_context():
        newest = db.session.scalar(select(func.max(OutboxEvent.id)))
    assert coherence.watcher_of(writer).seen_id == newest
    assert FIRST in home(writer.test_client())
