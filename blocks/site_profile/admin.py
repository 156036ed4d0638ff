"""Admin screens "Thông tin cơ quan" (profile, leaders, units) and "Liên kết website".

Views only read forms and call :mod:`.profile` / :mod:`.links`, which change the
data inside a unit of work. A form with errors is shown again with what the
admin typed; a refused change (:class:`ProfileError`) is shown as an error and
changes nothing. Every route is for admins only.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import Actor, db, roles_required

from . import links as link_data
from . import profile as data
from .forms import LeaderForm, LinkForm, ProfileForm, UnitForm
from .models import Leader, Link, Unit
from .profile import ProfileError

bp = Blueprint("site_profile_admin", __name__)


def _actor() -> Actor:
    return Actor.of_user(current_user, ip=request.remote_addr or "")


def _values(form, fields) -> dict:
    return {name: getattr(form, name).data for name in fields}


# The profile ---------------------------------------------------------------------------


@bp.route("/admin/thong-tin-co-quan/", methods=["GET", "POST"])
@roles_required("admin")
def profile():
    current = data.get_profile()
    form = ProfileForm(obj=current)
    if form.validate_on_submit():
        values = _values(form, data.PROFILE_FIELDS)
        values["working_hours"] = (values["working_hours"] or "").strip()
        values["chart_alt"] = (values["chart_alt"] or "").strip()
        changed = data.save_profile(_actor(), values)
        flash("Đã lưu thông tin cơ quan." if changed else "Không có gì thay đổi.", "success")
        return redirect(url_for(".profile"))
    return render_template(
        "site_profile/admin/profile.html",
        form=form,
        leaders=data.all_leaders(),
        units=_units_in_tree_order(),
    )


def _units_in_tree_order() -> list[tuple[int, Unit]]:
    """(depth, unit) pairs, each unit under its parent, for lists and the parent select."""
    units = data.all_units()
    by_parent: dict[int | None, list[Unit]] = {}
    known = {unit.id for unit in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in known else None
        by_parent.setdefault(parent, []).append(unit)
    ordered: list[tuple[int, Unit]] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in by_parent.get(parent, []):
            ordered.append((depth, unit))
            walk(unit.id, depth + 1)

    walk(None, 0)
    return ordered


# Leaders -------------------------------------------------------------------------------


@bp.route("/admin/thong-tin-co-quan/lanh-dao/moi", methods=["GET", "POST"])
@bp.route("/admin/thong-tin-co-quan/lanh-dao/<int:leader_id>", methods=["GET", "POST"])
@roles_required("admin")
def leader(leader_id: int | None = None):
    row = db.session.get(Leader, leader_id) if leader_id is not None else None
    if leader_id is not None and row is None:
        abort(404)
    form = LeaderForm(obj=row)
    if form.validate_on_submit():
        try:
            saved = data.save_leader(_actor(), _values(form, data.LEADER_FIELDS), leader_id)
        except ProfileError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Đã lưu lãnh đạo “{saved.name}”.", "success")
            return redirect(url_for(".profile") + "#lanh-dao")
    return render_template("site_profile/admin/leader.html", form=form, leader=row)


@bp.post("/admin/thong-tin-co-quan/lanh-dao/<int:leader_id>/xoa")
@roles_required("admin")
def leader_delete(leader_id: int):
    try:
        name = data.delete_leader(_actor(), leader_id)
    except ProfileError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Đã xóa lãnh đạo “{name}”.", "success")
    return redirect(url_for(".profile") + "#lanh-dao")


# Units ---------------------------------------------------------------------------------


def _parent_choices(form: UnitForm, editing: Unit | None) -> None:
    """Every unit but ``editing`` and its subtree (a unit cannot sit inside itself)."""
    excluded = set()
    if editing is not None:
        excluded = {editing.id} | data.descendants(editing.id)
    choices = {"": "— Không có (đơn vị cấp cao nhất) —"}
    for depth, unit in _units_in_tree_order():
        if unit.id not in excluded:
            choices[str(unit.id)] = "— " * depth + unit.name
    form.parent_id.choices = choices


@bp.route("/admin/thong-tin-co-quan/don-vi/moi", methods=["GET", "POST"])
@bp.route("/admin/thong-tin-co-quan/don-vi/<int:unit_id>", methods=["GET", "POST"])
@roles_required("admin")
def unit(unit_id: int | None = None):
    row = db.session.get(Unit, unit_id) if unit_id is not None else None
    if unit_id is not None and row is None:
        abort(404)
    form = UnitForm(obj=row)
    if request.method == "GET" and row is not None:
        form.parent_id.data = str(row.parent_id) if row.parent_id else ""
    _parent_choices(form, row)
    if form.validate_on_submit():
        values = _values(form, ("name", "phone", "email", "address", "position"))
        values["parent_id"] = form.parent
        try:
            saved = data.save_unit(_actor(), values, unit_id)
        except ProfileError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Đã lưu đơn vị “{saved.name}”.", "success")
            return redirect(url_for(".profile") + "#don-vi")
    return render_template("site_profile/admin/unit.html", form=form, unit=row)


@bp.post("/admin/thong-tin-co-quan/don-vi/<int:unit_id>/xoa")
@roles_required("admin")
def unit_delete(unit_id: int):
    try:
        name = data.delete_unit(_actor(), unit_id)
    except ProfileError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Đã xóa đơn vị “{name}”.", "success")
    return redirect(url_for(".profile") + "#don-vi")


# Links ---------------------------------------------------------------------------------


@bp.route("/admin/lien-ket-website/", methods=["GET", "POST"])
@bp.route("/admin/lien-ket-website/<int:link_id>", methods=["GET", "POST"])
@roles_required("admin")
def links(link_id: int | None = None):
    row = db.session.get(Link, link_id) if link_id is not None else None
    if link_id is not None and row is None:
        abort(404)
    form = LinkForm(obj=row)
    if form.validate_on_submit():
        try:
            saved = link_data.save_link(_actor(), _values(form, link_data.LINK_FIELDS), link_id)
        except ProfileError as exc:
            flash(str(exc), "error")
        else:
            flash(f"Đã lưu liên kết “{saved.name}”.", "success")
            return redirect(url_for(".links"))
    return render_template(
        "site_profile/admin/links.html", form=form, link=row, items=link_data.all_links()
    )


@bp.post("/admin/lien-ket-website/<int:link_id>/xoa")
@roles_required("admin")
def link_delete(link_id: int):
    try:
        name = link_data.delete_link(_actor(), link_id)
    except ProfileError as exc:
        flash(str(exc), "error")
    else:
        flash(f"Đã xóa liên kết “{name}”.", "success")
    return redirect(url_for(".links"))
