"""Helpers for testing the portal and block plugins (see docs/plugins/testing.md).

* ``make_app`` builds an app with a throw-away database, strict block mode
  and no cache; ``make_app(autoload=False, plugins=[("mine", module)])``
  loads only your plugin (and the standard layouts).
* ``sample_content`` adds a category, an article and the pages to show them.
* ``render_block`` renders one block type with given settings and context
  (article, anonymous or editor, ``vi`` or ``en``) and returns its HTML.
* ``assert_block_contract`` checks what the core relies on from a block type
  (with ``sample_settings`` it must accept and ``sample_data`` for ``prefetch``).
* ``place_block`` puts a block on a page (settings validated as the admin does);
  ``render_page`` returns a whole page as a reader or as a signed-in editor.
* ``make_account`` creates (once) an account with a role, for ``signed_in_client``.
* ``events_written`` lists the content events a change wrote to the outbox
  (``("published", "article", 7)``), to check a writer announces exactly
  what it should.
* ``signed_in_client`` gives a test client signed in as an account, without
  the sign-in form (for admin screens a plugin adds).

The same helpers are pytest fixtures through ``portal.pytest_plugin``
(``portal_app``, ``portal_client``, ``portal_content``, ``portal_render``,
``portal_editor_client``, ``portal_admin_client``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

from flask import Flask, g
from jinja2 import TemplateNotFound
from markupsafe import Markup
from sqlalchemy import event, text
from sqlalchemy.exc import SQLAlchemyError
from wtforms import Form

from portal.app import create_app
from portal.blocks import NEEDS, VARY_KEYS, Block, BlockContext, CachePolicy
from portal.extensions import db
from portal.hookspecs import hookimpl
from portal.models import Article, Category, Page, Placement, Tag
from portal.plugin_data import run_plugin_migrations, schema_differences  # noqa: F401
from portal.plugins import BLOCK_NAME_RE, ENTRY_POINT_GROUP, PluginStartupError, plugins_of

#: Marks an argument that was not given (``None`` may be a real value).
_NOT_GIVEN: Any = object()

#: Longest cache time-out a block may ask for: an edit must show within a day
#: even if a purge is ever missed.
MAX_CACHE_TIMEOUT = 24 * 3600


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
    if fresh_database:
        _empty_before_start(settings["SQLALCHEMY_DATABASE_URI"])
    app = create_app(settings, extra_plugins=extra)
    with app.app_context():
        if fresh_database:
            _empty_tables()
        else:
            db.create_all()
    return app


#: The schema's fingerprint right after :func:`_empty_tables` last built it, by
#: database (host, port, name, user) and the names of the tables in the models
#: (which grow as plugins with models are imported). Per process: each
#: pytest-xdist worker has its own.
_BUILT_SCHEMAS: dict[tuple[Any, ...], str] = {}


def _schema_key(url) -> tuple[Any, ...]:
    return (url.host, url.port, url.database, url.username, tuple(sorted(db.metadata.tables)))


#: Everything in the current schema that a test could have changed: relations and
#: their columns (types, defaults), indexes, constraints, triggers, functions, types
#: and extensions. Equal fingerprints mean the tables are exactly as create_all made them.
_SCHEMA_FINGERPRINT = text(
    """
    SELECT md5(coalesce(string_agg(item, E'\n' ORDER BY item), '')) FROM (
      SELECT concat_ws(' ', 'c', c.relname, c.relkind, c.relpersistence, a.attname,
                       format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity,
                       pg_get_expr(d.adbin, d.adrelid)) AS item
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
      UNION ALL
      SELECT concat_ws(' ', 'i', indexdef) FROM pg_indexes WHERE schemaname = current_schema()
      UNION ALL
      SELECT concat_ws(' ', 'k', conrelid::regclass::text, conname, pg_get_constraintdef(k.oid))
        FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace
       WHERE n.nspname = current_schema()
      UNION ALL
      SELECT concat_ws(' ', 't', pg_get_triggerdef(t.oid))
        FROM pg_trigger t
        JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND NOT t.tgisinternal
      UNION ALL
      SELECT concat_ws(' ', 'f', p.proname, pg_get_function_identity_arguments(p.oid),
                       md5(p.prosrc))
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = current_schema()
      UNION ALL
      SELECT concat_ws(' ', 'y', t.typname, t.typtype)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
       WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r', 'm')
      UNION ALL
      SELECT concat_ws(' ', 'x', extname, extversion) FROM pg_extension
    ) AS items
    """
)


#: Restarts the sequences owned by the given tables (serial and identity columns)
#: at their first value, as new tables would have them.
_RESTART_SEQUENCES = text(
    """
    SELECT setval(s.seqrelid, s.seqstart, false)
      FROM pg_sequence s
      JOIN pg_depend d ON d.objid = s.seqrelid AND d.classid = 'pg_class'::regclass
                      AND d.deptype IN ('a', 'i')
     WHERE d.refobjid = ANY(CAST(:tables AS regclass[]))
    """
)


@functools.cache
def _import_installed_plugins() -> None:
    """Import every installed plugin once, so the models' tables include theirs.

    Before the first app of a process starts, the plugins' models are not
    imported yet; dropping the core's tables would then fail on the foreign
    keys of plugin tables an earlier run left (``documents_items.created_by_id``
    points at ``users``). A plugin that fails to import is left to the app's
    start, which reports it.
    """
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            entry_point.load()
        except Exception:  # noqa: BLE001 - reported by the app's start, not here
            continue


def _empty_before_start(database_uri: str) -> None:
    """On PostgreSQL, give the models' tables empty before an app starts on them.

    What the app reads as it starts (plugin switches, settings saved by admins)
    must not come from an earlier test's rows, nor from an earlier run's. A
    connection of its own (there is no app yet) empties the tables if their shape
    is the one this process built, else drops and creates them.
    """
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    url = make_url(database_uri)
    if url.get_backend_name() != "postgresql":
        return
    _import_installed_plugins()
    key = _schema_key(url)
    built = _BUILT_SCHEMAS.pop(key, None)
    engine = create_engine(url.set(drivername="postgresql+psycopg"), poolclass=NullPool)
    try:
        if built is not None and _emptied(engine, built):
            _BUILT_SCHEMAS[key] = built
            return
        db.metadata.drop_all(engine)
        db.metadata.create_all(engine)
        with engine.connect() as connection:
            _BUILT_SCHEMAS[key] = connection.scalar(_SCHEMA_FINGERPRINT)
    finally:
        engine.dispose()


def _empty_tables() -> None:
    """Give the app's database the models' tables, empty (inside an app context).

    SQLite: a copy of a new database (:func:`_empty_sqlite`). PostgreSQL
    (already emptied before the app started, see :func:`_empty_before_start`;
    this wipes what the start wrote, as dropping did), where that DDL costs a
    few hundred milliseconds per test: when the schema is
    exactly what this process built last time (same fingerprint), the models'
    tables are emptied (``DELETE``, children first, far cheaper than ``TRUNCATE``
    on small tables) and their sequences restarted, so ids start at 1 as in new
    tables; otherwise, or if emptying fails, they are dropped and created. Either
    way the tables are as new; objects that are not in the models (e.g. a version
    table left by a migration test) are left as they are, as ``drop_all`` does.
    """
    engine = db.engine
    if engine.dialect.name == "sqlite":
        _empty_sqlite()
        return
    postgresql = engine.dialect.name == "postgresql"
    if postgresql:
        key = _schema_key(engine.url)
        built = _BUILT_SCHEMAS.pop(key, None)
        if built is not None and _emptied(engine, built):
            _BUILT_SCHEMAS[key] = built
            return
    db.session.remove()
    db.drop_all()
    db.create_all()
    if postgresql:
        with engine.connect() as connection:
            _BUILT_SCHEMAS[key] = connection.scalar(_SCHEMA_FINGERPRINT)


#: A new SQLite database as ``create_all`` made it, by the names of the models' tables.
#: Per process, like :data:`_BUILT_SCHEMAS`.
_SQLITE_TEMPLATES: dict[tuple[str, ...], sqlite3.Connection] = {}


def _empty_sqlite() -> None:
    """SQLite: the models' tables as new, copied from a database made once per process.

    Creating the hundred-odd tables, indexes and FTS5 tables costs a quarter
    of a second, every test; SQLite's backup API copies a database made that
    way in a millisecond, replacing whatever the app's start wrote.
    """
    db.session.remove()
    key = tuple(sorted(db.metadata.tables))
    template = _SQLITE_TEMPLATES.get(key)
    if template is None:
        db.drop_all()
        db.create_all()
        template = sqlite3.connect(":memory:", check_same_thread=False)
        with db.engine.connect() as connection:
            connection.connection.driver_connection.backup(template)
        _SQLITE_TEMPLATES[key] = template
        return
    with db.engine.connect() as connection:
        template.backup(connection.connection.driver_connection)


def _emptied(engine, built: str) -> bool:
    """Empty the models' tables if the schema's fingerprint is ``built``; False if not done."""
    preparer = engine.dialect.identifier_preparer
    tables = list(reversed(db.metadata.sorted_tables))
    try:
        with engine.begin() as connection:
            if connection.scalar(_SCHEMA_FINGERPRINT) != built:
                return False
            connection.exec_driver_sql(
                "SET LOCAL lock_timeout = '60s';"
                + "".join(f"DELETE FROM {preparer.format_table(table)};" for table in tables)
            )
            connection.execute(
                _RESTART_SEQUENCES, {"tables": [preparer.format_table(t) for t in tables]}
            )
    except SQLAlchemyError:
        return False
    return True


def signed_in_client(app: Flask, user_id: int, *, remember: bool = False):
    """A test client of ``app`` signed in as the account ``user_id`` (which must exist).

    The sign-in is a real session record, made the way the sign-in form makes
    one (portal/auth/sessions.py), whose token goes into the client's session
    cookie: ending that session, or every session of the account, signs the
    client out, as it would a browser.
    """
    client = app.test_client()
    _sign_in(client, app, user_id, remember=remember)
    return client


def _sign_in(client, app: Flask, user_id: int, *, remember: bool = False) -> None:
    from portal.models import User
    from portal.web.auth import sessions

    with app.test_request_context(
        environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": "portal.testing"}
    ):
        user = db.session.get(User, user_id)
        if user is None:
            raise LookupError(f"there is no account with id {user_id}")
        token = sessions.start(user, remembered=remember)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True


#: The password of the accounts :func:`make_account` creates.
TEST_PASSWORD = "mat-khau-thu-nghiem-1"


def make_account(
    app: Flask, role: str = "editor", *, email: str | None = None, name: str | None = None
) -> int:
    """The id of an active account with ``role`` (``admin``, ``editor``, ``author``).

    The account ``<role>@example.org`` (or ``email``) is created the first
    time, with the password :data:`TEST_PASSWORD`, and reused afterwards.
    """
    from portal.models import User
    from portal.models.users import ROLES

    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; the roles are {', '.join(ROLES)}")
    email = email or f"{role}@example.org"
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, name=name or f"Thử nghiệm ({role})", role=role, active=True)
            user.set_password(TEST_PASSWORD)
            db.session.add(user)
            db.session.commit()
        elif user.role != role:
            raise ValueError(f"the account {email} exists with role {user.role!r}, not {role!r}")
        return user.id


@contextmanager
def events_written(app: Flask) -> Iterator[list[tuple[str, str, int | None]]]:
    """``with events_written(app) as events:`` lists the content events written inside.

    Each is ``(action, subject, subject_id)`` in the order written, read from
    the outbox once the block ends (so only committed changes count). The
    newsroom's own events (workflow steps and notification e-mails, which go to
    the admin's inbox and no plugin) are left out.
    """
    from portal.content.notifications import ROUTES
    from portal.models.events import OutboxEvent

    with app.app_context():
        before = db.session.scalar(db.select(db.func.max(OutboxEvent.id))) or 0
    events: list[tuple[str, str, int | None]] = []
    yield events
    with app.app_context():
        rows = db.session.scalars(
            db.select(OutboxEvent)
            .where(OutboxEvent.id > before, OutboxEvent.subject.not_in(list(ROUTES)))
            .order_by(OutboxEvent.id)
        )
        events.extend((row.action, row.subject, row.subject_id) for row in rows)


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """``with count_queries(app) as statements:`` lists every SQL statement run inside.

    For pinning how many queries a page or a block costs (the count must not
    grow with the number of blocks of one kind).
    """
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


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
    tag: Tag | None = None,
    prefetched: Any = _NOT_GIVEN,
) -> str:
    """Render one block with ``settings`` (merged over its defaults) and return its HTML.

    Runs inside a test request for ``path`` so ``url_for`` works, with the
    interface language set to ``locale``; no cache, no isolation (exceptions
    propagate). ``prefetched`` is given to the block as ``ctx.prefetched``
    instead of running its ``prefetch`` (sample data for a block whose data
    is not in the portal's content).
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
            tag=tag,
            locale=locale,
            is_editor=is_editor,
        )
        if prefetched is not _NOT_GIVEN:
            ctx.prefetched = prefetched
            return str(instance.render(ctx, instance.load_settings(settings)))
        return str(render(ctx, instance, settings))


