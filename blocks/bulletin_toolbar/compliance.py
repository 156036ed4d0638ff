"""The ``print`` requirement of Decree 42/2022/NĐ-CP: every article page can be printed
with its origin on the paper (``portal_compliance_checks``)."""

from __future__ import annotations

from portal import ComplianceCheck, block_uses, page_tree


def print_check() -> ComplianceCheck:
    """Met when every article page shows this toolbar with its print button.

    Article pages are the pages of kind ``article`` (one per category that has its
    own, and the default); the print-only credit comes with the toolbar.
    """
    article_pages = [page for page in page_tree().by_id.values() if page.kind == "article"]
    with_print = {
        use.page.id
        for use in block_uses("bulletin_toolbar")
        if use.page.kind == "article" and use.settings.get("show_print", True)
    }
    met = bool(article_pages) and len(with_print) == len(article_pages)
    if not article_pages:
        detail = "Chưa có trang bài viết nào."
    elif met:
        detail = (
            f"Nút “In bài viết” có trên mọi trang bài viết ({len(article_pages)} trang); "
            "bản in ghi tên cổng, địa chỉ bài viết và nguồn."
        )
    else:
        detail = (
            f"Nút “In bài viết” có trên {len(with_print)}/{len(article_pages)} trang bài viết "
            "(đặt khối “Thanh công cụ bản tin” và bật “Hiện nút In”)."
        )
    return ComplianceCheck(
        "print",
        "In bài viết",
        "Nghị định 42/2022/NĐ-CP",
        met=met,
        detail=detail,
        fix_url="/admin/pages",
        order=90,
    )
