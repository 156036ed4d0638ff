"""The metadata of a reader page: title, description, canonical URL, Open Graph, JSON-LD.

:func:`page_meta` is called by :func:`portal.rendering.render_page` (and by the
404 handler) with what the route knows: the page, the article, category or
tag, the title and description. It returns a :class:`PageMeta` that the
templates only print (``templates/layouts/_meta.html``). The rules are pure
functions of that and of :class:`SiteInfo` (the site's configuration), so they
are tested without pages:

* every absolute URL starts with ``PORTAL_BASE_URL`` (:func:`portal.site.absolute_url`),
  never with the request's ``Host``;
* the canonical URL keeps only the query parameters that change what the page
  is (``?trang=N`` for N > 1 on listing pages, ``?q=`` on the search page), so
  tracking parameters (``utm_*``, ``fbclid`` ...) and unknown ones are dropped;
* the title names page N of a listing ("Thời sự – Trang 2 – <site>");
* JSON-LD is one ``@graph`` (the site's organisation, a ``BreadcrumbList`` below
  home, a ``NewsArticle`` on article pages), serialized so that no text can
  close the ``<script>`` element. On the home page the organisation is described
  in full (address, contacts, managing body, leaders) when a plugin knows it
  (:func:`portal.organization.site_organization`, the ``portal_site_organization``
  hook, answered from the plugin's cache).

Nothing here runs a query (the organisation's plugin answers from its cache): the article's image and tags are loaded with the
article's media (:func:`portal.site.article_media`, one query for the page).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app, has_request_context, request
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from werkzeug.routing import BuildError

from portal.config import ORGANIZATION_TYPES
from portal.content.media import image_source
from portal.extensions import db
from portal.i18n import current_locale
from portal.models import Article, Category, MediaImage, Page
from portal.organization import SiteOrganization, site_organization
from portal.site import absolute_url, article_url, category_tree, category_url, image_for
from portal.text import plain_text, to_local

#: The query-string parameter of a listing's page number (article_list uses the same).
PAGE_PARAMETER = "trang"
#: The search page's query parameter.
SEARCH_PARAMETER = "q"
#: Page kinds whose page number is part of what the page is (title, canonical URL).
PAGINATED_KINDS = frozenset({"category", "tag", "search"})
#: Largest page number read from the query string (article_list's MAX_PAGE).
MAX_PAGE = 1000
#: Longest meta description; longer text is cut at a word and ends with "…".
DESCRIPTION_LENGTH = 160
#: og:locale of each site language.
OG_LOCALES = {"vi": "vi_VN", "en": "en_US"}
#: Characters left as they are when a page's path is quoted for its canonical URL.
PATH_SAFE = "/-._~!$&'()*+,;=:@%"
#: The separator of the parts of a title.
TITLE_SEPARATOR = " – "


@dataclass(frozen=True)
class SiteInfo:
    """What the metadata needs of the site's configuration."""

    name: str
    description: str
    organization_type: str
    origin: str
    logo_url: str
    timezone: str

    @classmethod
    def from_app(cls) -> SiteInfo:
        config = current_app.config
        org_type = config.get("PORTAL_ORGANIZATION_TYPE") or ORGANIZATION_TYPES[0]
        if org_type not in ORGANIZATION_TYPES:
            org_type = ORGANIZATION_TYPES[0]
        return cls(
            name=config["PORTAL_SITE_NAME"],
            description=config.get("PORTAL_SITE_DESCRIPTION") or "",
            organization_type=org_type,
            origin=absolute_url("/").rstrip("/"),
            logo_url=absolute_url("static", filename="favicon.svg"),
            timezone=config["PORTAL_TIMEZONE"],
        )

    @property
    def home_url(self) -> str:
        return self.origin + "/"

    @property
    def organization_id(self) -> str:
        return self.origin + "/#organization"


@dataclass(frozen=True)
class MetaImage:
    """The page's share image: absolute URL, and size and text when known."""

    url: str
    width: int | None = None
    height: int | None = None
    alt: str = ""


@dataclass(frozen=True)
class Crumb:
    """One step of the breadcrumb trail (absolute URL)."""

    name: str
    url: str


