"""Serving the static files that block plugins carry in their ``static/`` folder."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request, send_from_directory

from portal.plugins import plugins_of

bp = Blueprint("core", __name__)

ONE_YEAR = 365 * 24 * 3600


@bp.get("/_blocks/<block_name>/<path:filename>")
def block_static(block_name: str, filename: str):
    """A block's static file; versioned URLs (``?v=``) may be cached for a year."""
    block = plugins_of(current_app).block(block_name)
    if block is None:
        abort(404)
    max_age = ONE_YEAR if request.args.get("v") else 300
    response = send_from_directory(block.static_dir(), filename, max_age=max_age)
    if request.args.get("v"):
        response.cache_control.immutable = True
    return response


@bp.after_app_request
def versioned_site_files(response):
    """The site's own files at versioned URLs (``site.css?v=…``) are kept for a year too."""
    if request.endpoint == "static" and request.args.get("v") and response.status_code == 200:
        response.cache_control.no_cache = None
        response.cache_control.public = True
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.immutable = True
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page says."""
    return send_from_directory(
        current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400
    )
