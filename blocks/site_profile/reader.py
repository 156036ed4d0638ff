"""Reader pages: the organisation (``/co-cau-to-chuc``) and the links' way out (``/lien-ket-website/di``).

The way out only ever sends a reader to the address of a stored link, found by
its id: anything else (an unknown id, a URL, text) gets a 404 page, so it cannot
be used as an open redirect. The select form of the links block is a GET form
to it, which works without JavaScript.
"""

from __future__ import annotations

import re

from flask import Blueprint, make_response, render_template, request

from portal import render_portal_page, translate

from . import links as link_data
from . import profile as data
from .blocks import image_src, tel_href

bp = Blueprint("site_profile", __name__)

#: The organisation page's path (offered to the menu manager).
ORGANISATION_PATH = "/co-cau-to-chuc"
REDIRECT_PATH = "/lien-ket-website/di"
_LINK_ID = re.compile(r"^[0-9]{1,9}$")


@bp.get(ORGANISATION_PATH)
def organisation():
    snapshot = data.public_profile()
    html = render_template(
        "site_profile/organisation_page.html",
        profile=snapshot["profile"],
        units=snapshot["units"],
        leaders=snapshot["leaders"],
        tel_href=tel_href,
        image_src=image_src,
    )
    profile = snapshot["profile"] or {}
    return render_portal_page(
        html,
        title=translate("Cơ cấu tổ chức"),
        description=translate("Cơ cấu tổ chức, lãnh đạo và các đơn vị của {name}").format(
            name=profile.get("name") or translate("cơ quan")
        ),
    )


@bp.get(REDIRECT_PATH)
def go():
    """Send the reader on to stored link ``?den=<id>``: a page that refreshes to it at once.

    Not an HTTP redirect: the select's form is submitted here, and the site's
    CSP (``form-action 'self'``) forbids a form submission to end on another
    site. The page's ``<meta http-equiv="refresh">`` and its link are ordinary
    navigations. Only stored links are ever named (by id); anything else is a 404.
    """
    raw = request.args.get("den", "")
    link = link_data.public_link(int(raw)) if _LINK_ID.match(raw) else None
    if link is None:
        html = render_template("site_profile/unknown_link.html")
        return render_portal_page(html, title=translate("Không tìm thấy liên kết")), 404
    response = make_response(render_template("site_profile/leaving.html", link=link))
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response