@dataclass
class PageMeta:
    """Everything the ``<head>`` of a reader page says about it."""

    title: str
    description: str
    site_name: str
    lang: str
    og_locale: str
    og_type: str = "website"
    og_title: str = ""
    canonical: str | None = None
    robots: str | None = None
    image: MetaImage | None = None
    published_time: str | None = None
    modified_time: str | None = None
    section: str | None = None
    tags: list[str] = field(default_factory=list)
    json_ld: dict[str, Any] = field(default_factory=dict)

    @property
    def twitter_card(self) -> str:
        return "summary_large_image" if self.image else "summary"

    @property
    def json_ld_script(self) -> Markup:
        """The JSON-LD as a ``<script>`` element, safe whatever the texts hold."""
        return json_ld_script(self.json_ld)


# -- pure rules --------------------------------------------------------------------------


def trim_description(text: str, limit: int = DESCRIPTION_LENGTH) -> str:
    """Plain text of at most ``limit`` characters, cut at a word, ending with "…" if cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut and not text[limit - 1].isspace():
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:–-") + "…"


def page_number(args) -> int:
    """The page number asked for with ``?trang=N``: 1 when absent, not a number or below 1."""
    try:
        number = int(args.get(PAGE_PARAMETER, "1"))
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def full_title(title: str | None, site_name: str, number: int = 1, extra: str = "") -> str:
    """``Thời sự – Trang 2 – <site>``; the site's name alone on the home page."""
    parts = [part for part in (title, extra) if part and part != site_name]
    if number > 1:
        parts.append(f"Trang {number}")
    return TITLE_SEPARATOR.join([*parts, site_name])


def with_query(url: str, params: list[tuple[str, str]]) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def iso_time(value: datetime | None, timezone: str) -> str | None:
    """ISO 8601 with the site's offset: ``2023-11-29T08:30:00+07:00``."""
    if value is None:
        return None
    return to_local(value, timezone).isoformat(timespec="seconds")


def json_ld_script(data: dict[str, Any]) -> Markup:
    """``<script type="application/ld+json">`` with ``<``, ``>`` and ``&`` escaped as
    ``\\u003c`` ...: a title holding ``</script>`` cannot end the element early."""
    if not data:
        return Markup("")
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("&", "\\u0026"),
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return Markup('<script type="application/ld+json">') + Markup(text) + Markup("</script>")


def organization(site: SiteInfo, info: SiteOrganization | None = None) -> dict[str, Any]:
    """The site's organisation; with ``info`` (what a plugin knows) its address and contacts."""
    data: dict[str, Any] = {
        "@type": site.organization_type,
        "@id": site.organization_id,
        "name": site.name,
        "url": site.home_url,
        "logo": {"@type": "ImageObject", "url": site.logo_url},
    }
    if info is None:
        return data
    data["name"] = info.name
    if info.logo_url:
        data["logo"] = {"@type": "ImageObject", "url": _absolute(site, info.logo_url)}
    address = {
        key: value
        for key, value in (
            ("streetAddress", info.street_address),
            ("addressLocality", info.locality),
            ("addressRegion", info.region),
            ("addressCountry", info.country),
        )
        if value
    }
    if info.street_address or info.locality or info.region:
        data["address"] = {"@type": "PostalAddress", **address}
    for key, value in (
        ("telephone", info.telephone),
        ("faxNumber", info.fax),
        ("email", info.email),
    ):
        if value:
            data[key] = value
    if info.managing_body:
        data["parentOrganization"] = {"@type": "GovernmentOrganization", "name": info.managing_body}
    if info.members:
        data["member"] = [
            {
                "@type": "Person",
                "name": member.name,
                **({"jobTitle": member.job_title} if member.job_title else {}),
            }
            for member in info.members
        ]
    return data


def _absolute(site: SiteInfo, url: str) -> str:
    return url if url.startswith(("https://", "http://")) else site.origin + "/" + url.lstrip("/")


def breadcrumb_list(site: SiteInfo, crumbs: list[Crumb]) -> dict[str, Any]:
    """Trang chủ, then ``crumbs`` (the page itself last)."""
    steps = [Crumb("Trang chủ", site.home_url), *crumbs]
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": number, "name": crumb.name, "item": crumb.url}
            for number, crumb in enumerate(steps, start=1)
        ],
    }


