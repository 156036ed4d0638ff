"""Contacts: the telephone directory of the provincial offices (a plugin for blockportal).

It owns a table (``contacts_items``, built by its own migrations), has settings,
a reader page in the site's frame (``/danh-ba``) with an entry in the main menu,
an admin screen to add entries, and a block that lists them.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import Form, IntegerField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp

from portal import (
    Actor,
    AdminScreen,
    Block,
    BlockContext,
    CachePolicy,
    MenuItem,
    PluginSetting,
    bump_data_version,
    db,
    hookimpl,
    plugin_setting,
    render_portal_page,
    roles_required,
    unit_of_work,
)

from .models import Contact

#: The folder of this plugin's migrations; `portal init-db` applies them.
PORTAL_MIGRATIONS = "migrations"

#: The name the plugin is loaded under (its entry point in pyproject.toml).
PLUGIN = "contacts"

PLUGIN_SETTINGS = [
    PluginSetting(
        "page_title",
        "str",
        default="Danh bạ điện thoại",
        help="Title of the directory page",
        editable=True,
        label="Tiêu đề trang danh bạ",
    ),
    PluginSetting(
        "show_email",
        "bool",
        default=True,
        help="Show e-mail addresses on the directory page",
        editable=True,
        label="Hiện địa chỉ thư điện tử",
    ),
]


# The data ------------------------------------------------------------------


def all_contacts() -> list[Contact]:
    """Every entry, by agency then name."""
    query = db.select(Contact).order_by(Contact.agency, Contact.name, Contact.id)
    return list(db.session.scalars(query))


def add_contact(actor: Actor, **fields: str) -> Contact:
    """Store a new entry as ``actor``; the blocks that list entries show it at once."""
    with unit_of_work(actor):
        contact = Contact(**fields)
        db.session.add(contact)
        bump_data_version(PLUGIN, reason=f"thêm {contact.name}", plugin=PLUGIN)
    return contact


# The block -----------------------------------------------------------------


class ContactsSettings(Form):
    """What an admin can set for each placement; the defaults are the block's defaults."""

    title = StringField(
        "Tiêu đề",
        default="Danh bạ",
        validators=[Length(max=200, message="Tối đa %(max)d ký tự.")],
    )
    limit = IntegerField(
        "Số mục hiển thị",
        default=5,
        validators=[NumberRange(min=1, max=50, message="Từ %(min)s đến %(max)s.")],
    )


class Contacts(Block):
    name = "contacts"
    label = "Danh bạ"
    description = "Số điện thoại của các cơ quan, với liên kết đến trang danh bạ đầy đủ."
    group = "Tiện ích"
    settings_form = ContactsSettings
    template = "contacts/contacts.html"
    css = ("contacts.css",)
    # Rendered anew only when an entry is added (bump_data_version("contacts")).
    cache = CachePolicy(timeout=3600, vary_on={"locale", "page"}, data_sets={PLUGIN})

    def get_context(self, ctx: BlockContext, settings: dict) -> dict:
        first = db.select(Contact).order_by(Contact.agency, Contact.name, Contact.id)
        return {
            "title": settings["title"],
            "items": list(db.session.scalars(first.limit(settings["limit"]))),
        }


# The reader page and its menu entry ----------------------------------------

bp = Blueprint("contacts", __name__)


@bp.get("/danh-ba")
def directory():
    html = render_template(
        "contacts/directory.html",
        items=all_contacts(),
        show_email=plugin_setting(PLUGIN, "show_email"),
    )
    title = plugin_setting(PLUGIN, "page_title")
    return render_portal_page(html, title=title, description="Số điện thoại các cơ quan")


# The admin screen ----------------------------------------------------------


class ContactForm(Form):
    name = StringField(
        "Họ tên hoặc đơn vị",
        validators=[
            InputRequired("Hãy nhập họ tên."),
            Length(max=200, message="Tối đa %(max)d ký tự."),
        ],
    )
    position = StringField("Chức vụ", validators=[Length(max=200, message="Tối đa %(max)d ký tự.")])
    agency = StringField("Cơ quan", validators=[Length(max=200, message="Tối đa %(max)d ký tự.")])
    phone = StringField(
        "Điện thoại",
        validators=[
            InputRequired("Hãy nhập số điện thoại."),
            Regexp(
                r"^[0-9 .+()-]{3,40}$", message="Số điện thoại chỉ gồm chữ số, dấu cách, . + ( ) -."
            ),
        ],
    )
    email = StringField(
        "Thư điện tử",
        validators=[
            Optional(),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="Địa chỉ thư điện tử không hợp lệ."),
            Length(max=200, message="Tối đa %(max)d ký tự."),
        ],
    )


admin_bp = Blueprint("contacts_admin", __name__, url_prefix="/admin/danh-ba")


@admin_bp.route("/", methods=["GET", "POST"])
@roles_required("admin")
def manage():
    form = ContactForm(request.form)
    if request.method == "POST" and form.validate():
        fields = {name: (value or "").strip() for name, value in form.data.items()}
        add_contact(Actor.of_user(current_user, ip=request.remote_addr or ""), **fields)
        flash(f"Đã thêm {fields['name']} vào danh bạ.", "success")
        return redirect(url_for("contacts_admin.manage"))
    return render_template("contacts/admin.html", form=form, items=all_contacts())


# The hooks -----------------------------------------------------------------


@hookimpl
def portal_register_blocks():
    return [Contacts]


@hookimpl
def portal_setup_app(app):
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)


@hookimpl
def portal_menu_items(menu):
    if menu != "main":
        return []
    return [MenuItem(label="Danh bạ", url="/danh-ba", order=20)]


@hookimpl
def portal_admin_screens():
    return [AdminScreen(label="Danh bạ", endpoint="contacts_admin.manage", roles=("admin",))]
