"""Helpers for testing the portal and block plugins.

``make_app`` builds an app with a throw-away database, strict block mode and
no cache; ``render_block`` renders one block type with given settings; and
``sample_content`` adds a category, an article and the pages to show them.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime
from typing import Any

from flask import Flask, g

from portal import create_app
from portal.blocks import Block, BlockContext
from portal.extensions import db
from portal.models import Article, Category, Page, Placement
from portal.plugins import plugins_of


def make_app(
    *,
    plugins: list[tuple[str, Any]] = (),
    config: dict[str, Any] | None = None,
    autoload: bool = True,
    database_url: str | None = None,
    strict: bool = True,
    instance_path: str | None = None,
    fresh_database: bool = True,
) -> Flask:
    """An app for tests: fresh empty tables, strict blocks, caching off.

    ``plugins`` are ``(name, module)`` pairs registered directly;
    ``autoload=False`` skips entry points and the plugins dir except the
    standard layouts (so a page can still render). ``instance_path`` defaults
    to a new temporary folder. ``fresh_database=False`` keeps the tables and
    rows already in ``database_url`` (a second app on the same database).
    """
    instance = instance_path or tempfile.mkdtemp(prefix="portal-test-")
    settings: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "INSTANCE_PATH": instance,
        "SQLALCHEMY_DATABASE_URI": database_url or "sqlite://",
        "PORTAL_STRICT_BLOCKS": strict,
        "PORTAL_CACHE_URL": "none",
        "PORTAL_DISABLED_PLUGINS": [],
        "PORTAL_PLUGINS_DIR": "",
        "PORTAL_SAFE_MODE": False,
    }
    extra = list(plugins)
    if not autoload:
        from portal import layouts

        settings["PORTAL_AUTOLOAD_PLUGINS"] = False
        extra.insert(0, ("standard_layouts", layouts))
    settings.update(config or {})
    app = create_app(settings, extra_plugins=extra)
    with app.app_context():
        if fresh_database:
            db.drop_all()
        db.create_all()
    return app


def sample_content(
    *,
    title: str = "Bắc Kạn sau 10 năm thực hiện Chỉ thị số 30-CT/TW",
    blocks: list[str] | None = None,
) -> dict[str, Any]:
    """Add a category, one published article, a root page and an article page.

    ``blocks`` are placed in the ``main`` region of the article page (by
    default the bulletin toolbar and view). Call inside an app context.
    Returns the created objects by name.
    """
    from portal.text import sanitize_html, slugify

    category = Category(name="Thời sự", slug="thoi-su")
    db.session.add(category)
    db.session.flush()
    article = Article(
        title=title,
        slug=slugify(title),
        lead="Sau 10 năm, tỉnh đã đạt nhiều kết quả quan trọng.",
        body_html=sanitize_html("<p>Đoạn thứ nhất của bài viết.</p><p>Đoạn thứ hai.</p>"),
        image="",
        author="Nguyễn Văn A",
        source="Báo Bắc Kạn",
        category_id=category.id,
        status="published",
        published_at=datetime(2023, 11, 29, 1, 30, tzinfo=UTC),
    )
    db.session.add(article)
    root = Page(kind="home", title="Trang chủ", path="/", layout="one_column", blocked_regions=[])
    db.session.add(root)
    db.session.flush()
    article_page = Page(
        kind="article",
        title="Trang bài viết",
        parent_id=root.id,
        layout="one_column",
        blocked_regions=["main"],
    )
    db.session.add(article_page)
    db.session.flush()
    for position, name in enumerate(
        blocks if blocks is not None else ["bulletin_toolbar", "bulletin_view"]
    ):
        db.session.add(
            Placement(page_id=article_page.id, region="main", position=position, block_name=name)
        )
    db.session.commit()
    return {"category": category, "article": article, "root": root, "article_page": article_page}


def render_block(
    app: Flask,
    block: str | type[Block],
    settings: dict[str, Any] | None = None,
    *,
    article: Article | None = None,
    category: Category | None = None,
    page: Page | None = None,
    is_editor: bool = False,
    locale: str = "vi",
    path: str = "/",
) -> str:
    """Render one block with ``settings`` (merged over its defaults) and return its HTML.

    Runs inside a test request for ``path`` so ``url_for`` works, with the
    interface language set to ``locale``; no cache, no isolation (exceptions
    propagate).
    """
    from portal.rendering import render_block as render

    registry = plugins_of(app)
    instance = registry.block(block) if isinstance(block, str) else block()
    if instance is None:
        raise LookupError(f"No block named {block!r} is registered in this app")
    with app.test_request_context(path):
        g.portal_locale = locale  # what `_()` in templates translates into
        page = page or Page(
            id=0, kind="static", title="Test", layout="one_column", blocked_regions=[]
        )
        ctx = BlockContext(
            app=app,
            page=page,
            region="main",
            article=article,
            category=category,
            locale=locale,
            is_editor=is_editor,
        )
        return str(render(ctx, instance, settings))
