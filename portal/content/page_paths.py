"""Which addresses a page may have: one rule for the page form and the site import.

Home, static and search pages are reached by their own path (``/gioi-thieu``);
category pages and article templates are chosen by category and have none. A
path is lower-case ASCII words joined by hyphens, in segments under ``/``, and
never one the portal serves itself (``/admin``, ``/media`` ...): a page there
would never be reached, or would hide the portal's own route.
"""

from __future__ import annotations

import re

#: Kinds reached by their own path; the others are chosen by category.
PATH_KINDS = ("home", "static", "search")
#: Kinds tied to a category (or, without one, the default for every category).
CATEGORY_KINDS = ("category", "article")
#: Kinds with neither: one page of the kind serves every object of it (``/the/<slug>``).
SINGLE_KINDS = ("tag",)
PATH_RE = re.compile(r"/([a-z0-9]+(-[a-z0-9]+)*(/[a-z0-9]+(-[a-z0-9]+)*)*)?")
#: Paths the reader blueprint serves itself; a page there would never be reached.
RESERVED_PREFIXES = (
    "/admin",
    "/bai-viet",
    "/chuyen-muc",
    "/en/category",  # English categories and articles (portal.languages)
    "/en/article",
    "/the",
    "/media",
    "/static",
    "/_blocks",
    "/dang-nhap",
    "/dang-xuat",
    "/tai-lieu",
    "/_vendor",
    "/favicon.ico",
)


def is_well_formed(path: str) -> bool:
    """``/`` or ``/word-word/word``: what the page form accepts as a path."""
    return isinstance(path, str) and PATH_RE.fullmatch(path) is not None


def is_reserved(path: str) -> bool:
    """Whether the portal serves ``path`` (or what is under it) itself."""
    return path != "/" and any(path == p or path.startswith(p + "/") for p in RESERVED_PREFIXES)
