"""Page rendering: page → layout → regions → placements → HTML (DESIGN.md §6).

Each placement is rendered in isolation: a block that raises never breaks the
page. Readers get nothing for it (or its last good HTML from the cache),
editors get an error box naming the block and placement, and the error is
logged with the placement id. ``PORTAL_STRICT_BLOCKS`` re-raises instead, so
tests and plugin authors see the exception.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from flask import current_app, has_request_context, render_template, request, url_for
from markupsafe import Markup, escape
from sqlalchemy import bindparam, select
from werkzeug.datastructures import MultiDict

from portal import metrics
from portal.blocks import Block, BlockContext, PageNotFound, settings_digest
from portal.cache import CacheBackend, MemoryBackend, NullBackend, cache_for
from portal.content import tags as tag_names
from portal.extensions import db
from portal.models import Article, Category, Page, Placement, Tag
from portal.page_cache import WholePage, canonical_query, note_rendered, page_tags
from portal.page_meta import page_meta
from portal.plugins import plugins_of
from portal.site import article_media, category_tree, page_tree

log = logging.getLogger("portal.rendering")


class PlacementLike(Protocol):
    """What rendering needs of a placement (a row, or a draft copy in a preview)."""

    id: int | None
    page_id: int
    region: str
    position: int
    block_name: str
    settings: dict[str, Any]
    hidden: bool
    version: int


@dataclass
class Viewer:
    """Who is looking: decides caching and whether error boxes are shown."""

    is_editor: bool = False
    signed_in: bool = False
    locale: str = "vi"
    preview: bool = False

    @property
    def sees_failures(self) -> bool:
        """Error and missing-plugin boxes: for editors, and in the admin's preview."""
        return self.is_editor or self.preview


@dataclass
class PageAssets:
    """CSS and JS files of the blocks on a page, each listed once, in order."""

    css: list[str] = field(default_factory=list)
    js: list[str] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def add_block(self, block: Block) -> None:
        if block.name in self._seen:  # ten lists on a page: their files are linked once
            return
        self._seen.add(block.name)
        for filename in block.css:
            url = static_url(block, filename)
            if url not in self.css:
                self.css.append(url)
        for filename in block.js:
            url = static_url(block, filename)
            if url not in self.js:
                self.js.append(url)


@dataclass
class ResolvedPlacement:
    """A placement as it will render on this page, with where it came from."""

    placement: PlacementLike
    inherited_from: Page | None = None


def current_viewer() -> Viewer:
    """The viewer of the current request."""
    from flask_login import current_user

    from portal.i18n import current_locale

    signed_in = bool(getattr(current_user, "is_authenticated", False))
    return Viewer(
        is_editor=signed_in and bool(getattr(current_user, "is_editor", False)),
        signed_in=signed_in,
        locale=current_locale(),
    )


#: The placements of some pages (parameter ``page_ids``), in order. Built once.
_PLACEMENTS = (
    select(Placement)
    .where(Placement.page_id.in_(bindparam("page_ids", expanding=True)))
    .order_by(Placement.page_id, Placement.region, Placement.position, Placement.id)
)


def load_placements(page_ids: Iterable[int]) -> dict[int, list[Placement]]:
    """All placements of the given pages in one query, by page id, in order."""
    ids = list(page_ids)
    by_page: dict[int, list[Placement]] = defaultdict(list)
    if not ids:
        return by_page
    rows = db.session.scalars(_PLACEMENTS, {"page_ids": ids})
    for placement in rows:
        by_page[placement.page_id].append(placement)
    return by_page


