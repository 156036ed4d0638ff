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
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from wtforms import (
    BooleanField,
    DateField,
    DateTimeField,
    DecimalField,
    Field,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    TimeField,
)

from portal.content import tags as tag_names
from portal.setting_fields import ContentField

if TYPE_CHECKING:
    from flask import Flask

    from portal.models import Article, Category, Page, Placement, Tag
    from portal.site import CategoryTree

#: What a cache entry may vary on.
VARY_KEYS = frozenset(
    {"locale", "page", "article", "category", "tag", "query", "viewer", "data_version"}
)
#: A data set's name (``CachePolicy.data_sets``, ``portal.bump_data_version``).
DATA_SET_RE = re.compile(r"^[a-z][a-z0-9_.-]{0,62}$")
#: What a block may need from the page it is placed on.
NEEDS = frozenset({"article", "category", "tag"})


#: Default settings per settings form class (see Block.default_settings). Classes are
#: immutable definitions, so this cache is shared safely by every app in the process.
_DEFAULTS: dict[type[Form], dict[str, Any]] = {}


class PageNotFound(NotFound):
    """Raised by a block (in ``prefetch`` or ``get_context``) when the page it is asked
    for does not exist, e.g. page 99 of a list that has three pages.

    Unlike any other exception it is not isolated: rendering stops and the route
    answers the site's normal 404 page. Nothing of that rendering is cached.
    """

    def __init__(self, description: str | None = None) -> None:
        super().__init__(description)


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
    * ``query_params``: with ``"query"`` in ``vary_on``, the names of the
      query parameters the block reads (``{"trang"}``). The block then sees only
      those in ``ctx.query``, only they make new cache entries, and a whole
      page whose other parameters are all known this way can be cached whole
      (``?x=1``, ``?x=2`` ... never multiply entries). Empty: every parameter
      counts, and a page with a query string is not cached whole.
    """

    timeout: int = 300
    vary_on: frozenset[str] = frozenset({"locale", "page"})
    tags: frozenset[str] = frozenset()
    data_sets: frozenset[str] = frozenset()
    query_params: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "vary_on", frozenset(self.vary_on))
        object.__setattr__(self, "tags", frozenset(self.tags))
        if isinstance(self.query_params, str):
            raise ValueError(
                "CachePolicy.query_params takes a set of names, not one string: "
                f"{{{self.query_params!r}}}"
            )
        object.__setattr__(self, "query_params", frozenset(self.query_params))
        if self.query_params and "query" not in self.vary_on:
            raise ValueError('CachePolicy.query_params needs "query" in vary_on')
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


@dataclass(frozen=True)
class SettingsContext:
    """Where a block's settings form is used: the page, the site's categories, the locale.

    The admin builds one for every settings form it shows or saves, and
    :meth:`Block.validate_settings` accepts one; a form reads it in its
    ``with_context(self, context)`` method (to offer choices) and its
    validators read it as ``form.context``. Forms used without a context
    (a form with no ``with_context``, old code) work as before.
    """

    #: The page the block is (or will be) placed on; None outside a page.
    page: Page | None = None
    #: The site's category tree (:func:`portal.category_tree`): ``roots``,
    #: ``children``, ``get(id)``, ``by_slug(slug)``; None when not known.
    categories: CategoryTree | None = None
    #: The language of the admin screen (``"vi"`` or ``"en"``).
    locale: str = "vi"

    def category_choices(self, blank: str | None = None) -> list[tuple[str, str]]:
        """``(slug, name)`` pairs for a select, in tree order, children indented.

        ``blank`` adds a first choice with an empty value (e.g. "— Chuyên mục của trang —").
        """
        choices = [("", blank)] if blank is not None else []
        if self.categories is None:
            return choices

        def walk(parent_id: int | None, depth: int) -> None:
            for category in self.categories.children.get(parent_id, []):
                choices.append((category.slug, "— " * depth + category.name))
                walk(category.id, depth + 1)

        walk(None, 0)
        return choices


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
    #: The tag whose page this is (``/the/<slug>``), None elsewhere.
    tag: Tag | None = None
    locale: str = "vi"
    is_editor: bool = False
    preview: bool = False
    query: MultiDict = dataclass_field(default_factory=MultiDict)
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
    * ``typed_settings`` — True to receive settings typed (``date``,
      ``Decimal``...) rather than as stored JSON text.
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
    #: True: settings reach the block typed (dates as ``date``...), see load_settings.
    typed_settings: ClassVar[bool] = False

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
        if any(isinstance(value, (dict, list)) for value in cached.values()):
            return copy.deepcopy(cached)  # nested values: each caller gets its own
        return dict(cached)

    @classmethod
    def settings_form_for(
        cls,
        formdata: MultiDict | None = None,
        *,
        context: SettingsContext | None = None,
        settings: dict[str, Any] | None = None,
    ) -> Form:
        """The block's settings form, bound to ``context``.

        ``formdata`` is what a browser posted; ``settings`` (stored settings,
        used when there is no ``formdata``) fills the form as they were saved.
        The form gets ``form.context`` (``None`` without one) and, when the form
        class defines ``with_context(self, context)``, that method is called
        before the form is shown or validated (also for nested ``FormField``
        groups), so it can set choices from the page and the site.
        """
        if formdata is None and settings is not None:
            merged = {**cls.default_settings(), **settings}
            formdata = settings_to_formdata(cls.settings_form, merged)
        form = cls.settings_form(formdata=formdata)
        _bind_context(form, context)
        return form

    @classmethod
    def validate_settings(
        cls, settings: dict[str, Any], context: SettingsContext | None = None
    ) -> tuple[dict[str, Any], dict[str, list[str]]]:
        """Validate stored-style settings through the settings form.

        Returns ``(clean_settings, errors)``; ``errors`` maps field names to
        messages and is empty when the settings are valid. ``context`` is the
        page and site the settings are for (see :class:`SettingsContext`).
        """
        form = cls.settings_form_for(context=context, settings=settings)
        if form.validate():
            return jsonable(form.data), {}
        return {}, {name: _messages(messages) for name, messages in form.errors.items()}

    @classmethod
    def load_settings(cls, stored: dict[str, Any] | None) -> dict[str, Any]:
        """Stored settings as a block receives them: merged over the defaults.

        With ``typed_settings = True`` values come back typed, as the form's
        ``data`` would give them (a ``DateField`` a ``date``, a ``DecimalField``
        a ``Decimal``, a ``FormField`` a dict, a ``FieldList`` a list); without
        it, as stored (dates and decimals as text), as blocks always got them.
        """
        merged = {**cls.default_settings(), **(stored or {})}
        if cls.typed_settings:
            return typed_settings(cls.settings_form, merged)
        return merged

    def summarize_settings(self, settings: dict[str, Any]) -> str:
        """A short line about the settings, for the block's card in the page editor.

        Override it to say what matters (``"5 bài, chuyên mục Thời sự"``), in
        the admin's language, with labels, never the settings' keys. The
        default (:func:`default_summary`) names the fields that are set by their
        labels: ``Tiêu đề: Tin mới``, ``Hiện ngày hôm nay: có``, a choice by its
        text, a category, page, tag or menu by its name; HTML is shortened to
        its text. If it raises, the editor shows the default instead.
        """
        return default_summary(self.settings_form, settings)

    @classmethod
    def package_dir(cls) -> Path:
        """The folder of the module that defines the block (its plugin's root)."""
        return _module_folder(sys.modules[cls.__module__].__file__)

    @classmethod
    def static_dir(cls) -> Path:
        return cls.package_dir() / "static"

    @classmethod
    def templates_dir(cls) -> Path:
        return cls.package_dir() / "templates"


@cache
def _module_folder(module_file: str) -> Path:
    """The resolved folder of a module file, worked out once (pages ask for every block's)."""
    return Path(module_file).resolve().parent


def _fields(form: Form) -> list[Field]:
    return list(form)


def _entry_field(field: FieldList) -> Field:
    """A processed, empty entry of a ``FieldList`` (its type and, for groups, its form)."""
    options = {
        "name": f"{field.name}{field._separator}0",
        "id": f"{field.id}{field._separator}0",
        "_meta": field.meta,
        "translations": field._translations,
    }
    entry = field.meta.bind_field(field._form, field.unbound_field, options)
    entry.process(None)
    return entry


def _typed_value(field: Field, value: Any) -> Any:
    """One stored (JSON) value as the field's own type; a value that does not fit stays as it is."""
    if value is None:
        return None
    try:
        if isinstance(field, FormField):
            return _typed_group(field.form, value) if isinstance(value, dict) else value
        if isinstance(field, FieldList):
            if not isinstance(value, list | tuple):
                return value
            entry = _entry_field(field)
            return [_typed_value(entry, item) for item in value]
        if isinstance(field, BooleanField):
            return bool(value)
        if isinstance(value, str):
            if isinstance(field, DateField):
                return date.fromisoformat(value)
            if isinstance(field, TimeField):
                return time.fromisoformat(value)
            if isinstance(field, DateTimeField):
                return datetime.fromisoformat(value)
            if isinstance(field, DecimalField):
                return Decimal(value)
        if isinstance(field, FloatField) and isinstance(value, int | str) and value is not True:
            return float(value)
        if isinstance(field, IntegerField) and not isinstance(value, bool | int):
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
                return int(value)
    except (ValueError, TypeError, ArithmeticError):
        return value
    return value


def _typed_group(form: Form, values: dict[str, Any]) -> dict[str, Any]:
    typed = dict(values)
    for field in _fields(form):
        if field.short_name in typed:
            typed[field.short_name] = _typed_value(field, typed[field.short_name])
    return typed


def typed_settings(form_class: type[Form], settings: dict[str, Any]) -> dict[str, Any]:
    """Stored settings with each value as its field's type (the reverse of :func:`jsonable`).

    JSON has no dates or decimals, so they are stored as ISO text; a ``DateField``
    comes back a ``date``, a ``DecimalField`` a ``Decimal``, a ``FloatField`` a
    ``float``, nested ``FormField`` groups and ``FieldList`` lists likewise. Keys
    the form does not know and values that do not fit are left as they are.
    """
    return _typed_group(_blank_form(form_class), settings)


#: One empty instance per settings form class, read (never changed) to learn field types.
_BLANK_FORMS: dict[type[Form], Form] = {}


def _blank_form(form_class: type[Form]) -> Form:
    form = _BLANK_FORMS.get(form_class)
    if form is None:
        form = _BLANK_FORMS[form_class] = form_class()
    return form


def setting_labels(form_class: type[Form]) -> dict[str, str]:
    """Each setting's label by its key, as the settings form shows it."""
    return {
        field.short_name: (field.label.text if field.label is not None else field.short_name)
        for field in _fields(_blank_form(form_class))
    }


def _field_text(field: Field, value: Any) -> str:
    if isinstance(value, date | datetime | time):
        formats = getattr(field, "format", None)
        if isinstance(formats, list | tuple):
            formats = formats[0] if formats else None
        return value.strftime(formats) if isinstance(formats, str) else value.isoformat()
    return str(value)


def _add_formdata(formdata: MultiDict, field: Field, value: Any) -> None:
    """Add one value under the field's posted name(s); ``field`` comes from a form filled
    with the same settings, so lists have their entries (``links-0``, ``links-1``)."""
    if isinstance(field, FormField):
        if isinstance(value, dict):
            for sub in _fields(field.form):
                if sub.short_name in value:
                    _add_formdata(formdata, sub, value[sub.short_name])
        return
    if isinstance(field, FieldList):
        if isinstance(value, list | tuple):
            for entry, item in zip(field.entries, value, strict=False):
                _add_formdata(formdata, entry, item)
        return
    if value is None or value is False:
        return
    if value is True:
        formdata.add(field.name, "y")
    elif isinstance(value, list | tuple):
        for item in value:
            formdata.add(field.name, _field_text(field, item))
    else:
        formdata.add(field.name, _field_text(field, value))


def settings_to_formdata(form_class: type[Form], settings: dict[str, Any]) -> MultiDict:
    """Turn stored settings into form data, as if a browser had posted them.

    Saving from the admin and validating imported or stored settings then go
    through exactly the same form code. Nested groups (``FormField``) and lists
    (``FieldList``) become their prefixed names (``links-0-url``).
    """
    known = set(_blank_form(form_class)._fields)
    typed = typed_settings(form_class, {k: v for k, v in settings.items() if k in known})
    form = form_class(data=typed)
    formdata = MultiDict()
    for bound in _fields(form):
        if bound.short_name in typed:
            _add_formdata(formdata, bound, typed[bound.short_name])
    return formdata


def _jsonable_value(value: Any) -> Any:
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return jsonable(value)
    if isinstance(value, list | tuple):
        return [_jsonable_value(item) for item in value]
    return value


def jsonable(data: dict[str, Any]) -> dict[str, Any]:
    """Form data as JSON-storable values (dates as ISO text, decimals as text), at any depth."""
    return {key: _jsonable_value(value) for key, value in data.items()}


def _messages(messages: Any) -> list[str]:
    """Form errors as a flat list (a group's errors are a dict, a list's a list of lists)."""
    if isinstance(messages, dict):
        return [text for inner in messages.values() for text in _messages(inner)]
    if isinstance(messages, list | tuple):
        return [text for inner in messages for text in _messages(inner)]
    return [str(messages)]


def _bind_context(form: Form, context: SettingsContext | None) -> None:
    form.context = context
    for field in _fields(form):
        if isinstance(field, FormField):
            _bind_context(field.form, context)
        elif isinstance(field, FieldList):
            for entry in field.entries:
                if isinstance(entry, FormField):
                    _bind_context(entry.form, context)
                elif context is not None and isinstance(entry, ContentField):
                    entry.with_context(context)
        elif context is not None and isinstance(field, ContentField):
            field.with_context(context)
    if context is not None and callable(getattr(form, "with_context", None)):
        form.with_context(context)


#: Longest card summary, in characters.
SUMMARY_LENGTH = 160


def shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


#: How a yes/no setting reads on a card.
YES, NO = "có", "không"


def _summary_value(field: Field, value: Any, context: SettingsContext | None = None) -> str:
    from portal.text import plain_text

    if isinstance(field, FormField) and isinstance(value, dict):
        inner = default_summary(field.form_class, value, context).replace(" · ", ", ")
        return f"({inner})" if inner else ""
    if isinstance(field, FieldList) and isinstance(value, list | tuple):
        return f"{len(value)} mục"
    if isinstance(field, BooleanField):
        return YES if value else NO
    if isinstance(field, ContentField):
        try:
            name = field.describe(value, context)
        except Exception:  # a lookup that fails must not break the editor
            name = None
        return name if name is not None else f"{value} (không còn {field.noun} này)"
    choices = getattr(field, "choices", None)
    if choices and not callable(choices):
        pairs = choices.items() if isinstance(choices, dict) else choices
        names = {}
        for pair in pairs:
            if isinstance(pair, list | tuple) and len(pair) >= 2:
                names[str(pair[0])] = str(pair[1])
        if isinstance(value, list | tuple):
            return ", ".join(names.get(str(v), str(v)) for v in value)
        return names.get(str(value), str(value))
    if isinstance(value, date | datetime | time):
        return value.strftime("%d/%m/%Y") if isinstance(value, date) else value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    text = str(value)
    if "<" in text and ">" in text:
        text = plain_text(text)
    return shorten(text, 60)


def default_summary(
    form_class: type[Form], settings: dict[str, Any], context: SettingsContext | None = None
) -> str:
    """The default card summary: ``Label: value`` for each field that is set, by the form's labels.

    Empty values are left out; a yes/no box reads ``Label: có`` or ``Label:
    không``; a choice is its text; a :class:`~portal.setting_fields.ContentField`
    the name of the category, page, tag or menu it names; HTML is reduced to
    its text. The whole line is at most :data:`SUMMARY_LENGTH` characters.
    """
    form = _blank_form(form_class)
    typed = typed_settings(form_class, settings or {})
    parts = []
    for field in _fields(form):
        value = typed.get(field.short_name)
        if value in ("", None, [], {}) or (value is False and not isinstance(field, BooleanField)):
            continue
        label = field.label.text if field.label is not None else field.short_name
        label = label.rstrip(":").strip()
        text = _summary_value(field, value, context)
        if text:
            parts.append(f"{label}: {text}")
    return shorten(" · ".join(parts), SUMMARY_LENGTH)


def settings_digest(settings: dict[str, Any]) -> str:
    """A short stable hash of settings, for cache keys."""
    encoded = json.dumps(settings, sort_keys=True, default=str).encode("utf-8")
    return hashlib.sha1(encoded).hexdigest()[:12]
