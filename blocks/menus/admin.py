"""The admin screen "Trình đơn": menus, their draft items, publishing.

Every change is a POST with the CSRF token, made through :mod:`.store` (one
unit of work each). The keyboard buttons (Lên, Xuống, Thụt vào, Ra ngoài)
are plain forms, so the screen works without JavaScript; ``menus_admin.js``
adds drag and drop, which posts the whole order to :func:`arrange_items`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import Actor, roles_required, site_time

from . import store
from .blocks import FooterMenu
from .reader import links_of
from .store import MenuError
from .targets import Target, offered_targets, shown_label

#: Who may change menus: the same people who arrange categories and pages.
MENU_EDITORS = ("admin", "editor")

KIND_NAMES = {
    "category": "Chuyên mục",
    "page": "Trang",
    "tag": "Thẻ",
    "plugin": "Trang chức năng",
    "external": "Liên kết ngoài",
}

bp = Blueprint("menus_admin", __name__, url_prefix="/admin/trinh-don")


def asset_url(filename: str) -> str:
    """The screen's script or stylesheet, served with the footer menu block's files
    (outside /admin/, like every block's), with a version that changes with the file."""
    path = FooterMenu.static_dir() / filename
    version = hashlib.sha1(path.read_bytes()).hexdigest()[:10]
    return url_for("core.block_static", block_name=FooterMenu.name, filename=filename, v=version)


def actor() -> Actor:
    return Actor.of_user(current_user, ip=request.remote_addr or "")


def menu_or_404(slug: str):
    menu = store.find_menu(slug)
    if menu is None:
        abort(404)
    return menu


@dataclass
class ItemInput:
    """What the editor typed in an item form (shown again when it is refused)."""

    label: str = ""
    target: str = ""
    url: str = ""
    new_tab: bool = False
    parent: str = ""

    @classmethod
    def from_form(cls) -> ItemInput:
        form = request.form
        return cls(
            label=form.get("label", ""),
            target=form.get("target", ""),
            url=form.get("url", ""),
            new_tab=form.get("new_tab") == "1",
            parent=form.get("parent", ""),
        )

    @classmethod
    def from_entry(cls, entry) -> ItemInput:
        target = (
            "external"
            if entry.kind == "external"
            else Target(entry.kind, "", entry.target_id, entry.url).key
        )
        return cls(
            label=entry.label,
            target=target,
            url=entry.url if entry.kind == "external" else "",
            new_tab=entry.new_tab,
        )

    def fields(self) -> dict:
        """The store's arguments (kind, target id, URL) read from the target choice."""
        kind, _, value = self.target.partition(":")
        target_id = None
        url = ""
        if kind in ("category", "page", "tag"):
            if not value.isdigit():
                raise MenuError("Hãy chọn mục đích của mục trong danh sách.")
            target_id = int(value)
        elif kind == "plugin":
            url = value
        elif kind == "external":
            url = self.url
        else:
            raise MenuError(
                "Hãy chọn mục đích của mục: một chuyên mục, trang, thẻ, trang chức năng hoặc “Liên kết ngoài”."
            )
        return {
            "label": self.label,
            "kind": kind,
            "target_id": target_id,
            "url": url,
            "new_tab": self.new_tab,
        }

    def parent_id(self) -> int | None:
        return int(self.parent) if self.parent.isdigit() else None


def describe_targets(targets: dict[str, list[Target]]) -> dict[str, str]:
    """The editor's name of every offered target, by its form value (for the item list)."""
    return {
        target.key: f"{KIND_NAMES[target.kind]}: {target.label.lstrip('— ')}"
        for group in targets.values()
        for target in group
    }


def local_time(value) -> str:
    return site_time(value).strftime("%H:%M %d/%m/%Y")


def render_editor(menu, *, add_input=None, add_error="", status=200):
    targets = offered_targets()
    current = store.current_version(menu)
    previous = store.previous_version(menu)
    tree = store.draft_tree(menu)
    draft = store.snapshot(menu)
    return (
        render_template(
            "menus/admin/editor.html",
            menu=menu,
            tree=tree,
            targets=targets,
            kind_names=KIND_NAMES,
            target_names=describe_targets(targets),
            label_of=shown_label,
            missing=store.missing_targets(menu),
            current=current,
            previous=previous,
            published_at=local_time(current.published_at) if current else "",
            changed=draft != (current.items if current else []),
            preview=links_of(draft),
            add=add_input or ItemInput(),
            add_error=add_error,
            asset_url=asset_url,
        ),
        status,
    )


@bp.get("/")
@roles_required(*MENU_EDITORS)
def index():
    menus = store.all_menus()
    rows = []
    for menu in menus:
        current = store.current_version(menu)
        rows.append(
            {
                "menu": menu,
                "current": current,
                "changed": store.has_unpublished_changes(menu),
                "missing": len(store.missing_targets(menu)),
            }
        )
    return render_template(
        "menus/admin/list.html",
        rows=rows,
        new={"slug": "", "title": ""},
        error="",
    )


@bp.post("/")
@roles_required(*MENU_EDITORS)
def create():
    slug, title = request.form.get("slug", ""), request.form.get("title", "")
    try:
        menu = store.create_menu(actor(), slug=slug, title=title)
    except MenuError as error:
        rows = [
            {
                "menu": menu,
                "current": store.current_version(menu),
                "changed": store.has_unpublished_changes(menu),
                "missing": len(store.missing_targets(menu)),
            }
            for menu in store.all_menus()
        ]
        return (
            render_template(
                "menus/admin/list.html",
                rows=rows,
                new={"slug": slug, "title": title},
                error=str(error),
            ),
            400,
        )
    flash(f"Đã tạo trình đơn “{menu.title}”. Hãy thêm các mục rồi xuất bản.", "success")
    return redirect(url_for("menus_admin.edit", slug=menu.slug))


@bp.get("/<slug>")
@roles_required(*MENU_EDITORS)
def edit(slug):
    return render_editor(menu_or_404(slug))


@bp.post("/<slug>/them")
@roles_required(*MENU_EDITORS)
def add_item(slug):
    menu = menu_or_404(slug)
    typed = ItemInput.from_form()
    try:
        entry = store.add_item(actor(), menu, parent_id=typed.parent_id(), **typed.fields())
    except MenuError as error:
        return render_editor(menu, add_input=typed, add_error=str(error), status=400)
    flash(
        f"Đã thêm “{shown_label(entry)}” vào bản nháp. Bạn đọc chỉ thấy sau khi xuất bản.",
        "success",
    )
    return redirect(url_for("menus_admin.edit", slug=menu.slug) + f"#muc-{entry.id}")


@bp.route("/<slug>/muc/<int:entry_id>", methods=["GET", "POST"])
@roles_required(*MENU_EDITORS)
def edit_item(slug, entry_id):
    menu = menu_or_404(slug)
    try:
        entry = store.entry_of(menu, entry_id)
    except MenuError:
        abort(404)
    typed = ItemInput.from_entry(entry)
    error = ""
    if request.method == "POST":
        typed = ItemInput.from_form()
        try:
            store.update_item(actor(), menu, entry_id, **typed.fields())
        except MenuError as refused:
            error = str(refused)
        else:
            flash(f"Đã sửa “{shown_label(entry)}” trong bản nháp.", "success")
            return redirect(url_for("menus_admin.edit", slug=menu.slug) + f"#muc-{entry_id}")
    targets = offered_targets()
    return (
        render_template(
            "menus/admin/item.html",
            menu=menu,
            entry=entry,
            label_of=shown_label,
            item=typed,
            targets=targets,
            missing=entry.id in store.missing_targets(menu),
            error=error,
        ),
        400 if error else 200,
    )


def _back(menu, entry_id=None):
    anchor = f"#muc-{entry_id}" if entry_id else ""
    return redirect(url_for("menus_admin.edit", slug=menu.slug) + anchor)


@bp.post("/<slug>/muc/<int:entry_id>/di-chuyen")
@roles_required(*MENU_EDITORS)
def move_item(slug, entry_id):
    menu = menu_or_404(slug)
    direction = request.form.get("direction", "")
    try:
        entry = store.move_item(actor(), menu, entry_id, direction)
    except MenuError as error:
        flash(str(error), "error")
        return _back(menu, entry_id)
    flash(f"Đã chuyển “{shown_label(entry)}” {store.MOVES[direction]}.", "success")
    return _back(menu, entry_id)


@bp.post("/<slug>/muc/<int:entry_id>/xoa")
@roles_required(*MENU_EDITORS)
def delete_item(slug, entry_id):
    menu = menu_or_404(slug)
    try:
        label = store.delete_item(actor(), menu, entry_id)
    except MenuError as error:
        flash(str(error), "error")
    else:
        flash(f"Đã xóa “{label}” (và các mục con của nó) khỏi bản nháp.", "success")
    return _back(menu)


@bp.post("/<slug>/sap-xep")
@roles_required(*MENU_EDITORS)
def arrange_items(slug):
    menu = menu_or_404(slug)
    try:
        order = json.loads(request.form.get("order", ""))
    except ValueError:
        order = None
    try:
        store.arrange(actor(), menu, order)
    except MenuError as error:
        flash(str(error), "error")
    else:
        flash("Đã lưu thứ tự mới vào bản nháp.", "success")
    return _back(menu)


@bp.post("/<slug>/xuat-ban")
@roles_required(*MENU_EDITORS)
def publish(slug):
    menu = menu_or_404(slug)
    try:
        version = store.publish(actor(), menu)
    except MenuError as error:
        flash(str(error), "error")
    else:
        flash(f"Đã xuất bản trình đơn “{menu.title}” (phiên bản {version.number}).", "success")
    return _back(menu)


@bp.post("/<slug>/bo-nhap")
@roles_required(*MENU_EDITORS)
def discard(slug):
    menu = menu_or_404(slug)
    try:
        store.discard_draft(actor(), menu)
    except MenuError as error:
        flash(str(error), "error")
    else:
        flash("Đã bỏ bản nháp: bản nháp trở lại đúng như bản đang hiển thị.", "success")
    return _back(menu)


@bp.post("/<slug>/hoan-tac")
@roles_required(*MENU_EDITORS)
def undo(slug):
    menu = menu_or_404(slug)
    try:
        version = store.undo_publish(actor(), menu)
    except MenuError as error:
        flash(str(error), "error")
    else:
        flash(f"Đã hoàn tác: bạn đọc lại thấy phiên bản {version.number} của trình đơn.", "success")
    return _back(menu)
