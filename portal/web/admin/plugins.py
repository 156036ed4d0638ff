"""The plugins screen: what the portal loaded, from where, what it provides; switch off/on."""

from __future__ import annotations

from collections import Counter

from flask import current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from portal.extensions import db
from portal.models import Placement
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