def place_block(
    app: Flask,
    page: Page | int | str,
    region: str,
    block_name: str,
    settings: dict[str, Any] | None = None,
    *,
    position: int | None = None,
    hidden: bool = False,
) -> int:
    """Put a block on a page, as published; return the placement's id.

    ``page`` is a :class:`Page`, its id or its path (``"/"``). ``settings``
    go through the block's settings form with the page's
    :class:`~portal.SettingsContext`, as an admin's save does: invalid settings
    raise ``ValueError`` with the form's messages, and nothing is placed; so
    does a block whose ``needs`` the page does not meet. The block goes last in
    ``region`` unless ``position`` says otherwise.
    """
    from portal.blocks import SettingsContext
    from portal.site import CategoryTree, PageTree

    registry = plugins_of(app)
    block = registry.block(block_name)
    if block is None:
        raise LookupError(
            f"No block named {block_name!r} is registered in this app "
            f"(registered: {', '.join(sorted(registry.blocks)) or 'none'})"
        )
    with app.app_context():
        if isinstance(page, Page):
            row = db.session.get(Page, page.id)
        elif isinstance(page, str):
            row = PageTree.load().by_path(page)
        else:
            row = db.session.get(Page, page)
        if row is None:
            raise LookupError(f"there is no page {page!r}")
        layout = registry.layout(row.layout)
        if layout is not None and region not in layout.region_names:
            raise ValueError(
                f"the layout {row.layout!r} of page {row.id} has no region {region!r} "
                f"(regions: {', '.join(layout.region_names)})"
            )
        provided = {"article": {"article", "category"}, "category": {"category"}}.get(
            row.kind, set()
        )
        missing = set(block.needs) - provided
        if missing:
            raise ValueError(
                f"{block_name} needs {sorted(missing)}, which a {row.kind!r} page does not give "
                "(article pages give an article and its category, category pages a category)"
            )
        context = SettingsContext(page=row, categories=CategoryTree.load())
        clean, errors = block.validate_settings(settings or {}, context)
        if errors:
            raise ValueError(f"{block_name}: the settings are refused: {errors}")
        if position is None:
            last = db.session.scalar(
                db.select(db.func.max(Placement.position)).where(
                    Placement.page_id == row.id, Placement.region == region
                )
            )
            position = 0 if last is None else last + 1
        placement = Placement(
            page_id=row.id,
            region=region,
            position=position,
            block_name=block_name,
            settings=clean,
            hidden=hidden,
        )
        db.session.add(placement)
        db.session.commit()
        return placement.id


