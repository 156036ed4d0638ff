"""Settings fields for blocks: the kinds of setting the core knows how to offer and check.

A block's settings form (a WTForms ``Form``) may use these fields next to
WTForms' own. Each declares the *kind* of value it holds, so the page editor
shows the right control and a value that is not right is refused on save with
a clear message:

* :class:`CategoryField` — a category of the site, stored as its slug;
* :class:`PageField` — a page of the site with an address, stored as its id;
* :class:`TagField` — a tag, stored as its slug;
* :class:`MenuField` — a menu an editor builds (``portal_site_menus``), stored as its code;
* :class:`RichTextField` — editor HTML, shown with the rich editor and cleaned on save.

The first four are :class:`ContentField` s: a select of what exists now
(loaded when the form is shown or validated, with the form's
:class:`~portal.SettingsContext`), a value that names nothing is refused
("Không có chuyên mục nào có đường dẫn rút gọn “x”"), and a stored value whose
content was deleted since is kept visible in the select, marked as gone, so
the editor sees what the block was set to. Card summaries in the page editor
show the content's name (its :meth:`ContentField.describe`), not the stored code.

A plugin adds a kind of its own by subclassing :class:`ContentField` and
overriding :meth:`~ContentField.options` (and, when looking one value up is
cheaper than listing all, :meth:`~ContentField.describe`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import has_app_context
from wtforms import SelectField, TextAreaField
from wtforms.validators import ValidationError

if TYPE_CHECKING:
    from portal.blocks import SettingsContext


def _strip_lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


class ContentField(SelectField):
    """A setting that names something of the site: a select of what exists, checked on save.

    Subclasses set :attr:`kind`, :attr:`noun` and override :meth:`options`.
    ``blank`` is the text of a first, empty choice ("— Chuyên mục của trang —");
    without it a value is required. Values are kept as text (a slug, a code)
    unless the subclass converts them (:class:`PageField` keeps an id).
    """

    #: What the setting names ("category", "page", "tag", "menu", or a plugin's own).
    kind = "content"
    #: How the admin calls one of them, in a sentence ("chuyên mục").
    noun = "mục"
    #: The message for a value that names nothing; ``{value}`` is the value.
    missing_message = "Không có {noun} “{value}”; hãy chọn một {noun} trong danh sách."
    #: How a stored value whose content is gone is shown in the select.
    gone_label = "{value} (không còn {noun} này)"
    #: Whether a value is checked also when the form has no context (``validate_settings``
    #: without one: imports, the demo, which may place a block before its content exists).
    #: Saves from the admin always have a context, so they are always checked.
    check_without_context = False

    def __init__(
        self, label: str | None = None, validators=None, blank: str | None = None, **kwargs
    ) -> None:
        kwargs.setdefault("default", "")
        kwargs.setdefault("filters", [_strip_lower])
        kwargs.pop("choices", None)
        super().__init__(label, validators, choices=[], validate_choice=False, **kwargs)
        self.blank = blank

    # -- what subclasses override -----------------------------------------------

    def options(self, context: SettingsContext | None) -> list[tuple[Any, str]]:
        """``(value, name)`` of everything the setting may name now, in the order shown."""
        return []

    def describe(self, value: Any, context: SettingsContext | None = None) -> str | None:
        """The name of what ``value`` names (for the editor's cards), None when nothing."""
        for option, name in self.options(context):
            if str(option) == str(value):
                return name.lstrip("— ").strip()
        return None

    # -- provided ---------------------------------------------------------------

    def with_context(self, context: SettingsContext | None) -> None:
        """Load the choices (called by ``Block.settings_form_for``, and before validating)."""
        choices = [("", self.blank)] if self.blank is not None else []
        choices += [(str(value), name) for value, name in self.options(context)]
        current = self.data
        if current not in (None, "") and str(current) not in {value for value, _ in choices}:
            choices.append((str(current), self.gone_label.format(value=current, noun=self.noun)))
        self.choices = choices

    def pre_validate(self, form) -> None:
        if self.data in (None, ""):
            if self.blank is None:
                raise ValidationError(f"Hãy chọn một {self.noun}.")
            return
        context = getattr(form, "context", None)
        if context is None and not self.check_without_context:
            return  # imports, the demo: the content may come later
        if self.describe(self.data, context) is None:
            raise ValidationError(self.missing_message.format(value=self.data, noun=self.noun))


class CategoryField(ContentField):
    """A category of the site, stored as its slug (tree order, children indented)."""

    kind = "category"
    noun = "chuyên mục"
    # Categories come first in imports and the demo: checked always, as before.
    check_without_context = True
    missing_message = (
        "Không có chuyên mục nào có đường dẫn rút gọn “{value}”. Hãy chọn trong danh sách."
    )

    def _tree(self, context: SettingsContext | None):
        if context is not None and context.categories is not None:
            return context.categories
        from portal.site import category_tree

        return category_tree()

    def options(self, context: SettingsContext | None) -> list[tuple[Any, str]]:
        tree = self._tree(context)
        found: list[tuple[Any, str]] = []

        def walk(parent_id: int | None, depth: int) -> None:
            for category in tree.children.get(parent_id, []):
                found.append((category.slug, "— " * depth + category.name))
                walk(category.id, depth + 1)

        walk(None, 0)
        return found

    def describe(self, value: Any, context: SettingsContext | None = None) -> str | None:
        category = self._tree(context).by_slug(str(value)) if value else None
        return category.name if category is not None else None


def _page_id(value: Any) -> int | None:
    if value in (None, "") or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    return int(text) if text.isdigit() and len(text) < 12 else None


def _page_id_or_raw(value: Any) -> Any:
    page_id = _page_id(value)
    return page_id if page_id is not None else value


class PageField(ContentField):
    """A page of the site that has an address (home, static and search pages), stored as its id.

    The block reads the id and finds the page with ``portal.page_tree().by_id``.
    """

    kind = "page"
    noun = "trang"
    #: Page kinds that have an address of their own.
    LINKABLE = ("home", "static", "search")

    def __init__(self, label: str | None = None, validators=None, **kwargs) -> None:
        kwargs.setdefault("default", None)
        kwargs.setdefault("filters", [])
        # Ids are kept as numbers; a value that is not an id stays as it was, to be refused.
        kwargs.setdefault("coerce", _page_id_or_raw)
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            raw = valuelist[0].strip() if isinstance(valuelist[0], str) else valuelist[0]
            self.data = None if raw in ("", None) else _page_id_or_raw(raw)

    def pre_validate(self, form) -> None:
        if self.data not in (None, "") and _page_id(self.data) is None:
            raise ValidationError(self.missing_message.format(value=self.data, noun=self.noun))
        super().pre_validate(form)

    def options(self, context: SettingsContext | None) -> list[tuple[Any, str]]:
        from portal.site import page_tree

        pages = page_tree().by_id.values()
        return [
            (page.id, f"{page.title} ({page.path})")
            for page in sorted(pages, key=lambda p: (p.path or "", p.id))
            if page.kind in self.LINKABLE and page.path
        ]

    def describe(self, value: Any, context: SettingsContext | None = None) -> str | None:
        from portal.site import page_tree

        page_id = _page_id(value)
        page = page_tree().by_id.get(page_id) if page_id is not None else None
        if page is None or page.kind not in self.LINKABLE or not page.path:
            return None
        return page.title


class TagField(ContentField):
    """A tag, stored as its slug (tags in alphabetical order)."""

    kind = "tag"
    noun = "thẻ"

    def options(self, context: SettingsContext | None) -> list[tuple[Any, str]]:
        from portal.extensions import db
        from portal.models import Tag

        return [
            (tag.slug, tag.name) for tag in db.session.scalars(db.select(Tag).order_by(Tag.name))
        ]

    def describe(self, value: Any, context: SettingsContext | None = None) -> str | None:
        from portal.site import find_tag

        tag = find_tag(str(value)) if value else None
        return tag.name if tag is not None else None


class MenuField(ContentField):
    """A menu an editor builds (Quản trị → Trình đơn), stored as its code (``header``).

    The menus come from the plugins answering ``portal_site_menus``. When none
    answers (no menu plugin), any code is accepted, as the menu blocks then draw
    their own links.
    """

    kind = "menu"
    noun = "trình đơn"
    missing_message = "Không có trình đơn nào có mã “{value}”; hãy chọn trong danh sách."

    #: How the default code reads when no menu has it yet (the block draws its own links).
    default_label = "{value} (chưa có trình đơn này: khối hiện liên kết riêng của nó)"

    def options(self, context: SettingsContext | None) -> list[tuple[Any, str]]:
        from portal.site_menus import site_menus

        menus = site_menus()
        if menus is None:  # no menu plugin: the stored code is all there is to offer
            return [(self.data, str(self.data))] if self.data else []
        found = [(menu.slug, menu.describe()) for menu in menus]
        default = self.default() if callable(self.default) else self.default
        if default and default not in {slug for slug, _ in found}:
            found.insert(0, (default, self.default_label.format(value=default)))
        return found

    def describe(self, value: Any, context: SettingsContext | None = None) -> str | None:
        """The menu's name; the field's default code is always accepted (the block then draws
        its own links until a menu of that code is made), and any code without a menu plugin."""
        from portal.site_menus import site_menus

        if not value:
            return None
        default = self.default() if callable(self.default) else self.default
        menus = site_menus() if has_app_context() or value != default else None
        menu = next((m for m in menus or [] if m.slug == value), None)
        if menu is not None:
            return menu.name or menu.slug
        if menus is None or value == default:
            return str(value)
        return None


class RichTextField(TextAreaField):
    """Formatted text an editor writes: the page editor shows the rich editor (TinyMCE) when it
    is installed, a plain HTML textarea otherwise; what is saved is always cleaned with the
    allow-list of articles (``portal.sanitize_html``)."""

    kind = "rich_text"

    def __init__(self, label: str | None = None, validators=None, **kwargs) -> None:
        from portal.text import sanitize_html

        def clean(value: Any) -> str:
            return sanitize_html(value) if isinstance(value, str) else ""

        kwargs["filters"] = [*kwargs.get("filters", ()), clean]
        kwargs.setdefault("default", "")
        super().__init__(label, validators, **kwargs)