#: What a reader's page draws of its placements and its ancestors' (parameter
#: ``page_ids``), in the same order: plain rows of the table, no ORM objects to build
#: for a page that only reads them. Built once.
_COLUMNS = Placement.__table__.c
_PLACEMENT_ROWS = (
    select(
        _COLUMNS.id,
        _COLUMNS.page_id,
        _COLUMNS.region,
        _COLUMNS.position,
        _COLUMNS.block_name,
        _COLUMNS.settings,
        _COLUMNS.hidden,
        _COLUMNS.version,
    )
    .where(_COLUMNS.page_id.in_(bindparam("page_ids", expanding=True)))
    .order_by(_COLUMNS.page_id, _COLUMNS.region, _COLUMNS.position, _COLUMNS.id)
)


def placements_to_draw(page_ids: Iterable[int]) -> dict[int, list[PlacementLike]]:
    """The placements of the given pages as a reader's page draws them (read-only rows with
    the attributes of :class:`PlacementLike`), in one query, by page id, in order.

    The admin, which changes placements, uses :func:`load_placements` (ORM objects).
    """
    ids = list(page_ids)
    by_page: dict[int, list[PlacementLike]] = defaultdict(list)
    if not ids:
        return by_page
    for row in db.session.execute(_PLACEMENT_ROWS, {"page_ids": ids}):
        by_page[row.page_id].append(row)
    return by_page


def resolve_regions(
    page: Page,
    region_names: Sequence[str],
    placements_by_page: dict[int, Sequence[PlacementLike]],
) -> dict[str, list[ResolvedPlacement]]:
    """Own and inherited placements per region, in display order.

    A region shows the placements of the page's ancestors (root first) and
    then its own; the walk up stops at the first page that blocks the
    region. An ancestor contributes only regions its own layout has.
    """
    tree = page_tree()
    plugins = plugins_of(current_app)
    chain = [*tree.ancestors(page), page]
    resolved: dict[str, list[ResolvedPlacement]] = {}
    for region in region_names:
        sources: list[Page] = []
        for source in reversed(chain):
            sources.append(source)
            if region in (source.blocked_regions or []):
                break
        items: list[ResolvedPlacement] = []
        for source in reversed(sources):
            if source is not page:
                layout = plugins.layout(source.layout)
                if layout is not None and region not in layout.region_names:
                    continue
            own = [p for p in placements_by_page.get(source.id, ()) if p.region == region]
            own.sort(key=lambda p: (p.position, p.id or 0))
            items.extend(
                ResolvedPlacement(p, inherited_from=None if source is page else source) for p in own
            )
        resolved[region] = items
    return resolved


