"""Front-end libraries installed from npm (TinyMCE), served only when they are installed.

``make run`` and ``make test`` install ``package-lock.json`` into the
git-ignored ``node_modules/`` with ``npm ci``. Nothing from there is committed
and only the files the rich editor needs are served, under
``/_vendor/tinymce/...``; every URL carries the library's version (``?v=``),
so browsers may keep the files for a year. Without ``node_modules`` the
routes answer 404 and :func:`tinymce_url` returns ``None``: the article form
and the rich-text settings of blocks are then plain HTML textareas.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, abort, current_app, request, send_from_directory, url_for

bp = Blueprint("vendor", __name__)

ONE_YEAR = 365 * 24 * 3600
#: TinyMCE plugins the rich editor loads (see portal/static/admin-editor.js).
TINYMCE_PLUGINS = (
    "autolink",
    "charmap",
    "code",
    "fullscreen",
    "image",
    "link",
    "lists",
    "searchreplace",
    "table",
    "wordcount",
)
#: Everything TinyMCE loads for that editor; any other file of the package is not served.
TINYMCE_FILES = frozenset(
    {
        "tinymce.min.js",
        "themes/silver/theme.min.js",
        "models/dom/model.min.js",
        "icons/default/icons.min.js",
        "skins/ui/oxide/skin.min.css",
        "skins/ui/oxide/content.min.css",
        "skins/content/default/content.min.css",
        *(f"plugins/{name}/plugin.min.js" for name in TINYMCE_PLUGINS),
    }
)


def node_modules_dir() -> Path:
    """``node_modules`` of the checkout (``PORTAL_NODE_MODULES`` points elsewhere, e.g. in tests)."""
    configured = current_app.config.get("PORTAL_NODE_MODULES")
    if configured:
        return Path(configured)
    return Path(current_app.root_path).parent / "node_modules"


@cache
def _installed_version(package_json: Path, modified: float) -> str | None:
    try:
        return str(json.loads(package_json.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def tinymce_version() -> str | None:
    """The installed TinyMCE's version, or ``None`` when it is not installed."""
    package_json = node_modules_dir() / "tinymce" / "package.json"
    try:
        modified = package_json.stat().st_mtime
    except OSError:
        return None
    if not (package_json.parent / "tinymce.min.js").is_file():
        return None
    return _installed_version(package_json, modified)


def tinymce_url() -> str | None:
    """The URL of ``tinymce.min.js`` with its version, or ``None`` when TinyMCE is not installed."""
    version = tinymce_version()
    if version is None:
        return None
    return url_for("vendor.tinymce", filename="tinymce.min.js", v=version)


@bp.get("/_vendor/tinymce/<path:filename>")
def tinymce(filename: str):
    """One of :data:`TINYMCE_FILES`; cached for a year when asked for with the installed version."""
    version = tinymce_version()
    if version is None or filename not in TINYMCE_FILES:
        abort(404)
    versioned = request.args.get("v") == version
    response = send_from_directory(
        node_modules_dir() / "tinymce", filename, max_age=ONE_YEAR if versioned else 300
    )
    response.cache_control.public = True
    if versioned:
        response.cache_control.immutable = True
    return response