def image_object(image: MetaImage) -> dict[str, Any]:
    data: dict[str, Any] = {"@type": "ImageObject", "url": image.url}
    if image.width and image.height:
        data.update(width=image.width, height=image.height)
    return data


def news_article(
    site: SiteInfo,
    meta: PageMeta,
    *,
    headline: str,
    author: str,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@type": "NewsArticle",
        "headline": headline[:110],
        "description": meta.description,
        "mainEntityOfPage": {"@type": "WebPage", "@id": meta.canonical},
        "url": meta.canonical,
        "inLanguage": meta.lang,
        "publisher": {"@id": site.organization_id},
        "author": (
            {"@type": "Person", "name": author} if author else {"@id": site.organization_id}
        ),
    }
    if meta.image is not None:
        data["image"] = [image_object(meta.image)]
    if meta.published_time:
        data["datePublished"] = meta.published_time
    if meta.modified_time:
        data["dateModified"] = meta.modified_time
    if meta.section:
        data["articleSection"] = meta.section
    if meta.tags:
        data["keywords"] = ", ".join(meta.tags)
    return data


# -- from what a route knows -------------------------------------------------------------


def _category_crumbs(category: Category | None) -> list[Crumb]:
    chain = list(reversed(category_tree().ancestors(category)))
    return [Crumb(c.name, absolute_url(category_url(c))) for c in chain]


def _tag_url(tag: Any) -> str:
    try:
        return absolute_url("reader.tag", slug=tag.slug)
    except BuildError:  # no tag pages on this site: the page asked for
        return absolute_url(request.path if has_request_context() else "/")


def _article_image(article: Article) -> MetaImage | None:
    source = image_for(article)
    if source is None or not source.src:
        return None
    alt = article.image_alt or ""
    if not alt and article.image_id is not None and article.image_file is not None:
        alt = article.image_file.alt or ""
    return MetaImage(
        url=absolute_url(source.src),
        width=source.width,
        height=source.height,
        alt=alt or article.title,
    )


def _library_image(media: MediaImage, alt: str) -> MetaImage:
    """A library image chosen to be shared (og:image), at its full size."""
    source = image_source(media)
    return MetaImage(
        url=absolute_url(source.src),
        width=source.width,
        height=source.height,
        alt=media.alt or alt,
    )


def _shared_image(own: Any) -> MediaImage | None:
    """The library image an editor chose to share, or None.

    An article page loads it with the article (:func:`portal.site.load_article_page`);
    a page of the (detached) page tree has only its id: one lookup by primary key.
    """
    image_id = getattr(own, "social_image_id", None)
    if not image_id:
        return None
    if "social_image" not in sa_inspect(own).unloaded:
        return own.social_image
    return db.session.get(MediaImage, image_id)


#: Kinds of page reached by their own path, whose page carries what is said about them
#: (a category or an article says it about itself; their template pages serve many).
OWN_SEO_KINDS = frozenset({"home", "static", "search"})


def editor_canonical(value: str) -> str:
    """An editor's canonical URL override: a path of this site made absolute, a URL as is."""
    return absolute_url(quote(value, safe=PATH_SAFE + "?#")) if value.startswith("/") else value