def render_page(client, path: str, *, as_editor: bool = False, status: int = 200) -> str:
    """The HTML of the page at ``path``, as an anonymous reader or as a signed-in editor.

    ``client`` is a test client of the app (``portal_client``). A reader's
    request goes through a fresh client, so a signed-in ``client`` does not
    make it an editor's; ``as_editor=True`` signs ``client`` in as the editor
    account of :func:`make_account` (editors see a failing block's error box
    where readers see nothing). Fails unless the answer has ``status``.
    """
    app = client.application
    if as_editor:
        _sign_in(client, app, make_account(app, "editor"))
        chosen = client
    else:
        chosen = app.test_client()
    response = chosen.get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == status, (
        f"GET {path} answered {response.status_code}, not {status}: {html[:300]}"
    )
    return html


class _RegistersOneBlock:
    """A throw-away plugin that registers one block class (for contract checks)."""

    def __init__(self, block_class: type[Block]) -> None:
        self.block_class = block_class

    @hookimpl
    def portal_register_blocks(self) -> list[type[Block]]:
        return [self.block_class]


class _BalanceChecker(HTMLParser):
    """Checks that every element opened in a fragment is closed, in order."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
    VOID |= {"track", "wbr", "path", "circle", "rect", "line", "polyline", "polygon", "use"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            if tag in self.stack:
                del self.stack[self.stack.index(tag) :]
            return
        self.stack.pop()


def assert_well_formed(html: str) -> None:
    """Every element the fragment opens, it closes, in order."""
    checker = _BalanceChecker()
    checker.feed(html)
    checker.close()
    assert checker.problems == [], f"badly nested HTML: {checker.problems}"
    assert checker.stack == [], f"elements left open: {checker.stack}"


def assert_block_contract(
    block_class: type[Block],
    app: Flask | None = None,
    *,
    sample_settings: dict[str, Any] | list[dict[str, Any]] | None = None,
    sample_data: Any = _NOT_GIVEN,
) -> None:
    """Check what the core relies on from a block type; raise AssertionError if not.

    ``sample_settings`` (one dict or a list) are settings the block must accept:
    each must validate, be stable when validated again, come back typed by
    :meth:`Block.load_settings`, give a text summary for the editor's card and
    render well-formed HTML, like the defaults. ``sample_data`` is what the
    block's ``prefetch`` would return; when given, every rendering uses it as
    ``ctx.prefetched`` instead of running ``prefetch``.

    Without ``app``, the block is registered in a fresh default app (all
    installed plugins), so a name clash with another block is caught too.
    Checks: a valid, unique name; label, description and group; a template
    that follows the ``<name>/...`` convention and loads; default settings
    that validate and survive validation unchanged; declared CSS/JS files that
    exist; a sane cache policy; and that it renders well-formed HTML with
    sample content for readers and editors, in Vietnamese and English.
    """
    assert isinstance(block_class, type) and issubclass(block_class, Block), (
        f"{block_class!r} is not a subclass of portal.Block"
    )
    name = block_class.name
    assert BLOCK_NAME_RE.match(name or ""), (
        f"{block_class.__name__}.name {name!r} must be a slug: lower-case letters, digits, _"
    )
    for attribute in ("label", "description", "group"):
        value = getattr(block_class, attribute)
        assert isinstance(value, str) and value.strip(), f"{name}.{attribute} is empty"

    if app is None:
        app = make_app()
        installed = plugins_of(app).block(name)
        if installed is None:
            try:
                app = make_app(plugins=[(f"contract_{name}", _RegistersOneBlock(block_class))])
            except PluginStartupError as exc:
                raise AssertionError(f"{name}: {exc}") from exc
    registry = plugins_of(app)
    block = registry.block(name)
    failures = [(info.name, info.error) for info in registry.errors]
    assert block is not None, f"{name} is not registered in the app; plugin failures: {failures}"
    assert type(block) is block_class, (
        f"the name {name!r} is already taken by {type(block).__module__}.{type(block).__name__} "
        f"(plugin {registry.block_plugins[name]!r}); choose another name"
    )

    assert block.template.startswith(f"{name}/"), (
        f"{name}.template must be '{name}/<file>.html' inside the plugin's templates/ folder"
    )
    try:
        app.jinja_env.get_template(block.template)
    except TemplateNotFound as exc:
        raise AssertionError(
            f"{name}: template {block.template} not found in {block.templates_dir()}"
        ) from exc

    assert isinstance(block.settings_form, type) and issubclass(block.settings_form, Form)
    defaults = block.default_settings()
    clean, errors = block.validate_settings(defaults)
    assert errors == {}, f"{name}: the default settings do not validate: {errors}"
    assert clean == defaults, (
        f"{name}: default settings change when validated: {defaults} → {clean}"
    )

    samples = [defaults]
    if sample_settings is not None:
        given = [sample_settings] if isinstance(sample_settings, dict) else list(sample_settings)
        for sample in given:
            clean, errors = block.validate_settings(sample)
            assert errors == {}, f"{name}: the sample settings {sample} do not validate: {errors}"
            again, errors = block.validate_settings(clean)
            assert errors == {} and again == clean, (
                f"{name}: saved settings change when saved again: {clean} → {again or errors}"
            )
            samples.append(clean)
    for settings in samples:
        typed = block.load_settings(settings)
        assert set(typed) >= set(defaults), f"{name}: load_settings() lost settings"
        summary = block.summarize_settings(typed)
        assert isinstance(summary, str), f"{name}.summarize_settings() must return a str"

    for filename in (*block.css, *block.js):
        path = block.static_dir() / filename
        assert path.is_file(), f"{name} declares {filename}, but {path} does not exist"

    policy = block.cache
    assert isinstance(policy, CachePolicy), f"{name}.cache must be a portal.CachePolicy"
    assert 0 <= policy.timeout <= MAX_CACHE_TIMEOUT, f"{name}: cache time-out out of range"
    assert policy.vary_on <= VARY_KEYS and block.needs <= NEEDS
    if policy.timeout:
        assert "locale" in policy.vary_on, f"{name}: cached HTML must vary on the locale"
        for need in block.needs:
            assert need in policy.vary_on, f"{name} needs {need} but its cache does not vary on it"
            assert need in policy.tags, f"{name} needs {need} but is not purged when it changes"

    with app.app_context():
        created = sample_content(blocks=[])
        cases = [(s, e, loc) for s in samples for e in (False, True) for loc in ("vi", "en")]
        for settings, is_editor, locale in cases:
            html = render_block(
                app,
                name,
                settings,
                article=created["article"],
                category=created["category"],
                page=created["article_page"],
                is_editor=is_editor,
                locale=locale,
                prefetched=sample_data,
            )
            assert isinstance(html, str | Markup)
            assert_well_formed(html)
            assert "None" not in html, f"{name}: a missing value was printed as 'None'"
        db.session.rollback()
