"""The languages of the content: the Vietnamese site and its English twin under ``/en``.

Categories and pages carry a ``language`` ("vi" or "en"); an article has its
category's. An English item may name the Vietnamese one it translates
(``translation_of_id``): that pair is what the language switcher and the
``hreflang`` links point at. Without an equivalent, the other language's home
page is the target.

``?lang=en`` (or ``?lang=vi``) on a reader page redirects to the equivalent
page in that language, else to that language's home: the interface language
always follows the content, so an English interface never surrounds
Vietnamese text (docs/english-site.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, g, redirect, request

from portal.extensions import db
from portal.i18n import ENGLISH_PREFIX, SOURCE_LOCALE, current_locale
from portal.models import Article
from portal.site import article_url, category_tree, category_url, page_tree

#: The content languages, as the switcher names them (each in its own language).
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}
#: The admin's labels for the language selects.
LANGUAGE_LABELS = {"vi": "Tiếng Việt", "en": "Tiếng Anh (English)"}
#: The home page of each language.
HOME_PATHS = {"vi": "/", "en": ENGLISH_PREFIX}
#: Pages reached by their path (the others are templates, without a URL of their own).
PATH_KINDS = frozenset({"home", "static", "search"})


@dataclass(frozen=True)
class LanguageLink:
    """One language of the current page: where its version is, and whether it is this one."""

    language: str
    name: str
    href: str
    current: bool
    equivalent: bool  # False: no translation of this page, ``href`` is that language's home


def use_language(language: str) -> None:
    """Make ``language`` the interface language of this request (what the content is in)."""
    if language in current_app.config.get("PORTAL_LOCALES", [SOURCE_LOCALE]):
        g.portal_locale = language


def home_path(language: str) -> str:
    """The path of ``language``'s home page (``/`` or ``/en``)."""
    return HOME_PATHS.get(language, "/")


def content_language(page=None, article=None, category=None) -> str:
    """The language of what a page shows: the article's, the category's, the page's."""
    if article is not None:
        return article.language or SOURCE_LOCALE
    if category is not None and getattr(page, "kind", None) in (None, "category"):
        return category.language or SOURCE_LOCALE
    if page is not None and getattr(page, "language", None):
        return page.language
    return current_locale()


def _pair(item: Any, target: str, candidates) -> Any | None:
    """``item``'s version in ``target``: itself, what it translates, or what translates it."""
    if item.language == target:
        return item
    if item.translation_of_id is not None:
        return next(
            (c for c in candidates if c.id == item.translation_of_id and c.language == target),
            None,
        )
    return next(
        (c for c in candidates if c.translation_of_id == item.id and c.language == target), None
    )


def _article_equivalent(article: Article, target: str) -> str | None:
    if article.language == target:
        return article_url(article)
    if article.translation_of_id is not None:
        original = article.translation_of  # loaded with the article page
        found = original if original is not None and original.language == target else None
    else:
        found = next((a for a in article.translations if a.language == target), None)
    return article_url(found) if found is not None and found.is_public else None


def equivalent_url(target: str, page=None, article=None, category=None) -> str | None:
    """The URL of this content in ``target`` language, or None when it has no such version."""
    if article is not None:
        return _article_equivalent(article, target)
    if category is not None and getattr(page, "kind", None) in (None, "category"):
        found = _pair(category, target, category_tree().by_id.values())
        return category_url(found) if found is not None else None
    if page is not None and getattr(page, "kind", None) in PATH_KINDS and page.id is not None:
        found = _pair(page, target, page_tree().by_id.values())
        return found.path if found is not None and found.path else None
    return None


def language_links(page=None, article=None, category=None) -> list[LanguageLink]:
    """Every language of the site, each with where this page is in it (or its home)."""
    here = content_language(page, article, category)
    links = []
    for language in current_app.config.get("PORTAL_LOCALES", [SOURCE_LOCALE]):
        found = equivalent_url(language, page, article, category)
        links.append(
            LanguageLink(
                language=language,
                name=LANGUAGE_NAMES.get(language, language),
                href=found or home_path(language),
                current=language == here,
                equivalent=found is not None,
            )
        )
    return links


def _shown_content(endpoint: str, view_args: dict[str, Any]) -> dict[str, Any] | None:
    """What a reader URL shows (page, category or article), to find its equivalent."""
    if endpoint == "reader.home":
        return {"page": page_tree().by_path("/") or page_tree().root}
    if endpoint == "reader.static_page":
        return {"page": page_tree().by_path("/" + view_args.get("path", "").strip("/"))}
    if endpoint in ("reader.category", "reader.english_category"):
        return {"category": category_tree().by_slug(view_args.get("slug", ""))}
    if endpoint in ("reader.article", "reader.english_article"):
        return {"article": db.session.get(Article, view_args.get("article_id"))}
    return None


def redirect_lang_parameter():
    """Before a reader GET: ``?lang=xx`` goes to this page in that language (or its home).

    Admin, sign-in and asset URLs ignore the parameter; an unknown language is
    ignored too (the page is served as usual).
    """
    target = request.args.get("lang")
    endpoint = request.endpoint or ""
    if (
        request.method != "GET"
        or target not in current_app.config.get("PORTAL_LOCALES", [SOURCE_LOCALE])
        or endpoint.startswith(("admin.", "auth.", "static", "assets.", "vendor."))
    ):
        return None
    shown = _shown_content(endpoint, request.view_args or {}) or {}
    found = None
    if any(value is not None for value in shown.values()):
        found = equivalent_url(target, **shown)
    if found is None:
        return redirect(home_path(target), code=302)
    rest = [(key, value) for key, value in request.args.items(multi=True) if key != "lang"]
    return redirect(found + (f"?{urlencode(rest)}" if rest else ""), code=302)


def language_choices() -> list[tuple[str, str]]:
    """(value, label) pairs for the admin's language selects."""
    return [
        (language, LANGUAGE_LABELS.get(language, language))
        for language in current_app.config.get("PORTAL_LOCALES", [SOURCE_LOCALE])
    ]


def init_app(app: Flask) -> None:
    app.before_request(redirect_lang_parameter)
