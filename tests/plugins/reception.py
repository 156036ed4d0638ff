"""A plugin written only against docs/plugins/pages.md: a reader page, a menu entry,
an admin screen and a template variable (the schedule of citizen receptions).

Its templates are in ``templates/reception/`` next to it.
"""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from portal import AdminScreen, MenuItem, hookimpl, render_portal_page, roles_required

SCHEDULE = {
    "thang-12": ["Thứ Hai 07/12: Chủ tịch UBND tỉnh", "Thứ Năm 17/12: Phó Chủ tịch"],
    "thang-1": ["Thứ Ba 05/01: Chủ tịch UBND tỉnh"],
}

bp = Blueprint("reception", __name__)


@bp.get("/lich-tiep-dan")
def index():
    html = render_template("reception/index.html", months=sorted(SCHEDULE))
    return render_portal_page(html, title="Lịch tiếp công dân", description="Lịch tiếp dân")


@bp.get("/lich-tiep-dan/<month>")
def month(month: str):
    if month not in SCHEDULE:
        abort(404)
    html = render_template("reception/month.html", month=month, items=SCHEDULE[month])
    return render_portal_page(html, title=f"Lịch tiếp công dân {month}")


admin_bp = Blueprint("reception_admin", __name__, url_prefix="/admin/lich-tiep-dan")


@admin_bp.get("/")
@roles_required("admin")
def manage():
    return render_template("reception/admin.html", months=sorted(SCHEDULE))


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)


@hookimpl
def portal_menu_items(menu):
    if menu != "main":
        return []
    return [MenuItem(label="Lịch tiếp dân", url="/lich-tiep-dan", order=10)]


@hookimpl
def portal_admin_screens():
    return [AdminScreen(label="Lịch tiếp dân", endpoint="reception_admin.manage", roles=("admin",))]


@hookimpl
def portal_template_variables():
    return {"reception_hotline": "0209 3870 000"}
