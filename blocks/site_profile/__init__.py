"""Site profile: who runs the portal (organisation, contacts, leaders, units) and links to other agencies.

Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT want a provincial portal to
say who runs it and how to reach them, to present its organisation and to link
to other state agencies' portals. This plugin owns that data (its own tables
and migrations), the admin screens "Thông tin cơ quan" and "Liên kết website",
the blocks "Liên hệ", "Cơ cấu tổ chức" and "Liên kết website", the page
``/co-cau-to-chuc``, the redirect of the links' select form, and answers
``portal_site_organization`` (the footer, the home page's JSON-LD).
See docs/site-profile.md.
"""

from __future__ import annotations

from portal import AdminScreen, MenuItem, hookimpl

from . import compliance
from . import profile as data
from .admin import bp as admin_bp
from .blocks import BLOCKS
from .reader import ORGANISATION_PATH
from .reader import bp as reader_bp

#: The folder of this plugin's migrations; `portal init-db` applies them.
PORTAL_MIGRATIONS = "migrations"


@hookimpl
def portal_register_blocks():
    return list(BLOCKS)


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(reader_bp)
    app.register_blueprint(admin_bp)


@hookimpl
def portal_menu_items(menu):
    if menu != "main":
        return []
    return [MenuItem(label="Cơ cấu tổ chức", url=ORGANISATION_PATH, order=80)]


@hookimpl
def portal_admin_screens():
    return [
        AdminScreen(label="Thông tin cơ quan", endpoint="site_profile_admin.profile"),
        AdminScreen(label="Liên kết website", endpoint="site_profile_admin.links"),
    ]


@hookimpl
def portal_site_organization():
    return data.site_organization()


@hookimpl
def portal_compliance_checks():
    return compliance.compliance_checks()


@hookimpl
def portal_load_demo(actor):
    from . import demo  # the demo's data: only when the demo is loaded

    return demo.load_demo(actor)
