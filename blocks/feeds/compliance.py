"""The ``rss`` requirement of Decree 42/2022/NĐ-CP: the site's news as RSS, and a page
that lists the feeds (``portal_compliance_checks``)."""

from __future__ import annotations

from portal import ComplianceCheck, block_uses


def rss_check() -> ComplianceCheck:
    """Met when a page with an address shows the "Nguồn tin RSS" block.

    The feeds themselves are served whenever this plugin is on; switched off, it is
    not asked, and the compliance page shows the requirement as unmet.
    """
    pages = sorted({use.page.path for use in block_uses("feed_links") if use.page.path}, key=str)
    detail = (
        f"Nguồn tin /rss.xml, /atom.xml và của từng chuyên mục; danh sách tại {', '.join(pages)}."
        if pages
        else "Nguồn tin /rss.xml đang phục vụ, nhưng chưa trang nào liệt kê các nguồn tin "
        "(đặt khối “Nguồn tin RSS” lên một trang tĩnh)."
    )
    return ComplianceCheck(
        "rss",
        "Cung cấp thông tin qua RSS",
        "Nghị định 42/2022/NĐ-CP",
        met=bool(pages),
        detail=detail,
        fix_url="/admin/pages",
        order=70,
    )
