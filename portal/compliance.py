"""What a portal must publish by law, and whether this site does (``portal_compliance_checks``).

Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT list what an agency's portal
must offer: search, legal documents, the organisation and its contacts,
information in English, links to other agencies, RSS, a sitemap, printing and
accessibility. Each function that meets an item lives in a plugin, so each
plugin reports its own items through the hook; the admin's compliance page
lists them. A plugin that raises or returns a wrong value is logged and left
out; the page still shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app

from portal.plugins import plugins_of

log = logging.getLogger("portal.compliance")


@dataclass(frozen=True)
class ComplianceCheck:
    """One legal requirement and whether this site meets it now.

    ``key`` names the requirement (``"documents"``; the first check of a key
    wins), ``label`` says it to admins in Vietnamese (``"Văn bản chỉ đạo, điều
    hành"``), ``reference`` cites the text (``"Nghị định 42/2022/NĐ-CP, Điều
    4.1.a"``), ``met`` is computed from the site's configuration and content,
    ``detail`` says what is there or what is missing (``"32 văn bản đã công
    bố"``), ``fix_url`` is the admin path where it is fixed (or ``""``), and
    ``order`` places it in the list (smaller first).
    """

    key: str
    label: str
    reference: str
    met: bool
    detail: str = ""
    fix_url: str = ""
    order: int = 100


def _valid(check: Any) -> bool:
    return (
        isinstance(check, ComplianceCheck)
        and isinstance(check.key, str)
        and bool(check.key)
        and isinstance(check.label, str)
        and isinstance(check.reference, str)
        and isinstance(check.met, bool)
        and isinstance(check.detail, str)
        and isinstance(check.fix_url, str)
        and (check.fix_url == "" or check.fix_url.startswith("/"))
        and isinstance(check.order, int)
    )


def compliance_checks() -> list[ComplianceCheck]:
    """Every plugin's checks, by order then label; one check per key.

    Each plugin in use is asked once, inside the current app (and request,
    when there is one). One that raises or returns anything but a list of
    :class:`ComplianceCheck` is logged and left out.
    """
    checks: dict[str, ComplianceCheck] = {}
    for plugin_name, result in plugins_of(current_app).call_each(
        "portal_compliance_checks", disable_on_error=False
    ):
        if result is None:
            continue
        if not isinstance(result, list | tuple) or not all(_valid(c) for c in result):
            log.warning("plugin %s returned wrong compliance checks: %r", plugin_name, result)
            continue
        for check in result:
            checks.setdefault(check.key, check)
    return sorted(checks.values(), key=lambda c: (c.order, c.label))


#: What Decree 42/2022/NĐ-CP and Circular 32/2017/TT-BTTTT require of a portal, by check
#: key: the label and reference shown when no plugin in use reports the key (the plugin
#: that meets it is not installed, or an admin switched it off).
REQUIRED: dict[str, tuple[str, str]] = {
    "organisation": ("Thông tin giới thiệu cơ quan, tổ chức", "Nghị định 42/2022/NĐ-CP"),
    "contacts": ("Thông tin liên hệ", "Nghị định 42/2022/NĐ-CP"),
    "documents": ("Văn bản quy phạm pháp luật, chỉ đạo điều hành", "Nghị định 42/2022/NĐ-CP"),
    "questions": ("Hỏi đáp, tiếp nhận ý kiến người dân", "Nghị định 42/2022/NĐ-CP"),
    "links": ("Liên kết đến cổng thông tin của cơ quan khác", "Nghị định 42/2022/NĐ-CP"),
    "english": ("Thông tin bằng tiếng Anh", "Nghị định 42/2022/NĐ-CP"),
    "menus": ("Trang tĩnh có trong trình đơn", "Nghị định 42/2022/NĐ-CP"),
    "statistics": ("Thống kê lượt truy cập", "Nghị định 42/2022/NĐ-CP"),
    "search": ("Chức năng tìm kiếm", "Nghị định 42/2022/NĐ-CP"),
    "rss": ("Cung cấp thông tin qua RSS", "Nghị định 42/2022/NĐ-CP"),
    "sitemap": ("Sơ đồ cổng thông tin", "Nghị định 42/2022/NĐ-CP"),
    "print": ("In bài viết", "Nghị định 42/2022/NĐ-CP"),
    "accessibility": (
        "Hỗ trợ người khuyết tật tiếp cận",
        "Thông tư 32/2017/TT-BTTTT; WCAG 2.1 mức AA",
    ),
}

#: Where an admin turns on a plugin that is installed but switched off.
PLUGINS_URL = "/admin/plugins"


@dataclass(frozen=True)
class ComplianceReport:
    """Every check to show, and how many are met."""

    checks: list[ComplianceCheck]

    @property
    def met_count(self) -> int:
        return sum(1 for check in self.checks if check.met)

    @property
    def all_met(self) -> bool:
        return self.met_count == len(self.checks)

    @property
    def summary(self) -> str:
        return f"{self.met_count}/{len(self.checks)} mục đạt"


def compliance_report() -> ComplianceReport:
    """The plugins' checks, the core's accessibility check, and every required key nobody
    reported, as unmet: a requirement is never left off the list because its plugin is gone.
    """
    checks = {check.key: check for check in compliance_checks()}
    if "accessibility" not in checks:
        checks["accessibility"] = accessibility_check()
    for order, (key, (label, reference)) in enumerate(REQUIRED.items()):
        if key not in checks:
            checks[key] = ComplianceCheck(
                key,
                label,
                reference,
                met=False,
                detail="Không plugin nào đang chạy đáp ứng mục này (chưa cài hoặc đã bị tắt).",
                fix_url=PLUGINS_URL,
                order=900 + order,
            )
    return ComplianceReport(sorted(checks.values(), key=lambda c: (c.order, c.label)))


@dataclass(frozen=True)
class BlockUse:
    """A page that shows a block of some type: the placement's settings, and whether the
    page inherits it from an ancestor (a header block placed once on the root page)."""

    page: Any
    region: str
    settings: dict
    inherited: bool


def block_uses(block_name: str) -> list[BlockUse]:
    """Every page that shows a visible block ``block_name``, its own or inherited.

    Reads all pages and placements in two queries, and follows inheritance as the
    reader pages do (blocked regions, the layouts' regions), so that a compliance
    check can say "the search box is on every page" from what readers really see.
    """
    from portal.rendering import load_placements, resolve_regions
    from portal.site import page_tree

    tree = page_tree()
    placements = load_placements(tree.by_id)
    plugins = plugins_of(current_app)
    uses: list[BlockUse] = []
    for page in tree.by_id.values():
        layout = plugins.layout(page.layout) or plugins.layout("one_column")
        if layout is None:
            continue
        for region, resolved in resolve_regions(page, layout.region_names, placements).items():
            uses.extend(
                BlockUse(
                    page=page,
                    region=region,
                    settings=dict(item.placement.settings or {}),
                    inherited=item.inherited_from is not None,
                )
                for item in resolved
                if item.placement.block_name == block_name and not item.placement.hidden
            )
    return uses


def accessibility_check() -> ComplianceCheck:
    """What the site itself can tell about accessibility: the page frame declares its
    language and has a skip link, and every published article image has a text alternative.

    The rules of WCAG 2.1 A/AA that a machine can test run on every page kind in CI
    (axe-core and the Nu HTML checker, docs/accessibility.md); they are not re-run here.
    """
    problems: list[str] = []
    frame = _template_source("base.html")
    if "<html lang=" not in frame:
        problems.append("khung trang không khai báo ngôn ngữ (lang)")
    if 'class="skip-link"' not in frame:
        problems.append("khung trang thiếu liên kết “Chuyển đến nội dung chính”")
    images, without_alt = _article_images_without_alt()
    if without_alt:
        problems.append(
            f"{without_alt}/{images} ảnh trong bài đã đăng chưa có mô tả thay thế (alt)"
        )
    detail = (
        "; ".join(problems)
        if problems
        else f"Khung trang khai báo ngôn ngữ và có liên kết bỏ qua; {images} ảnh trong bài "
        "đã đăng đều có mô tả thay thế (alt). Các quy tắc WCAG 2.1 A/AA được kiểm tra tự động "
        "(axe-core, Nu HTML Checker) trên mọi loại trang trước khi phát hành."
    )
    label, reference = REQUIRED["accessibility"]
    return ComplianceCheck(
        "accessibility",
        label,
        reference,
        met=not problems,
        detail=detail,
        fix_url="/admin/articles" if without_alt else "",
        order=100,
    )


def _template_source(name: str) -> str:
    try:
        return current_app.jinja_env.loader.get_source(current_app.jinja_env, name)[0]
    except Exception:
        log.exception("could not read the template %s", name)
        return ""


def _article_images_without_alt() -> tuple[int, int]:
    """(images, images without alt) in published articles: main images and those in bodies."""
    from html.parser import HTMLParser

    from sqlalchemy import select

    from portal.extensions import db
    from portal.models import Article

    class Images(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.total = self.missing = 0

        def handle_starttag(self, tag, attrs):
            if tag == "img":
                self.total += 1
                alt = dict(attrs).get("alt")
                self.missing += 0 if alt and alt.strip() else 1

    rows = db.session.execute(
        select(Article.image, Article.image_alt, Article.body_html).where(
            Article.public_filter(),
            (Article.image != "") | Article.body_html.contains("<img"),
        )
    )
    parser = Images()
    for image, image_alt, body_html in rows:
        if image:
            parser.total += 1
            parser.missing += 0 if (image_alt or "").strip() else 1
        if "<img" in (body_html or ""):
            parser.feed(body_html)
    return parser.total, parser.missing
