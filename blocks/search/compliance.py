"""The ``search`` requirement of Decree 42/2022/NĐ-CP: a search page readers can reach
from every page (``portal_compliance_checks``)."""

from __future__ import annotations

from portal import ComplianceCheck, block_uses, page_tree


def search_check() -> ComplianceCheck:
    """Met when a page with an address shows the results block and every page the box."""
    pages = page_tree().by_id
    result_pages = sorted(
        {use.page.path for use in block_uses("search_results") if use.page.path}, key=str
    )
    with_box = {use.page.id for use in block_uses("search_box")}
    problems = []
    if not result_pages:
        problems.append("chưa có trang tìm kiếm (trang có khối “Kết quả tìm kiếm”)")
    if len(with_box) < len(pages):
        problems.append(f"ô tìm kiếm có trên {len(with_box)}/{len(pages)} trang")
    detail = (
        "; ".join(problems)
        if problems
        else f"Trang tìm kiếm {', '.join(result_pages)}; ô tìm kiếm có trên mọi trang "
        f"({len(pages)} trang)."
    )
    return ComplianceCheck(
        "search",
        "Chức năng tìm kiếm",
        "Nghị định 42/2022/NĐ-CP",
        met=not problems,
        detail=detail,
        fix_url="/admin/pages",
        order=60,
    )