def render_page(
    page: Page,
    *,
    article: Article | None = None,
    category: Category | None = None,
    tag: Tag | None = None,
    title: str | None = None,
    description: str = "",
    viewer: Viewer | None = None,
    placements_by_page: dict[int, Sequence[PlacementLike]] | None = None,
    extra_context: dict[str, Any] | None = None,
    region_html: dict[str, Markup] | None = None,
    assets_of: Sequence[type[Block]] = (),
    not_found: bool = False,
) -> str:
    """Render a whole page with its layout.

    ``placements_by_page`` replaces the stored placements (a preview passes
    the draft here); by default they are loaded for the page and its ancestors.
    ``region_html`` is HTML shown at the start of a region, before its blocks
    (a plugin's page content, see :func:`portal.plugin_pages.render_portal_page`).
    ``assets_of`` are block types whose CSS and JS the page links as if they were
    placed (a plugin's page styled by its blocks' files).
    ``tag`` is the tag a tag page is about; ``not_found`` makes the head that of
    the 404 page (``noindex``, no canonical URL). The head's metadata (title, canonical
    URL, Open Graph, JSON-LD) is built by :func:`portal.page_meta.page_meta`.

    A block raising :class:`portal.PageNotFound` stops the rendering: the 404
    propagates to the route, which answers the site's 404 page.
    """
    app = current_app._get_current_object()
    plugins = plugins_of(app)
    viewer = viewer or current_viewer()
    layout = plugins.layout(page.layout) or plugins.layout("one_column")
    if layout is None:
        raise RuntimeError("No layout is registered; is the standard_layouts plugin disabled?")

    chain_ids = [p.id for p in page_tree().ancestors(page)] + [page.id]
    if placements_by_page is None:
        placements_by_page = placements_to_draw(chain_ids)

    if category is None and article is not None:
        category = category_tree().get(article.category_id)

    if article is not None:
        # The article's image, attachments and tags in one query, for the blocks and
        # the metadata alike (a no-op when they are loaded already).
        article_media(article)

    resolved = resolve_regions(page, layout.region_names, placements_by_page)
    assets = PageAssets()
    for block_type in assets_of:
        assets.add_block(block_type)
    renderer = PlacementRenderer(
        app=app,
        page=page,
        article=article,
        category=category,
        tag=tag,
        viewer=viewer,
        assets=assets,
    )
    if page.kind == "search" and has_request_context():
        request.environ[metrics.ROUTE_KIND] = "search"  # a page like any other to Flask
    regions = renderer.render_regions(resolved)
    if region_html is None and not not_found and renderer.use_cache:
        # Made only of blocks: the page may be kept whole for the next anonymous reader.
        whole = renderer.whole_page
        whole.add_tags(page_tags(page_ids=chain_ids, article=article, category=category))
        note_rendered(whole, article_id=article.id if article is not None else None)
    for region, html in (region_html or {}).items():
        regions[region] = Markup("\n").join(part for part in (html, regions.get(region)) if part)

    return render_template(
        layout.template,
        page=page,
        layout=layout,
        regions=regions,
        article=article,
        category=category,
        tag=tag,
        page_title=title or page.title,
        page_description=description,
        page_meta=page_meta(
            page,
            article=article,
            category=category,
            tag=tag,
            title=title,
            description=description,
            not_found=not_found,
        ),
        assets=assets,
        viewer=viewer,
        **(extra_context or {}),
    )


