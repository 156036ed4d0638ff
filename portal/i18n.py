"""Interface language: Vietnamese first, English available (Flask-Babel + gettext catalogs).

Texts in templates are written in Vietnamese and passed through ``_()``
(``portal.translate`` in Python). Their translations live in gettext ``.po``
files: the core's ``portal/translations/<locale>/LC_MESSAGES/messages.po``
and, merged into it, the same file in every loaded plugin's package folder
(``<package>/translations/...``), built-in and third-party alike
(docs/plugins/translations.md). The ``.po`` files are read when the app
starts, once per process per file (no compiled ``.mo`` to keep in step).

The language of a request follows its content, never a cookie: pages under
``/en`` are English, everything else is Vietnamese (see :mod:`portal.languages`
for ``?lang=`` and the equivalents of a page). Block caches vary on it.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import Babel, Domain, get_locale

from portal.plugins import plugins_of

#: The core's catalogs: ``<locale>/LC_MESSAGES/messages.po`` below this folder.
CORE_TRANSLATIONS = Path(__file__).resolve().parent / "translations"
#: Where a plugin keeps its catalogs, inside its package folder.
PLUGIN_TRANSLATIONS = "translations"
#: The language the interface texts are written in: nothing to translate.
SOURCE_LOCALE = "vi"
#: URL prefix of the English site (``/en``, ``/en/about`` ...).
ENGLISH_PREFIX = "/en"

_EXTENSION = "portal.translations"
#: Parsed ``.po`` files of this process, by path: (modification time, translations).
_PARSED: dict[Path, tuple[float, Translations]] = {}


def catalog_file(folder: Path, locale: str) -> Path:
    """The ``.po`` file of ``locale`` in a translations folder."""
    return folder / locale / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path) -> Translations:
    """A ``.po`` file as gettext translations (fuzzy entries left out), parsed once per process."""
    mtime = path.stat().st_mtime
    cached = _PARSED.get(path)
    if cached is not None and cached[0] == mtime:
        return cached[1]
    with path.open("rb") as handle:
        catalog = read_po(handle)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    translations = Translations(fp=buffer)
    _PARSED[path] = (mtime, translations)
    return translations


def translation_folders(app: Flask) -> list[Path]:
    """The core's translations folder, then those of the loaded plugins that have one."""
    folders = [CORE_TRANSLATIONS]
    for info in plugins_of(app).plugins.values():
        if info.loaded and info.path:
            folder = Path(info.path) / PLUGIN_TRANSLATIONS
            if folder.is_dir() and folder not in folders:
                folders.append(folder)
    return folders


def build_translations(folders: list[Path], locale: str) -> Translations:
    """One catalog for ``locale``: the plugins' texts, with the core's winning on a clash.

    A plugin adds translations for its own texts; it cannot change how the
    core's interface reads.
    """
    merged = Translations()
    for folder in [*folders[1:], folders[0]]:
        path = catalog_file(folder, locale)
        if path.is_file():
            merged.merge(read_catalog(path))
    return merged


class _PortalDomain(Domain):
    """Flask-Babel's domain, answering from the app's merged ``.po`` catalogs."""

    def get_translations(self):
        if not has_app_context():
            return NullTranslations()
        return translations_for(str(get_locale() or SOURCE_LOCALE))


class _PortalBabel(Babel):
    @property
    def domain_instance(self):
        return _PortalDomain()


def init_app(app: Flask) -> None:
    """Flask-Babel with the portal's locale selector, and every locale's merged catalog.

    Called after the plugins are loaded, so their catalogs are part of it.
    """
    _PortalBabel(configure_jinja=False).init_app(
        app,
        default_locale=app.config.get("PORTAL_DEFAULT_LOCALE", SOURCE_LOCALE),
        default_timezone=app.config.get("PORTAL_TIMEZONE", "Asia/Ho_Chi_Minh"),
        locale_selector=current_locale,
    )
    folders = translation_folders(app)
    app.extensions[_EXTENSION] = {
        locale: build_translations(folders, locale)
        for locale in app.config.get("PORTAL_LOCALES", [SOURCE_LOCALE])
        if locale != SOURCE_LOCALE
    }


def translations_for(locale: str) -> NullTranslations:
    """The merged catalog of ``locale`` in this app (the core's alone outside an app)."""
    if locale == SOURCE_LOCALE:
        return NullTranslations()
    if has_app_context() and _EXTENSION in current_app.extensions:
        found = current_app.extensions[_EXTENSION].get(locale)
        return found if found is not None else NullTranslations()
    path = catalog_file(CORE_TRANSLATIONS, locale)
    return read_catalog(path) if path.is_file() else NullTranslations()


def locale_of_path(path: str) -> str:
    """The language of the page at ``path``: English under ``/en``, else the default."""
    if path == ENGLISH_PREFIX or path.startswith(ENGLISH_PREFIX + "/"):
        return "en"
    return current_app.config.get("PORTAL_DEFAULT_LOCALE", SOURCE_LOCALE)


def current_locale() -> str:
    """The language of the current request (the default outside requests).

    A view may set it (``g.portal_locale``) from what it shows; otherwise the
    URL decides: ``/en/...`` is English, the rest Vietnamese.
    """
    if has_request_context():
        # Asked dozens of times per page (every translated text): the request's answer first.
        known = g.get("portal_locale")
        if known is not None:
            return known
    default = current_app.config.get("PORTAL_DEFAULT_LOCALE", SOURCE_LOCALE)
    if not has_request_context():
        return default
    locale = locale_of_path(request.path)
    if locale not in current_app.config.get("PORTAL_LOCALES", [default]):
        locale = default
    g.portal_locale = locale
    return locale


def translate(text: str, locale: str | None = None) -> str:
    """Translate a Vietnamese interface text into the current language (or ``locale``)."""
    if locale is None:
        locale = current_locale() if has_app_context() else SOURCE_LOCALE
    if locale == SOURCE_LOCALE:  # the texts are written in it: nothing to look up
        return text
    return translations_for(locale).gettext(text)


def translate_count(text: str, count: int, locale: str | None = None) -> str:
    """Translate a Vietnamese text about ``count`` things (one form for any count in
    Vietnamese); languages with plural forms give the one for ``count``.

    The catalog entry has the Vietnamese text as both ``msgid`` and ``msgid_plural``
    (``msgstr[0]`` singular, ``msgstr[1]`` plural in English).
    """
    if locale is None:
        locale = current_locale() if has_app_context() else SOURCE_LOCALE
    if locale == SOURCE_LOCALE:
        return text
    return translations_for(locale).ngettext(text, text, count)
