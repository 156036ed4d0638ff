"""The ``sitemap`` requirement of Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT:
a sitemap for machines (sitemap.xml) and one for people (``portal_compliance_checks``)."""

from __future__ import annotations

from portal import ComplianceCheck, block_uses


def sitemap_check() -> ComplianceCheck:
    """Met when a page with an address shows the "Sơ đồ trang web" block.

    ``/sitemap.xml`` is served whenever this plugin is on; switched off, it is not
    asked, and the compliance page shows the requirement as unmet.
    """
    pages = sorted({use.page.path for use in block_uses("site_map") if use.page.path}, key=str)
    detail = (
        f"/sitemap.xml cho máy tìm kiếm; sơ đồ trang cho bạn đọc tại {', '.join(pages)}."
        if pages
        else "/sitemap.xml đang phục vụ, nhưng chưa có trang sơ đồ cho bạn đọc "
        "(đặt khối “Sơ đồ trang web” lên một trang tĩnh)."
    )
    return ComplianceCheck(
        "sitemap",
        "Sơ đồ cổng thông tin",
        "Nghị định 42/2022/NĐ-CP; Thông tư 32/2017/TT-BTTTT",
        met=bool(pages),
        detail=detail,
        fix_url="/admin/pages",
        order=80,
    )
