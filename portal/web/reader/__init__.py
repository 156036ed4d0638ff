"""Public pages: home, categories, articles, static pages, media, 404."""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, abort, current_app, redirect, render_template, request
from markupsafe import Markup

from portal.content import redirects
from portal.content import tags as tag_names
from portal.content.media import media_storage, served_media_type
from portal.content.view_counter import count_view
from portal.extensions import db
from portal.i18n import current_locale, translate
from portal.languages import use_language
from portal.models import Page
from portal.page_meta import PATH_SAFE, not_found_meta
from portal.rendering import current_viewer, load_placements, render_page
from portal.site import (
    article_url,
    category_tree,
    category_url,
    find_tag,
    load_article_page,
    page_tree,
)
from portal.text import plain_text
from portal.web.observe import current_request_id
from portal.web.page_caching import cache_control
from portal.web.stored import redirect_to_store, send_stored

bp = Blueprint("reader", __name__)


def _page_or_404(page: Page | None) -> Page:
    if page is None:
        abort(404)
    return page


def _render_path_page(page: Page | None, **kwargs):
    """A home, static or search page, in its own language."""
    page = _page_or_404(page)
    use_language(page.language)
    return render_page(page, **kwargs)


@bp.get("/")
def home():
    tree = page_tree()
    page = tree.by_path("/") or tree.root
    return _render_path_page(page, title=current_app.config["PORTAL_SITE_NAME"])


@bp.get("/chuyen-muc/<slug>")
@bp.get("/en/category/<slug>", endpoint="english_category")
def category(slug: str):
    """A category's page; English categories live under ``/en/category/``."""
    categories = category_tree()
    found = categories.by_slug(slug)
    if found is None:
        abort(404)
    if request.endpoint != (
        "reader.english_category" if found.language == "en" else "reader.category"
    ):
        return redirect(category_url(found), code=301)
    use_language(found.language)
    page = page_tree().for_category("category", found, categories)
    return render_page(
        _page_or_404(page),
        category=found,
        title=found.name,
        description=found.description,
    )


@bp.get("/the/<slug>")
def tag(slug: str):
    """A tag's page: the site's one tag page, showing the articles that carry it."""
    found = find_tag(slug)
    if found is None:
        abort(404)
    page = page_tree().tag_page()
    return render_page(_page_or_404(page), tag=found, title=f"{translate('Thẻ')}: {found.name}")


@bp.get("/bai-viet/<int:article_id>")
@bp.get("/bai-viet/<int:article_id>-<slug>")
@bp.get("/en/article/<int:article_id>", endpoint="english_article")
@bp.get("/en/article/<int:article_id>-<slug>", endpoint="english_article")
def article(article_id: int, slug: str | None = None):
    """An article on the nearest article-template page of its category.

    The id makes the URL stable; a missing or outdated slug redirects to the
    canonical URL. Unpublished articles exist only for editors.
    """
    # With its image, translations, attachments and tags (the page's blocks and metadata):
    # one statement.
    found = load_article_page(article_id)
    viewer = current_viewer()
    if found is None or not (found.is_public or viewer.is_editor):
        abort(404)
    if slug != (found.slug or None) or request.endpoint != (
        "reader.english_article" if found.language == "en" else "reader.article"
    ):  # an article without a slug lives at /bai-viet/<id>; an English one under /en/article/
        return redirect(article_url(found), code=301)
    use_language(found.language)
    count_view(found, viewer)
    categories = category_tree()
    category = categories.get(found.category_id)
    page = page_tree().for_category("article", category, categories)
    return render_page(
        _page_or_404(page),
        article=found,
        category=category,
        title=found.title,
        description=plain_text(found.lead)[:300],
        viewer=viewer,
    )


#: A file of the media folder opened on its own runs nothing, whatever it holds.
MEDIA_CSP = "sandbox; default-src 'none'"
#: How long browsers and proxies keep an image: its name changes when it does.
MEDIA_MAX_AGE = 7 * 24 * 3600


@bp.get("/media/<path:filename>")
def media(filename: str):
    """Uploaded and demo images from the media storage: images only.

    A file of any other type (``.js``, ``.svg``, ``.html`` ...) is never
    served from the site's own origin, nor one outside the media area. With
    ``PORTAL_STORAGE_SERVE=redirect`` the answer is a redirect to the store.
    """
    mime_type = served_media_type(filename)
    if mime_type is None:
        abort(404)
    storage = media_storage()
    moved = redirect_to_store(storage, filename, public=True, media_type=mime_type)
    if moved is not None:
        return moved
    response = send_stored(storage, filename, mimetype=mime_type, max_age=MEDIA_MAX_AGE)
    if response is None:
        abort(404)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = MEDIA_CSP
    return response