def page_meta(
    page: Page | None,
    *,
    article: Article | None = None,
    category: Category | None = None,
    tag: Any = None,
    title: str | None = None,
    description: str = "",
    not_found: bool = False,
) -> PageMeta:
    """The metadata of the page being rendered (needs an app context; runs no query).

    ``tag`` is a tag's page (anything with ``name`` and ``slug``), ``not_found``
    the 404 page (no canonical URL, ``noindex``).
    """
    site = SiteInfo.from_app()
    args = request.args if has_request_context() else {}
    lang = current_locale()
    if not_found:
        kind = "not_found"
    elif article is not None:
        kind = "article"
    elif tag is not None:
        kind = "tag"
    elif page is not None and page.kind == "category" and category is not None:
        kind = "category"
    else:
        kind = page.kind if page is not None else "static"

    number = page_number(args) if kind in PAGINATED_KINDS else 1
    # What the reader typed, printable characters only, in at most 200 of them.
    typed = "".join(ch for ch in str(args.get(SEARCH_PARAMETER, ""))[:1000] if ch.isprintable())
    query = " ".join(typed.split())[:200]
    base_title = title or (page.title if page is not None else "")
    crumbs: list[Crumb] = []
    params: list[tuple[str, str]] = []
    text = description

    if kind == "article":
        path = article_url(article)
        text = text or plain_text(article.lead)
        crumbs = [*_category_crumbs(category), Crumb(article.title, absolute_url(path))]
        canonical = absolute_url(path)
    elif kind == "category":
        text = text or category.description
        canonical = absolute_url(category_url(category))
        crumbs = _category_crumbs(category)
    elif kind == "tag":
        canonical = _tag_url(tag)
        base_title = title or tag.name
        text = text or f"Các bài viết gắn thẻ “{tag.name}” trên {site.name}."
        crumbs = [Crumb(base_title, canonical)]
    elif kind == "home":
        canonical = site.home_url
    elif kind == "not_found":
        canonical = None
        base_title = title or "Không tìm thấy trang"
    else:  # static, search, plugin pages and any other kind: their own path
        path = (page.path if page is not None else None) or (
            request.path if has_request_context() else "/"
        )
        # Quoted: a plugin's page may be at any path a reader typed (spaces, "\\").
        canonical = absolute_url(quote("/" + path.strip("/"), safe=PATH_SAFE))
        crumbs = [Crumb(base_title, canonical)] if canonical != site.home_url else []

    if kind == "search" and query:
        params.append((SEARCH_PARAMETER, query))
    if number > 1:
        params.append((PAGE_PARAMETER, str(number)))
    if canonical is not None:
        canonical = with_query(canonical, params)
        if crumbs:
            crumbs[-1] = Crumb(crumbs[-1].name, canonical)

    # What an editor said about this article or page (portal.content.seo); empty: as above.
    own: Any = None
    if kind == "article":
        own = article
    elif kind in OWN_SEO_KINDS and page is not None and page.kind == kind:
        own = page
    own_description = getattr(own, "meta_description", "") or ""
    if own_description:
        text = own_description
    own_canonical = getattr(own, "canonical_url", "") or ""
    if own_canonical and canonical is not None:
        canonical = editor_canonical(own_canonical)

    extra = f"“{query}”" if kind == "search" and query else ""
    meta = PageMeta(
        title=full_title(base_title if kind != "home" else None, site.name, number, extra),
        description=trim_description(text or "") or trim_description(site.description),
        site_name=site.name,
        lang=lang,
        og_locale=OG_LOCALES.get(lang, lang),
        og_title=(base_title if kind != "home" else "") or site.name,
        canonical=canonical,
        robots="noindex" if kind == "not_found" else None,
    )
    if kind == "search" and query:
        meta.robots = "noindex,follow"
    if getattr(own, "noindex", False):
        meta.robots = "noindex"
    if number > 1:
        meta.og_title = f"{meta.og_title}{TITLE_SEPARATOR}Trang {number}"

    # The home page describes the organisation in full (the plugin answers from its cache).
    graph: list[dict[str, Any]] = [
        organization(site, site_organization() if kind == "home" else None)
    ]
    if kind == "article":
        meta.og_type = "article"
        meta.image = _article_image(article)
        meta.published_time = iso_time(article.published_at, site.timezone)
        meta.modified_time = iso_time(article.updated_at or article.published_at, site.timezone)
        meta.section = category.name if category is not None else None
        meta.tags = [t.name for t in article.tags]
    shared = _shared_image(own)
    if shared is not None:
        meta.image = _library_image(shared, getattr(own, "title", "") or base_title)
    if crumbs:
        graph.append(breadcrumb_list(site, crumbs))
    if kind == "article":
        graph.append(news_article(site, meta, headline=article.title, author=article.author))
    meta.json_ld = {"@context": "https://schema.org", "@graph": graph}
    return meta


def not_found_meta() -> PageMeta | None:
    """The metadata of the 404 page; None when even that cannot be built (no app config)."""
    try:
        return page_meta(None, not_found=True)
    except Exception:  # the 404 page shows, with a plain head, whatever happens
        current_app.logger.exception("Could not build the metadata of the 404 page")
        return None


__all__ = [
    "MetaImage",
    "PageMeta",
    "SiteInfo",
    "json_ld_script",
    "page_meta",
    "trim_description",
]
