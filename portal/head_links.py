"""Links plugins add to the ``<head>`` of reader pages (``portal_head_links``).

A feed plugin announces its RSS and Atom feeds (autodiscovery), another may
add ``rel="search"`` or ``rel="me"``. The core asks every plugin in use each
time a reader page is drawn (``templates/base.html`` loops over
:func:`head_links`); a plugin that raises or returns a wrong value is logged
and left out, the page still shows.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app

from portal.plugins import plugins_of

log = logging.getLogger("portal.head_links")

#: A ``rel`` value: one or more link types (``alternate``, ``search``, ``me``).
_REL = re.compile(r"^[a-z][a-z0-9.:-]*( [a-z][a-z0-9.:-]*)*$")
#: A media type (``application/rss+xml``), empty allowed.
#: A language tag (``vi``, ``en-GB``) or ``x-default``, empty allowed.
_HREFLANG = re.compile(r"^([a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*|x-default)?$")
#: Control characters, which no URL of a head link may hold.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_TYPE = re.compile(r"^([a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+)?$")


@dataclass(frozen=True)
class HeadLink:
    """One ``<link>`` a plugin adds to the head of a reader page.

    ``href`` is a path of this site (``/rss.xml``) or an ``http(s)://``
    address; ``type`` (a media type), ``title`` and ``hreflang`` (the
    language of the linked page: ``vi``, ``en``, ``x-default``) are optional.
    Values are escaped when the page is drawn.
    """

    rel: str
    href: str
    type: str = ""
    title: str = ""
    hreflang: str = ""


def _valid(link: Any) -> bool:
    return (
        isinstance(link, HeadLink)
        and isinstance(link.rel, str)
        and _REL.match(link.rel) is not None
        and isinstance(link.href, str)
        and (link.href.startswith("/") or link.href.startswith(("http://", "https://")))
        and not link.href.startswith("//")
        and _CONTROL.search(link.href) is None
        and isinstance(link.type, str)
        and _TYPE.match(link.type) is not None
        and isinstance(link.title, str)
        and isinstance(link.hreflang, str)
        and _HREFLANG.match(link.hreflang) is not None
    )


def head_links(page=None, article=None, category=None, tag=None) -> list[HeadLink]:
    """The links plugins add to the head of a reader page (none without a page).

    Called from ``templates/base.html`` with what the page shows. Each plugin
    in use is asked once; one that raises or returns anything but a list of
    valid :class:`HeadLink` is logged and left out.
    """
    if page is None or not getattr(page, "kind", None):
        return []
    links: list[HeadLink] = []
    seen: set[tuple[str, str, str]] = set()
    for plugin_name, result in plugins_of(current_app).call_each(
        "portal_head_links",
        disable_on_error=False,
        page=page,
        article=article,
        category=category,
        tag=tag,
    ):
        if result is None:
            continue
        if not isinstance(result, list | tuple) or not all(_valid(link) for link in result):
            log.error(
                "Plugin %r: portal_head_links must return a list of portal.HeadLink with a rel "
                "and a URL starting with / or http(s)://; got %r — its links are left out",
                plugin_name,
                result,
            )
            continue
        for link in result:
            if (link.rel, link.href, link.hreflang) not in seen:
                seen.add((link.rel, link.href, link.hreflang))
                links.append(link)
    return links
