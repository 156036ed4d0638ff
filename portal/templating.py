"""Template filters and globals available to site and block templates."""

from __future__ import annotations

from flask import Flask

from portal import text
from portal.i18n import current_locale, translate
from portal.site import (
    absolute_url,
    article_url,
    category_tree,
    category_url,
    home_url,
    media_url,
)


def install_template_helpers(app: Flask) -> None:
    tz_name = app.config["PORTAL_TIMEZONE"]

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["vn_date"] = lambda value: text.format_date(value, tz_name)
    app.jinja_env.filters["vn_datetime"] = lambda value: text.format_datetime(value, tz_name)
    app.jinja_env.filters["plain_text"] = text.plain_text
    app.jinja_env.globals.update(
        _=translate,
        absolute_url=absolute_url,
        current_locale=current_locale,
        article_url=article_url,
        category_url=category_url,
        home_url=home_url,
        media_url=media_url,
        category_tree=category_tree,
        site_name=app.config["PORTAL_SITE_NAME"],
        site_tagline=app.config["PORTAL_SITE_TAGLINE"],
    )