@dataclass
class PlacementRenderer:
    """Renders the placements of one page for one viewer."""

    app: Any
    page: Page
    article: Article | None
    category: Category | None
    viewer: Viewer
    assets: PageAssets
    tag: Tag | None = None
    #: What the whole page is made from, and whether it may be kept whole (portal.page_cache).
    whole_page: WholePage = field(default_factory=WholePage)
    #: The request's query arguments, read once for every block (each gets its own copy).
    _query: MultiDict | None = field(default=None, init=False, repr=False)

    def context_for(self, region: str, placement: PlacementLike | None) -> BlockContext:
        if self._query is None:
            self._query = MultiDict(request.args) if request else MultiDict()
        return BlockContext(
            app=self.app,
            page=self.page,
            region=region,
            placement=placement,
            article=self.article,
            category=self.category,
            tag=self.tag,
            locale=self.viewer.locale,
            is_editor=self.viewer.is_editor,
            preview=self.viewer.preview,
            query=self._query.copy() if self._query else MultiDict(),
        )

    @property
    def use_cache(self) -> bool:
        return not (self.viewer.is_editor or self.viewer.preview)

    def render_regions(self, resolved: dict[str, list[ResolvedPlacement]]) -> dict[str, Markup]:
        plugins = plugins_of(self.app)
        visible: list[tuple[str, ResolvedPlacement]] = []
        for region, items in resolved.items():
            visible.extend((region, item) for item in items if not item.placement.hidden)

        # Cache lookups first, all in one call (one Redis round trip), so prefetch only
        # loads for blocks that will run.
        keys: dict[int, str] = {}
        cache = cache_for(self.app)
        # With caching off nothing is read or kept: no key is worth working out.
        keeps = self.use_cache and not isinstance(cache, NullBackend)
        for index, (region, item) in enumerate(visible):
            block = plugins.block(item.placement.block_name)
            if block is None or not self._needs_met(block):
                continue
            self.assets.add_block(block)
            if not self.use_cache:
                continue
            if block.cache.timeout <= 0:
                # Drawn afresh on every page it is on; a page kept whole keeps it too,
                # with the page's tags (DESIGN.md §6; docs/plugins/block-api.md).
                continue
            self.whole_page.expire_within(block.cache.timeout)
            if "data_version" in block.cache.vary_on and not block.cache.data_sets:
                # Only asking the block tells when it changed: its page is drawn each time.
                self.whole_page.refuse()
            if not keeps:
                continue
            key = self.cache_key(
                block, region, item.placement, inherited=item.inherited_from is not None
            )
            if key is None:  # its data version could not be read: render, uncached
                self.whole_page.refuse()
                continue
            keys[index] = key
        cached: dict[int, str] = {}
        found = cache.get_many(list(keys.values())) if keys else []
        for index, value in zip(keys, found, strict=True):
            entry = read_entry(value)
            if entry is not None:
                tags, cached[index] = entry
                self.whole_page.add_tags(tags)
        if keys:
            metrics.count_block_cache(self.app, len(cached), len(keys) - len(cached))

        prefetched = self._prefetch(plugins, visible, cached)

        html: dict[str, list[Markup]] = {region: [] for region in resolved}
        for index, (region, item) in enumerate(visible):
            if index in cached:
                html[region].append(Markup(cached[index]))
                continue
            html[region].append(
                self.render_one(region, item, prefetched, cache_key=keys.get(index))
            )
        return {region: Markup("\n").join(parts) for region, parts in html.items()}

    def _needs_met(self, block: Block) -> bool:
        if "article" in block.needs and self.article is None:
            return False
        if "tag" in block.needs and self.tag is None:
            return False
        return not ("category" in block.needs and self.category is None)

    def _prefetch(self, plugins, visible, cached) -> dict[str, Any]:
        """Call each block type's ``prefetch`` once with all its placements that will render.

        Each placement's settings are merged over the block's defaults, exactly
        as :meth:`Block.get_context` will receive them.
        """
        by_block: dict[str, list[PlacementLike]] = defaultdict(list)
        for index, (_region, item) in enumerate(visible):
            block = plugins.block(item.placement.block_name)
            if block is not None and index not in cached and self._needs_met(block):
                by_block[block.name].append(item.placement)
        results: dict[str, Any] = {}
        for name, placements in by_block.items():
            block = plugins.block(name)
            ctx = self.context_for("", None)
            try:
                settings_list = [block.load_settings(p.settings) for p in placements]
                results[name] = block.prefetch(ctx, settings_list)
            except PageNotFound:
                raise
            except Exception as exc:
                if self.app.config.get("PORTAL_STRICT_BLOCKS"):
                    raise
                log.exception("Block %r failed in prefetch on page %s", name, self.page.id)
                results[name] = PrefetchFailed(exc)
        return results

    def cache_key(
        self, block: Block, region: str, placement: PlacementLike, *, inherited: bool = False
    ) -> str | None:
        """The cache key of one placement for this viewer; None when it cannot be cached now.

        ``inherited``: the page shows a placement of a page above it. The cached
        HTML carries that mark (its wrapper's ``data-inherited``), so the root's
        header cached on the home page is another entry than the same header
        cached on a page below it. (A block varying on ``data_version`` whose
        :meth:`Block.data_version` raised: it renders without the cache,
        isolated as usual.)
        """
        parts = [
            f"p{placement.id}",
            f"v{placement.version}",
            settings_digest(placement.settings or {}),
        ]
        if inherited:
            parts.append("inh")
        vary = block.cache.vary_on
        if "locale" in vary:
            parts.append(self.viewer.locale)
        if "page" in vary:
            # A plugin's page is not stored: its path tells it apart.
            page_key = (
                self.page.id or hashlib.sha1((self.page.path or "").encode()).hexdigest()[:12]
            )
            parts.append(f"pg{page_key}")
        if "article" in vary:
            parts.append(f"a{self.article.id if self.article else '-'}")
        if "category" in vary:
            parts.append(f"c{self.category.id if self.category else '-'}")
        if "tag" in vary:
            parts.append(f"t{self.tag.id if self.tag else '-'}")
        if "viewer" in vary:
            parts.append("user" if self.viewer.signed_in else "anon")
        if "query" in vary and request:
            # Tracking parameters (utm_*, fbclid ...) change nothing: they make no new entry.
            query = canonical_query(request.args, block.cache.query_params or None)
            parts.append(hashlib.sha1(query.encode()).hexdigest()[:12])
        if "data_version" in vary:
            settings = {**block.default_settings(), **(placement.settings or {})}
            try:
                version = str(block.data_version(self.context_for(region, placement), settings))
            except Exception as exc:
                if self.app.config.get("PORTAL_STRICT_BLOCKS"):
                    raise
                log.exception(
                    "Block %r failed in data_version for placement %s", block.name, placement.id
                )
                record_failure(self.app, block.name, placement, exc, stage="data_version")
                return None
            parts.append("d" + hashlib.sha1(version.encode("utf-8")).hexdigest()[:12])
        return BLOCK_KEY_PREFIX + ":".join(parts)

    def render_one(
        self,
        region: str,
        item: ResolvedPlacement,
        prefetched: dict[str, Any],
        *,
        cache_key: str | None = None,
    ) -> Markup:
        """Render one placement, isolating any failure."""
        placement = item.placement
        plugins = plugins_of(self.app)
        block = plugins.block(placement.block_name)
        if block is None:
            if self.viewer.sees_failures:
                return Markup(
                    render_template(
                        "core/block_missing.html",
                        placement=placement,
                        region=region,
                        failed_plugins=plugins.errors,
                    )
                )
            return Markup("")
        if not self._needs_met(block):
            if self.viewer.is_editor:
                return Markup(
                    render_template(
                        "core/block_unmet.html", block=block, placement=placement, region=region
                    )
                )
            return Markup("")

        ctx = self.context_for(region, placement)
        if block.cache.query_params:  # the block sees only the parameters it declared
            ctx.query = MultiDict(
                [(k, v) for k, v in ctx.query.items(multi=True) if k in block.cache.query_params]
            )
        ctx.prefetched = prefetched.get(block.name)
        cache = cache_for(self.app)
        try:
            if isinstance(ctx.prefetched, PrefetchFailed):
                ctx.prefetched.reraise()
            settings = block.load_settings(placement.settings)
            inner = block.render(ctx, settings)
            html = wrap_block(block, placement, inner, inherited=item.inherited_from is not None)
            # The page the placement lives on, too: an inherited header is purged
            # by an event about the root page, not only about the page showing it.
            tags = frozenset(block.cache_tags(ctx, settings) | {tag_names.page(placement.page_id)})
        except PageNotFound:  # not a failure of the block: the page does not exist
            raise
        except Exception as exc:
            if self.app.config.get("PORTAL_STRICT_BLOCKS"):
                raise
            log.exception(
                "Block %r failed in placement %s on page %s",
                block.name,
                placement.id,
                self.page.id,
            )
            record_failure(self.app, block.name, placement, exc)
            self.whole_page.refuse()  # never keep a page whole with a block missing from it
            if self.viewer.sees_failures:
                return Markup(
                    render_template(
                        "core/block_error.html",
                        block=block,
                        placement=placement,
                        region=region,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                )
            if cache_key is not None:
                stale = read_entry(cache.get("stale:" + cache_key))
                if stale is not None:
                    return Markup(stale[1])
            return Markup("")

        self.whole_page.add_tags(tags)
        if cache_key is not None:
            entry = make_entry(tags, html)
            cache.set(cache_key, entry, block.cache.timeout, tags)
            stale_timeout = int(self.app.config.get("PORTAL_CACHE_STALE_TIMEOUT", 86400))
            cache.set("stale:" + cache_key, entry, stale_timeout, tags)
        return html


# -- blocks that failed recently -----------------------------------------------------------

#: Where recent failures are kept in the cache (one JSON document), and for how long.
FAILURES_KEY = "block-failures"
FAILURES_SECONDS = 24 * 3600
#: Most placements remembered; the ones that failed longest ago go first.
FAILURES_KEPT = 200
_LOCAL_FAILURES = "portal.rendering.failures"


@dataclass
class BlockFailure:
    """How often one placement's block failed recently, and its last error."""

    block: str
    placement_id: int | None
    page_id: int | None
    count: int
    first_at: float
    last_at: float
    last_error: str
    stage: str = "render"

    @property
    def last_at_text(self) -> str:
        return datetime.fromtimestamp(self.last_at, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _failure_store(app) -> CacheBackend:
    """The site's cache when it keeps anything (shared by every worker with Redis), else
    a small in-process store of this worker."""
    cache = cache_for(app)
    if not isinstance(cache, NullBackend):
        return cache
    return app.extensions.setdefault(_LOCAL_FAILURES, MemoryBackend(max_entries=4))


def _read_failures(store: CacheBackend) -> dict[str, dict[str, Any]]:
    raw = store.get(FAILURES_KEY)
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def record_failure(
    app, block_name: str, placement: PlacementLike, exc: BaseException, *, stage: str = "render"
) -> None:
    """Count a failure of ``block_name`` in ``placement`` and keep its error (never raises).

    Kept for a day in the site's cache, so that with Redis every worker and
    ``flask portal blocks`` see the same list; with the memory cache (or none)
    each process keeps its own. Counts may miss a failure when two workers
    record one at the same instant: the list says what is failing, not an audit.
    """
    metrics.count_block_failure(app, block_name, stage)
    try:
        store = _failure_store(app)
        failures = _read_failures(store)
        key = f"{block_name}:{placement.id if placement.id is not None else 'new'}"
        now = time.time()
        message = " ".join(str(exc).split())
        error = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        entry = failures.get(key) or {
            "block": block_name,
            "placement_id": placement.id,
            "page_id": placement.page_id,
            "count": 0,
            "first_at": now,
        }
        entry.update(count=int(entry.get("count", 0)) + 1, last_at=now, stage=stage)
        entry["last_error"] = error[:500]
        failures[key] = entry
        if len(failures) > FAILURES_KEPT:
            oldest = sorted(failures, key=lambda k: failures[k].get("last_at", 0))
            for old in oldest[: len(failures) - FAILURES_KEPT]:
                del failures[old]
        store.set(FAILURES_KEY, json.dumps(failures, ensure_ascii=False), FAILURES_SECONDS)
    except Exception:  # the record is a convenience: rendering goes on whatever happens
        log.warning("Could not record the failure of block %r", block_name, exc_info=True)


def recent_failures(app, *, since_seconds: float = FAILURES_SECONDS) -> list[BlockFailure]:
    """Blocks that failed in the last day, the most recent first."""
    limit = time.time() - since_seconds
    failures = []
    for entry in _read_failures(_failure_store(app)).values():
        try:
            failure = BlockFailure(
                block=str(entry["block"]),
                placement_id=entry.get("placement_id"),
                page_id=entry.get("page_id"),
                count=int(entry["count"]),
                first_at=float(entry["first_at"]),
                last_at=float(entry["last_at"]),
                last_error=str(entry.get("last_error", "")),
                stage=str(entry.get("stage", "render")),
            )
        except (KeyError, TypeError, ValueError):
            continue
        if failure.last_at >= limit:
            failures.append(failure)
    return sorted(failures, key=lambda f: f.last_at, reverse=True)


def forget_failures(app) -> None:
    """Empty the list of recent failures (e.g. once the plugin is fixed)."""
    _failure_store(app).set(FAILURES_KEY, "{}", FAILURES_SECONDS)


@dataclass
class PrefetchFailed:
    """Stands in for a prefetch result when the block's ``prefetch`` raised."""

    error: Exception

    def __post_init__(self) -> None:
        self.traceback = self.error.__traceback__

    def reraise(self) -> None:
        """Raise the error for one placement, with the traceback of ``prefetch`` only.

        (Raising one exception object again and again would pile every
        placement's frames onto its traceback.)
        """
        raise self.error.with_traceback(self.traceback)


#: Keys of cached blocks. (Before the HTML was stored with its tags, keys began with
#: ``block:``; those entries are never read.)
BLOCK_KEY_PREFIX = "blk:"


def make_entry(tags: Iterable[str], html: str) -> str:
    """A cached block: its tags on the first line (a tag has no spaces), then its HTML.

    The tags come back with a hit, so a whole page made of cached blocks still
    knows everything it is made from (its own tags, for purging it).
    """
    return " ".join(sorted(tags)) + "\n" + str(html)


def read_entry(value) -> tuple[list[str], str] | None:
    """``(tags, html)`` of a cached block; None for a miss or a value of another shape."""
    if not isinstance(value, str):
        return None
    tags, newline, html = value.partition("\n")
    if not newline:
        return None
    return tags.split(), html


def wrap_block(block: Block, placement: PlacementLike, inner: Markup, *, inherited: bool) -> Markup:
    """The wrapper every block's HTML sits in (a hook for CSS and the admin)."""
    pid = placement.id if placement.id is not None else "new"
    # Built with escape() and an f-string: Markup.format costs more than the rest of
    # wrapping a block, and every block on every page is wrapped.
    name = escape(block.name)
    mark = ' data-inherited="1"' if inherited else ""
    return Markup(
        f'<div class="block block--{name}" id="block-{escape(pid)}" data-block="{name}"{mark}>'
        f"{escape(inner)}</div>"
    )


def render_block(ctx: BlockContext, block: Block, settings: dict[str, Any] | None = None) -> Markup:
    """Render one block outside a page (admin previews, tests); no isolation, no cache."""
    merged = block.load_settings(settings)
    ctx.prefetched = block.prefetch(ctx, [merged])
    return block.render(ctx, merged)


def static_url(block: type[Block] | Block, filename: str) -> str:
    """Cache-busting URL of a block's static file: changes when the file does.

    Worked out once per app and file (a deployment restarts the workers, which
    then hash the new files); in debug mode, the development server, the file is
    looked at again on every page, so an edited stylesheet shows at once.
    """
    return _remembered_url(block.name, filename, lambda: _static_url(block, filename))


def site_static_url(filename: str) -> str:
    """Cache-busting URL of one of the site's own static files (``site.css``), like
    :func:`static_url`: served for a year, and a new URL when the file changes."""
    app = current_app._get_current_object()
    path = Path(app.static_folder or "") / filename
    return _remembered_url(
        "", filename, lambda: url_for("static", filename=filename, v=file_version(str(path)))
    )


def _remembered_url(owner: str, filename: str, make) -> str:
    """``make()`` once per app and file; every time in debug mode (files being edited)."""
    app = current_app._get_current_object()
    if app.debug:
        return make()
    known = app.extensions.setdefault("portal.static_urls", {})
    key = (owner, filename, request.script_root if has_request_context() else "")
    if key not in known:
        known[key] = make()
    return known[key]


def _static_url(block: type[Block] | Block, filename: str) -> str:
    path = block.static_dir() / filename
    return url_for(
        "core.block_static", block_name=block.name, filename=filename, v=file_version(str(path))
    )


@lru_cache(maxsize=1024)
def _file_version_cached(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha1(Path(path).read_bytes()).hexdigest()[:10]


def file_version(path: str) -> str:
    """A short content hash of a file, recomputed only when it changes."""
    try:
        stat = Path(path).stat()
    except OSError:
        return "missing"
    return _file_version_cached(path, stat.st_mtime_ns, stat.st_size)
