"""The compliance screen: what Decree 42/2022/NĐ-CP asks of the portal, and what it has.

Each requirement comes from the plugin that meets it (``portal_compliance_checks``);
one that no plugin in use reports shows as unmet. Read-only: each line links to the
screen that fixes it.
"""

from __future__ import annotations

from flask import render_template

from portal.compliance import compliance_report
from portal.web.admin import bp
from portal.web.admin.access import SITE_ADMINS, roles_required


@bp.get("/tuan-thu")
@roles_required(*SITE_ADMINS)
def compliance():
    return render_template("admin/compliance.html", report=compliance_report())
