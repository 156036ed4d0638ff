"""The plugins screen: what the portal loaded, from where, what it provides; switch off/on;
the settings of a plugin (docs/plugins/settings.md), editable ones in a form."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField, Field, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import ValidationError

from portal.content import audit
from portal.extensions import db
from portal.models import Placement
from portal.plugin_settings import (
    INSTANCE_FILE,
    SOURCE_ADMIN,
    SOURCE_CONFIG,
    SOURCE_DEFAULT,
    SOURCE_ENVIRONMENT,
    SOURCE_INSTANCE_FILE,
    TYPE_LABELS_VI,
    PluginSetting,
    SettingCheckError,
    SettingError,
    parse,
    save,
    state_of,
    variable_name,
)
from portal.plugin_switches import REQUIRED_PLUGINS, SwitchError, set_enabled
from portal.plugins import plugins_of
from portal.rendering import recent_failures
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required

STATUS_LABELS = {
    "loaded": "Đang chạy",
    "disabled": "Tắt bằng cấu hình (PORTAL_DISABLED_PLUGINS)",
    "failed": "Lỗi khi nạp",
    "skipped": "Bỏ qua (chế độ an toàn)",
}


def placements_per_block() -> Counter:
    return Counter(db.session.scalars(select(Placement.block_name)))


@bp.get("/plugins")
@roles_required(*SITE_ADMINS)
def plugins_list():
    plugins = plugins_of(current_app)
    in_use = placements_per_block()
    settings = state_of(current_app)
    rows = []
    for info in sorted(plugins.plugins.values(), key=lambda i: (i.status != "failed", i.name)):
        switched_off = info.name in plugins.switched_off
        rows.append(
            {
                "info": info,
                "status": "Đã tắt trong trang quản trị"
                if switched_off
                else STATUS_LABELS.get(info.status, info.status),
                "switched_off": switched_off,
                "can_switch": info.status == "loaded" and info.name not in REQUIRED_PLUGINS,
                "placements": sum(in_use[name] for name in info.blocks),
                "settings": len(settings.declared.get(info.name, {})),
            }
        )
    return render_template(
        "admin/plugins/list.html",
        rows=rows,
        failures=recent_failures(current_app),
        trace=current_app.config["PORTAL_TRACE_HOOKS"],
        safe_mode=current_app.config["PORTAL_SAFE_MODE"],
    )


@bp.post("/plugins/<name>/switch")
@roles_required(*SITE_ADMINS)
def plugin_switch(name: str):
    enabled = request.form.get("enabled") == "1"
    try:
        with change():
            set_enabled(name, enabled)
    except SwitchError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.plugins_list"))
    if enabled:
        flash(f"Đã bật plugin “{name}”: các khối của nó hiển thị trở lại.")
    else:
        flash(
            f"Đã tắt plugin “{name}”. Các vị trí đặt khối của nó được giữ nguyên cùng cấu hình; "
            "bạn đọc không thấy chúng cho đến khi bật lại."
        )
    return redirect(url_for("admin.plugins_list"))


SOURCE_LABELS = {
    SOURCE_ENVIRONMENT: "biến môi trường",
    SOURCE_CONFIG: "cấu hình của site",
    SOURCE_INSTANCE_FILE: "tệp plugins.toml của site",
    SOURCE_ADMIN: "quản trị viên",
    SOURCE_DEFAULT: "mặc định của plugin",
}


def _checked(setting: PluginSetting):
    """A WTForms validator: the typed value must parse, else a Vietnamese message."""

    def check(form, field) -> None:
        if setting.secret and not field.data:
            return  # left empty: the saved secret is kept
        try:
            parse(setting, field.data if field.data is not None else "")
        except SettingCheckError as exc:
            raise ValidationError(exc.message) from None
        except SettingError:
            expected = TYPE_LABELS_VI[setting.type]
            if setting.type == "choice":
                expected = "một trong: " + ", ".join(setting.choices)
            raise ValidationError(
                f"Cần {expected}; giá trị “{field.data}” không hợp lệ."
                if not setting.secret
                else f"Cần {expected}."
            ) from None

    return check


def _field(setting: PluginSetting) -> Field:
    label = setting.label or setting.name
    help_text = setting.help
    if setting.type == "bool":
        return BooleanField(label, description=help_text)
    if setting.type == "choice":
        return SelectField(
            label,
            choices=list(setting.choices),
            description=help_text,
            validate_choice=False,  # checked by _checked, with the same message as the rest
            validators=[_checked(setting)],
        )
    if setting.type == "secret":
        hint = "Để trống để giữ giá trị đã lưu; giá trị không bao giờ được hiển thị."
        if help_text and not help_text.endswith((".", "!", "?", ":")):
            help_text += "."
        return PasswordField(
            label, description=f"{help_text} {hint}".strip(), validators=[_checked(setting)]
        )
    if setting.type == "list":
        help_text = f"{help_text} (cách nhau bằng dấu phẩy)".strip()
    if setting.multiline:
        return TextAreaField(label, description=help_text, validators=[_checked(setting)])
    return StringField(label, description=help_text, validators=[_checked(setting)])


def _shown(setting: PluginSetting, value: Any) -> str:
    """A value as the screen shows it: yes/no in Vietnamese, secrets masked."""
    if setting.type == "bool" and value is not None:
        return "có" if value else "không"
    return setting.shown(value)


def _form_value(setting: PluginSetting, value: Any) -> Any:
    if setting.secret or value is None:
        return "" if setting.type != "bool" else False
    if setting.type == "list":
        return ", ".join(value)
    if setting.type == "bool":
        return bool(value)
    return str(value)


@bp.route("/plugins/<name>/settings", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
def plugin_settings(name: str):
    state = state_of(current_app)
    declared = state.declared.get(name) or abort(404)
    editable = [s for s in declared.values() if s.editable and (name, s.name) not in state.fixed]

    class SettingsForm(FlaskForm):
        pass

    for setting in editable:
        setattr(SettingsForm, f"setting_{setting.name}", _field(setting))
    initial = {
        f"setting_{s.name}": _form_value(s, state.resolve(name, s.name)[0]) for s in editable
    }
    form = SettingsForm(data=initial) if request.method == "GET" else SettingsForm()
    if editable and form.validate_on_submit():
        values = {s.name: form[f"setting_{s.name}"].data for s in editable}
        try:
            with change():
                changed = save(name, values)
        except SettingError as exc:
            flash(f"Chưa lưu: {exc}", "error")
        except IntegrityError:
            flash(
                "Chưa lưu: một quản trị viên khác vừa lưu cấu hình này cùng lúc. "
                "Hãy xem giá trị đang dùng rồi lưu lại.",
                "error",
            )
        else:
            flash(
                f"Đã lưu cấu hình plugin “{name}”: {', '.join(changed)}."
                if changed
                else audit.NOTHING_CHANGED
            )
            return redirect(url_for("admin.plugin_settings", name=name))
    rows = []
    for setting in declared.values():
        value, source = state.resolve(name, setting.name)
        rows.append(
            {
                "setting": setting,
                "type": TYPE_LABELS_VI[setting.type],
                "variable": variable_name(name, setting.name),
                "value": _shown(setting, value),
                "default": _shown(setting, setting.default),
                "source": SOURCE_LABELS[source],
                "fixed": (name, setting.name) in state.fixed,
                "fixed_by": f"tệp {INSTANCE_FILE}"
                if source == SOURCE_INSTANCE_FILE
                else variable_name(name, setting.name),
                "field": form[f"setting_{setting.name}"] if setting in editable else None,
            }
        )
    return render_template(
        "admin/plugins/settings.html", name=name, rows=rows, form=form, editable=editable
    ), 422 if form.errors else 200
