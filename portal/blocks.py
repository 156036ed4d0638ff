"""The block API: :class:`Block`, :class:`BlockContext`, :class:`CachePolicy`.

A *block type* is a subclass of :class:`Block` provided by a plugin through
``portal_register_blocks``; a *placement* (a database row) puts one on a page
with its settings. The class is the definition, the row is the value.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form

from portal.content import tags as tag_names

if TYPE_CHECKING:
    from flask import Flask

    from portal.models import Article, Category, Page, Placement

#: What a cache entry may vary on.
VARY_KEYS = frozenset({"locale", "page", "article", "category", "query", "viewer", "data_version"})
#: A data set's name (``CachePolicy.data_sets``, ``portal.bump_data_version``).
DATA_SET_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")
#: What a block may need from the page it is placed on.
NEEDS = frozenset({"article", "category"})


#: Default settings per settings form class (see Block.default_settings). Classes are
#: immutable definitions, so this cache is shared safely by every app in the process.
_DEFAULTS: dict[type[Form], dict[str, Any]] = {}


class EmptySettingsForm(Form):
    """The settings form of a block that has no settings."""


@dataclass(frozen=True)
class CachePolicy:
    """How a block's HTML may be cached for readers.

    * ``timeout``: seconds to keep it; ``0`` disables caching.
    * ``vary_on``: what makes two renderings differ, from :data:`VARY_KEYS`
      (``"query"`` = the request's query string, ``"viewer"`` = anonymous
      vs signed-in, ``"data_version"`` = what the block's
      :meth:`Block.data_version` returns). The placement and its settings are
      always part of the key.
    * ``tags``: what content it depends on. ``"article"`` and ``"category"``
      expand to the current ``article:<id>`` / ``category:<id>``; any other
      text (``"articles"``, ``"categories"``) is used as it is. The placement's
      page always adds ``page:<id>``.
    * ``data_sets``: names of a plugin's own data sets the HTML is made from
      (``{"weather"}``); ``portal.bump_data_version("weather")`` purges the
      blocks made from it, and only those (tag ``data:<name>``).
    """

    timeout: int = 300
    vary_on: frozenset[str] = frozenset({"locale", "page"})
    tags: frozenset[str] = frozenset()
    data_sets: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "vary_on", frozenset(self.vary_on))
        object.__setattr__(self, "tags", frozenset(self.tags))
        if isinstance(self.data_sets, str):
            raise ValueError(
                f"CachePolicy.data_sets takes a set of names, not one string: {{{self.data_sets!r}}}"
            )
        object.__setattr__(self, "data_sets", frozenset(self.data_sets))
        wrong = sorted(
            repr(name)
            for name in self.data_sets
            if not (isinstance(name, str) and DATA_SET_RE.match(name))
        )
        if wrong:
            raise ValueError(
                f"CachePolicy.data_sets has names that are not data set names: {', '.join(wrong)} "
                "(lower-case letters, digits, '_', '.', '-', starting with a letter)"
            )
        unknown = self.vary_on - VARY_KEYS
        if unknown:
            raise ValueError(f"CachePolicy.vary_on has unknown keys {sorted(unknown)}")
        if self.timeout < 0:
            raise ValueError("CachePolicy.timeout must be >= 0")


NO_CACHE = CachePolicy(timeout=0)


@dataclass
class BlockContext:
    """Everything a block may know about the request it renders for.

    Blocks read from it; they never reach for ``flask.request`` or globals,
    so the same block renders in tests, previews and the admin.
    """

    app: Flask
    page: Page
    region: str
    placement: Placement | None = None
    article: Article | None = None
    category: Category | None = None
    locale: str = "vi"
    is_editor: bool = False
    preview: bool = False
    query: MultiDict = field(default_factory=MultiDict)
    #: What the block's ``prefetch`` returned for this page (or None).
    prefetched: Any = None

    @property
    def placement_id(self) -> int | None:
        return self.placement.id if self.placement is not None else None


class Block:
    """Base class of every block type. Subclass it and override what you need.

    Class attributes a block declares:

    * ``name`` — unique slug (``[a-z][a-z0-9_]*``), stored in placements.
    * ``label``, ``description``, ``group`` — shown in the admin's picker.
    * ``settings_form`` — a WTForms ``Form`` class; its defaults are the
      block's default settings and it validates settings when they are saved.
    * ``template`` — Jinja template name, by convention ``<name>/<file>.html``
      in the plugin's ``templates/`` folder.
    * ``css`` / ``js`` — files in the plugin's ``static/`` folder.
    * ``cache`` — a :class:`CachePolicy`.
    * ``needs`` — what the page must provide (``{"article"}``): the block
      renders only where it is met and the picker offers it only there.
    """

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    description: ClassVar[str] = ""
    group: ClassVar[str] = "Khác"
    settings_form: ClassVar[type[Form]] = EmptySettingsForm
    template: ClassVar[str] = ""
    css: ClassVar[tuple[str, ...]] = ()
    js: ClassVar[tuple[str, ...]] = ()
    cache: ClassVar[CachePolicy] = CachePolicy()
    needs: ClassVar[frozenset[str]] = frozenset()

    # -- what plugins override ---------------------------------------------

    def get_context(self, ctx: BlockContext, settings: dict[str, Any]) -> dict[str, Any]:
        """Return the variables for the template. Override this."""
        return {}

    @classmethod
    def prefetch(cls, ctx: BlockContext, settings_list: list[dict[str, Any]]) -> Any:
        """Load data for every placement of this type on a page at once.

        Called once per page with the settings of all placements of this type
        that are about to render; the result is ``ctx.prefetched`` in
        :meth:`get_context`. Use it so that ten blocks of a kind cost one
        query, not ten. The default loads nothing.
        """
        return None

    def cache_tags(self, ctx: BlockContext, settings: dict[str, Any]) -> set[str]:
        """Tags for the cache entry; the default expands ``cache.tags``."""
        tags = {tag_names.page(ctx.page.id)}
        for tag in self.cache.tags:
            if tag == "article":
                if ctx.article is not None:
                    tags.add(tag_names.article(ctx.article.id))
            elif tag == "category":
                if ctx.category is not None:
                    tags.add(tag_names.category(ctx.category.id))
            else:
                tags.add(tag)
        tags.update(tag_names.data(name) for name in self.cache.data_sets)
        return tags

    def data_version(self, ctx: BlockContext, settings: dict[str, Any]) -> str:
        """The version of the outside data this rendering is made from (a file's time, an ETag).

        Used only by blocks whose ``cache.vary_on`` has ``"data_version"``: it
        becomes part of the cache key, so a new version renders anew while the
        old entries simply expire. Keep it cheap (it runs on every cached
        read); raising skips the cache for that rendering.
        """
        raise NotImplementedError(
            f"{type(self).__name__} varies its cache on data_version but does not "
            "define data_version(ctx, settings)"
        )

    # -- provided by the base ----------------------------------------------

    def render(self, ctx: BlockContext, settings: dict[str, Any]) -> Markup:
        """Render the block's template with :meth:`get_context`'s variables."""
        variables = self.get_context(ctx, settings)
        if not isinstance(variables, dict):
            raise TypeError(
                f"{type(self).__name__}.get_context() must return a dict, "
                f"not {type(variables).__name__}"
            )
        template = ctx.app.jinja_env.get_template(self.template)
        html = template.render(block=self, settings=settings, ctx=ctx, **variables)
        return Markup(html)

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        """The settings a new placement starts with: the form's defaults.

        Computed once per form class (every placement renders with them), unless
        a field's default is a callable, which must run each time.
        """
        cached = _DEFAULTS.get(cls.settings_form)
        if cached is None:
            form = cls.settings_form()
            cached = jsonable(form.data)
            if not any(callable(field.default) for field in form):
                _DEFAULTS[cls.settings_form] = cached
        return copy.deepcopy(cached)

    @classmethod
    def validate_settings(
        cls, settings: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Validate stored-style settings through the settings form.

        Returns ``(clean_settings, errors)``; ``errors`` maps field names to
        messages and is empty when the settings are valid.
        """
        merged = {**cls.default_settings(), **settings}
        form = cls.settings_form(formdata=settings_to_formdata(cls.settings_form, merged))
        if form.validate():
            return jsonable(form.data), {}
        return {}, {name: list(messages) for name, messages in form.errors.items()}

    @classmethod
    def package_dir(cls) -> Path:
        """The folder of the module that defines the block (its plugin's root)."""
        module = sys.modules[cls.__module__]
        return Path(module.__file__).resolve().parent

    @classmethod
    def static_dir(cls) -> Path:
        return cls.package_dir() / "static"

    @classmethod
    def templates_dir(cls) -> Path:
        return cls.package_dir() / "templates"


def settings_to_formdata(form_class: type[Form], settings: dict[str, Any]) -> MultiDict:
    """Turn stored settings into form data, as if a browser had posted them.

    Saving from the admin and validating imported or stored settings then go
    through exactly the same form code.
    """
    formdata = MultiDict()
    for field_name in form_class()._fields:
        if field_name not in settings:
            continue
        value = settings[field_name]
        if value is None or value is False:
            continue
        if value is True:
            formdata.add(field_name, "y")
        elif isinstance(value, list | tuple):
            for item in value:
                formdata.add(field_name, str(item))
        else:
            formdata.add(field_name, str(value))
    return formdata


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Form data as JSON-storable values (dates as ISO text, decimals as text)."""
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, date | datetime | time):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        clean[key] = value
    return clean


def settings_digest(settings: dict[str, Any]) -> str:
    """A short stable hash of settings, for cache keys."""
    encoded = json.dumps(settings, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha1(encoded).hexdigest()[:12]