@bp.get("/<path:path>")
def static_page(path: str):
    page = page_tree().by_path("/" + path.strip("/"))
    return _render_path_page(page)


class _NoFrame(LookupError):
    """The site has no root page whose header and footer could frame the 404 page."""


@bp.app_errorhandler(404)
def not_found(error):
    """The site's 404 page, in the site's frame: the root page's header, menu and footer.

    An old address kept in the redirects (:mod:`portal.content.redirects`) answers
    301 to where it went, or 410 "gone", instead: looked up here only, so a page
    that exists costs no query for it.

    If that frame cannot be rendered (no page yet, the database unreachable), the
    plain page without blocks answers instead: a 404 never becomes a 500.
    """
    kept = _kept_redirect()
    if kept is not None and kept.status == 301:
        return _redirect_response(kept)
    gone = kept is not None
    status = 410 if gone else 404
    categories = _safe_categories()
    try:
        response = current_app.make_response((_not_found_in_frame(categories, gone=gone), status))
    except _NoFrame:
        response = None  # a new site without pages: the plain page is the right answer
    except Exception:
        current_app.logger.exception("Could not render the 404 page in the site's frame")
        db.session.rollback()
        response = None
    if response is None:
        response = current_app.make_response(
            (
                render_template(
                    "errors/404.html",
                    categories=categories,
                    search_url=SEARCH_PATH,
                    page_meta=not_found_meta(),
                    gone=gone,
                ),
                status,
            )
        )
    if gone:
        _cache_as_address(response)
    return response


def _kept_redirect():
    """The redirect kept for the path asked for (GET and HEAD of reader addresses), or None."""
    if request.method not in ("GET", "HEAD") or request.blueprint == "admin":
        return None
    try:
        return redirects.find(request.path)
    except Exception:  # the database is away: the 404 page still shows
        current_app.logger.exception("Could not look up a redirect for %s", request.path)
        db.session.rollback()
        return None


def _redirect_response(kept):
    """301 to where an old address went, keeping the query string for this site's pages."""
    target = kept.new_path
    if target.startswith("/"):
        target = quote(target, safe=PATH_SAFE)
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
    response = redirect(target, code=301)
    _cache_as_address(response)
    return response


def _cache_as_address(response) -> None:
    """Cacheable by browsers and proxies as the portal's pages are, tagged with the address
    (``path:<path>``): a change of the redirect purges it (a redirect event)."""
    config = current_app.config
    response.headers["Cache-Control"] = cache_control(config)
    header = config.get("PORTAL_SURROGATE_KEY_HEADER")
    if header:
        response.headers[header] = tag_names.path(redirects.normalize_path(request.path))


def _not_found_in_frame(categories, *, gone: bool = False) -> str:
    """A page never stored, child of the root page with its own main region (and no
    sidebar): it inherits the root's header and footer blocks, as every page does."""
    root = page_tree().root
    if root is None:
        raise _NoFrame("the site has no page yet")
    title = translate("Trang đã bị gỡ bỏ") if gone else translate("Không tìm thấy trang")
    page = Page(
        kind="not_found",
        title=title,
        path=None,
        layout="one_column",
        parent_id=root.id,
        blocked_regions=["main", "sidebar"],
    )
    main = render_template(
        "errors/_not_found_body.html",
        categories=categories,
        search_url=_search_url(),
        gone=gone,
    )
    return render_page(
        page,
        title=title,
        placements_by_page=load_placements([root.id]),
        region_html={"main": Markup(main)},
        not_found=True,
    )


@bp.app_errorhandler(500)
def server_error(error):
    # The request id (portal.web.observe), for the reader to quote when reporting the error.
    return render_template("errors/500.html", request_id=current_request_id()), 500


#: Where the 404 page's search form goes when the site has no page of kind ``search``.
SEARCH_PATH = "/tim-kiem"


def _search_url() -> str:
    """The path of the site's search page (the first page of kind ``search``)."""
    pages = sorted(
        (p for p in page_tree().by_id.values() if p.kind == "search" and p.path and p.published),
        key=lambda p: p.id,
    )
    return pages[0].path if pages else SEARCH_PATH


def _safe_categories():
    """Top categories of the reader's language for the 404 page; nothing if the database
    is unreachable."""
    try:
        language = current_locale()
        return [c for c in category_tree().roots if (c.language or "vi") == language]
    except Exception:
        current_app.logger.exception("Could not load categories for the 404 page")
        db.session.rollback()
        return []
