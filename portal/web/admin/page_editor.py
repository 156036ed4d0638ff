"""The page editor: arrange a page's blocks in its draft, preview, publish, undo.

The editor screen is structure only: it lists regions and block cards from the
draft document and never runs block code, so a block that crashes can always
be moved, reconfigured or removed. Only the preview renders blocks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from wtforms import FormField

from portal.blocks import SUMMARY_LENGTH, Block, SettingsContext, default_summary, jsonable, shorten
from portal.content import autosaves
from portal.content.page_drafts import (
    DraftConflict,
    DraftError,
    add_block,
    compare,
    describe_block,
    describe_page,
    discard,
    draft_placements,
    edit_draft,
    get_draft,
    items_in_region,
    live_document,
    move_block,
    new_key,
    publish_draft,
    remove_block,
    restore_as_draft,
    set_hidden,
    set_inheritance,
    set_layout,
    shift_block,
    update_settings,
    working_document,
)
from portal.content.pages import publish_problem
from portal.extensions import db
from portal.i18n import current_locale, translate
from portal.models import Article, Page, PageRevision, Tag
from portal.plugins import plugins_of
from portal.rendering import Viewer, load_placements, render_page
from portal.setting_fields import RichTextField
from portal.site import CategoryTree, PageTree, category_tree, find_tag, most_used_tag
from portal.web.actor import change
from portal.web.admin import bp
from portal.web.admin.access import (
    SITE_ADMINS,
    form_expired,
    keeps_typing_when_expired,
    roles_required,
)
from portal.web.admin.articles import EDITOR_CSP
from portal.web.admin.confirm import ask, confirmed
from portal.web.vendor import tinymce_url

log = logging.getLogger(__name__)


def _page(page_id: int) -> Page:
    return db.session.get(Page, page_id) or abort(404)


def _version() -> str:
    """The :func:`~portal.page_drafts.edit_version` the editor's screen was built from."""
    version = request.form.get("version", "").strip()
    if not version:
        abort(400, "Thiếu phiên bản bản nháp.")
    return version


def settings_context(page: Page) -> SettingsContext:
    """What a block's settings form knows: the page, the site's categories, the locale."""
    return SettingsContext(page=page, categories=category_tree(), locale=current_locale())


def page_provides(page: Page) -> set[str]:
    """What a page gives its blocks: article pages an article (and its category), category pages a category."""
    if page.kind == "article":
        return {"article", "category"}
    if page.kind == "category":
        return {"category"}
    if page.kind == "tag":
        return {"tag"}
    return set()


def blocks_offered(page: Page) -> list[Block]:
    """Block types whose needs this page meets, for the picker."""
    provided = page_provides(page)
    blocks = plugins_of(current_app).blocks.values()
    return sorted(
        (b for b in blocks if set(b.needs) <= provided), key=lambda b: (b.group, b.label, b.name)
    )


@dataclass
class Card:
    """A block as the editor shows it: from the draft, or inherited from an ancestor."""

    key: str | None
    block_name: str
    region: str
    position: int
    settings: dict
    hidden: bool
    block: Block | None
    inherited_from: Page | None = None

    @property
    def label(self) -> str:
        return self.block.label if self.block else self.block_name

    @property
    def summary(self) -> str:
        """The block's own short line about its settings (labels, never raw keys).

        A block whose ``summarize_settings`` fails gets the default summary, so a
        broken block never breaks the editor. A block whose plugin is missing has
        no form to take labels from: its stored settings are shown as they are,
        so the editor can still tell it apart.
        """
        if self.block is None:
            parts = [
                f"{name}: {value}"
                for name, value in (self.settings or {}).items()
                if value not in ("", None, [], False)
            ]
            return shorten(" · ".join(parts), SUMMARY_LENGTH)
        settings = self.block.load_settings(self.settings)
        try:
            text = self.block.summarize_settings(settings)
            if not isinstance(text, str):
                raise TypeError(f"summarize_settings() must return str, not {type(text).__name__}")
        except Exception:
            log.exception("Block %r failed in summarize_settings", self.block_name)
            text = default_summary(self.block.settings_form, settings)
        return shorten(text, SUMMARY_LENGTH)


def _editor_state(page: Page):
    plugins = plugins_of(current_app)
    document, version = working_document(page)
    layout = plugins.layout(document["layout"])
    region_names = list(layout.region_names) if layout else []
    pages = PageTree.load()
    ancestors = pages.ancestors(page)
    inherited_rows = load_placements([a.id for a in ancestors])

    regions = []
    for region in layout.regions if layout else []:
        inherited: list[Card] = []
        if region.name not in document["blocked_regions"]:
            for ancestor in reversed(ancestors):
                ancestor_layout = plugins.layout(ancestor.layout)
                if ancestor_layout is None or region.name in ancestor_layout.region_names:
                    inherited[:0] = [
                        Card(None, p.block_name, p.region, p.position, p.settings, p.hidden,
                             plugins.block(p.block_name), inherited_from=ancestor)
                        for p in inherited_rows.get(ancestor.id, [])
                        if p.region == region.name
                    ]  # fmt: skip
                if region.name in (ancestor.blocked_regions or []):
                    break
        own = [
            Card(i["key"], i["block_name"], i["region"], i["position"], i.get("settings") or {},
                 bool(i.get("hidden")), plugins.block(i["block_name"]))
            for i in items_in_region(document, region.name)
        ]  # fmt: skip
        regions.append(
            {
                "region": region,
                "blocked": region.name in document["blocked_regions"],
                "inherited": inherited,
                "own": own,
            }
        )
    unplaced = [
        Card(i["key"], i["block_name"], i["region"], i["position"], i.get("settings") or {},
             bool(i.get("hidden")), plugins.block(i["block_name"]))
        for i in sorted(document["placements"], key=lambda i: (i["region"], i["position"]))
        if i["region"] not in region_names
    ]  # fmt: skip
    return document, version, layout, regions, unplaced


@bp.get("/pages/<int:page_id>")
@roles_required(*SITE_ADMINS)
def page_editor(page_id: int):
    page = _page(page_id)
    document, version, layout, regions, unplaced = _editor_state(page)
    draft = get_draft(page)
    changes = compare(live_document(page), document) if draft is not None else None
    return render_template(
        "admin/pages/editor.html",
        page=page,
        document=document,
        version=version,
        draft=draft,
        changes=changes,
        layout=layout,
        layouts=list(plugins_of(current_app).layouts.values()),
        regions=regions,
        unplaced=unplaced,
        region_names=[r["region"] for r in regions],
        ancestors=PageTree.load().ancestors(page),
        state_problem=publish_problem(page, not page.published),
    )


def _apply(
    page: Page,
    change_document,
    action: str,
    summary: str,
    describe=describe_page,
    autosave_key: str | None = None,
):
    """Apply a change to the draft and record it; return the problem, or None when saved.

    On a conflict or a change that cannot be made nothing is written.
    ``describe`` picks what the audit log keeps from the document before and after;
    ``autosave_key`` names the form's autosave, removed with the save.
    """
    try:
        with change():
            if autosave_key:
                autosaves.clear(current_user, autosave_key)
            edit_draft(
                page,
                _version(),
                current_user,
                change_document,
                action=action,
                summary=summary,
                describe=describe,
            )
    except (DraftConflict, DraftError) as exc:
        return exc
    return None


def _apply_and_tell(
    page: Page, change_document, action: str, summary: str, done: str, **kwargs
) -> None:
    """:func:`_apply` for the editor's buttons: the outcome is flashed on the editor screen."""
    problem = _apply(page, change_document, action, summary, **kwargs)
    if problem is None:
        flash(done)
    else:
        flash(str(problem), "error")


def _back(page: Page, anchor: str | None = None):
    return redirect(
        url_for("admin.page_editor", page_id=page.id) + (f"#{anchor}" if anchor else "")
    )


def _region_or_400(page: Page, region: str, document: dict) -> str:
    layout = plugins_of(current_app).layout(document["layout"])
    if layout is None or region not in layout.region_names:
        abort(400, "Bố cục hiện tại không có vùng này; hãy tải lại trang sắp xếp khối.")
    return region


def region_label(document: dict, region: str) -> str:
    """The name the layout gives a region ("Cột phụ"); a region it lacks by its code."""
    layout = plugins_of(current_app).layout(document["layout"])
    found = next((r for r in layout.regions if r.name == region), None) if layout else None
    return found.label if found is not None else region


# -- adding and configuring blocks --------------------------------------------


@bp.get("/pages/<int:page_id>/add")
@roles_required(*SITE_ADMINS)
def block_picker(page_id: int):
    page = _page(page_id)
    document, version = working_document(page)
    region = _region_or_400(page, request.args.get("region", "main"), document)
    groups: dict[str, list[Block]] = {}
    for block in blocks_offered(page):
        groups.setdefault(block.group, []).append(block)
    return render_template(
        "admin/pages/picker.html",
        page=page,
        region=region,
        region_label=region_label(document, region),
        groups=groups,
        version=version,
    )


@bp.route("/pages/<int:page_id>/add/<block_name>", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
@keeps_typing_when_expired
def block_add(page_id: int, block_name: str):
    page = _page(page_id)
    document, version = working_document(page)
    region = _region_or_400(page, request.values.get("region", "main"), document)
    block = plugins_of(current_app).block(block_name)
    if block is None or block not in blocks_offered(page):
        abort(404)
    form = block.settings_form_for(
        request.form if request.method == "POST" else None, context=settings_context(page)
    )
    if form_expired():
        return _render_block_form(page, block, form, region, _version(), expired=True)
    if request.method == "POST":
        if not form.validate():
            return _render_block_form(page, block, form, region, _version(), status=422)
        key = new_key()
        problem = _apply(
            page,
            add_block(block.name, region, jsonable(form.data), key=key),
            "page.block.add",
            f"Thêm khối “{block.label}” vào vùng “{region_label(document, region)}” "
            f"của trang “{page.title}”",
            describe=describe_block(key),
            autosave_key=block_autosave_key(page, block),
        )
        if problem is None:
            flash(f"Đã thêm khối “{block.label}” vào bản nháp.")
            return _back(page, f"region-{region}")
        return _render_block_form(page, block, form, region, None, problem=problem)
    return _render_block_form(page, block, form, region, version)


def _render_block_form(
    page, block, form, region, version, *, key=None, status=200, problem=None, expired=False
):
    """The settings form. After a refused save it keeps what the editor typed.

    On a conflict the form carries the page's *current* version, so saving
    again (after looking at the other person's change) applies the settings
    on top of it; the current settings of the block are shown for comparison.
    """
    current = None
    document, version_now = working_document(page)
    autosave_key = block_autosave_key(page, block, key)
    offered = None
    if request.method == "GET":
        offered = autosaves.offered(current_user, autosave_key, current_version=version or "")
    if expired:
        status = 400
    if problem is not None:
        version = version_now
        if key is not None:
            current = next((i for i in document["placements"] if i["key"] == key), None)
        status = 409 if isinstance(problem, DraftConflict) else 422
    rich = has_rich_text(form)
    html = render_template(
        "admin/pages/block_form.html",
        page=page,
        block=block,
        form=form,
        region=region,
        region_label=region_label(document, region),
        version=version,
        key=key,
        problem=problem,
        conflict=isinstance(problem, DraftConflict),
        current=current,
        current_summary=(
            Card(key, block.name, "", 0, current.get("settings") or {}, False, block).summary
            if current is not None
            else None
        ),
        autosave={
            "key": autosave_key,
            "url": url_for("admin.autosave_store"),
            "offered": offered,
        },
        unsaved=request.method == "POST",
        expired=expired,
        tinymce_url=tinymce_url() if rich else None,
    )
    response = make_response(html, status)
    if rich:  # TinyMCE's interface needs inline styles, on this response only
        response.headers["Content-Security-Policy"] = EDITOR_CSP
    return response


def has_rich_text(form) -> bool:
    """Whether a settings form has a :class:`~portal.RichTextField` (at any depth)."""
    for field in form:
        if isinstance(field, RichTextField):
            return True
        if isinstance(field, FormField) and has_rich_text(field.form):
            return True
    return False


def block_autosave_key(page: Page, block: Block, key: str | None = None) -> str:
    """The autosave key of a block's settings form: adding a block, or configuring one."""
    return f"page:{page.id}:block:{key}" if key else f"page:{page.id}:add:{block.name}"


@bp.route("/pages/<int:page_id>/blocks/<key>", methods=["GET", "POST"])
@roles_required(*SITE_ADMINS)
@keeps_typing_when_expired
def block_edit(page_id: int, key: str):
    page = _page(page_id)
    document, version = working_document(page)
    item = next((i for i in document["placements"] if i["key"] == key), None)
    if item is None:
        flash("Khối này không còn trong bản nháp (có thể người khác vừa xóa nó).", "error")
        return _back(page)
    block = plugins_of(current_app).block(item["block_name"])
    if block is None:
        flash(
            f"Khối “{item['block_name']}” thiếu plugin nên không sửa được cấu hình; "
            "bạn vẫn có thể di chuyển hoặc xóa nó.",
            "error",
        )
        return _back(page)
    if request.method == "POST":
        form = block.settings_form_for(request.form, context=settings_context(page))
        if form_expired():
            return _render_block_form(
                page, block, form, item["region"], _version(), key=key, expired=True
            )
        if not form.validate():
            return _render_block_form(
                page, block, form, item["region"], _version(), key=key, status=422
            )
        problem = _apply(
            page,
            update_settings(key, jsonable(form.data)),
            "page.block.configure",
            f"Sửa cấu hình khối “{block.label}” trên trang “{page.title}”",
            describe=describe_block(key),
            autosave_key=block_autosave_key(page, block, key),
        )
        if problem is None:
            flash(f"Đã lưu cấu hình khối “{block.label}” vào bản nháp.")
            return _back(page, f"card-{key}")
        return _render_block_form(page, block, form, item["region"], None, key=key, problem=problem)
    form = block.settings_form_for(
        context=settings_context(page), settings=item.get("settings") or {}
    )
    return _render_block_form(page, block, form, item["region"], version, key=key)


# -- moving, hiding, removing ---------------------------------------------------


@bp.post("/pages/<int:page_id>/blocks/<key>/move")
@roles_required(*SITE_ADMINS)
def block_move(page_id: int, key: str):
    """Up/down within a region, or to a region and position (drag and drop, the region menu)."""
    page = _page(page_id)
    document, _version_now = working_document(page)
    direction = request.form.get("direction")
    if direction in ("up", "down"):
        change_document = shift_block(key, -1 if direction == "up" else 1)
        summary = "Chuyển khối lên" if direction == "up" else "Chuyển khối xuống"
    else:
        region = _region_or_400(page, request.form.get("region", ""), document)
        try:
            position = int(request.form.get("position", "10000"))
        except ValueError:
            abort(400, "Vị trí không hợp lệ.")
        change_document = move_block(key, region, position)
        summary = f"Chuyển khối sang vùng “{region_label(document, region)}”"
    _apply_and_tell(
        page,
        change_document,
        "page.block.move",
        f"{summary} trên trang “{page.title}”",
        f"{summary}.",
        describe=describe_block(key),
    )
    return _back(page, f"card-{key}")


@bp.post("/pages/<int:page_id>/blocks/<key>/visibility")
@roles_required(*SITE_ADMINS)
def block_visibility(page_id: int, key: str):
    page = _page(page_id)
    hidden = request.form.get("hidden") == "1"
    summary = "Ẩn khối" if hidden else "Hiện khối"
    _apply_and_tell(
        page,
        set_hidden(key, hidden),
        "page.block.visibility",
        f"{summary} trên trang “{page.title}”",
        f"{summary}.",
        describe=describe_block(key),
    )
    return _back(page, f"card-{key}")


@bp.post("/pages/<int:page_id>/blocks/<key>/remove")
@roles_required(*SITE_ADMINS)
def block_remove(page_id: int, key: str):
    page = _page(page_id)
    document, _version_now = working_document(page)
    item = next((i for i in document["placements"] if i["key"] == key), None)
    if item is not None and not confirmed():  # a block already gone: the change says so
        block = plugins_of(current_app).block(item["block_name"])
        label = block.label if block is not None else item["block_name"]
        region = region_label(document, item["region"])
        return ask(
            title=f"Gỡ khối “{label}” khỏi trang “{page.title}”?",
            message=f"Khối và cấu hình của nó rời khỏi vùng “{region}” trong bản nháp. "
            "Bạn đọc chỉ thấy thay đổi khi bạn xuất bản; trước đó, “Hủy bản nháp” lấy lại khối "
            "(cùng mọi thay đổi khác chưa xuất bản).",
            button="Gỡ khối",
            back=url_for("admin.page_editor", page_id=page.id, _anchor=f"card-{key}"),
        )
    _apply_and_tell(
        page,
        remove_block(key),
        "page.block.remove",
        f"Gỡ khối khỏi trang “{page.title}”",
        "Đã gỡ khối khỏi bản nháp. Hủy bản nháp nếu muốn lấy lại.",
        describe=describe_block(key),
    )
    return _back(page)


# -- layout and inheritance ---------------------------------------------------------


@bp.post("/pages/<int:page_id>/layout")
@roles_required(*SITE_ADMINS)
def page_layout(page_id: int):
    page = _page(page_id)
    layout = plugins_of(current_app).layout(request.form.get("layout", ""))
    if layout is None:
        flash("Bố cục này không tồn tại.", "error")
        return _back(page)
    _apply_and_tell(
        page,
        set_layout(layout.name),
        "page.layout",
        f"Đổi bố cục trang “{page.title}” thành “{layout.label}”",
        f"Đã đổi bố cục thành “{layout.label}” trong bản nháp. Khối ở vùng mà bố cục mới không "
        "có được giữ lại trong mục “Chưa đặt vào vùng”.",
    )
    return _back(page)


@bp.post("/pages/<int:page_id>/inheritance")
@roles_required(*SITE_ADMINS)
def page_inheritance(page_id: int):
    page = _page(page_id)
    document, _v = working_document(page)
    region = _region_or_400(page, request.form.get("region", ""), document)
    blocked = request.form.get("blocked") == "1"
    summary = (
        f"{'Chặn' if blocked else 'Nhận'} khối kế thừa ở vùng “{region_label(document, region)}”"
    )
    _apply_and_tell(
        page,
        set_inheritance(region, blocked),
        "page.inheritance",
        f"{summary} của trang “{page.title}”",
        f"{summary}.",
    )
    return _back(page, f"region-{region}")


# -- preview, publish, discard ------------------------------------------------------


def _preview_subject(page: Page):
    """An article or category to show an article/category page with."""
    categories = CategoryTree.load()
    category = categories.get(page.category_id)
    if page.kind == "article":
        query = select(Article).where(Article.public_filter())
        chosen = request.args.get("article", type=int)
        if chosen:
            article = db.session.get(Article, chosen)
        else:
            if category is not None:
                query = query.where(Article.category_id.in_(categories.descendant_ids(category)))
            article = db.session.scalar(query.order_by(Article.published_at.desc()).limit(1))
        return article, categories.get(article.category_id) if article else category
    if page.kind == "category":
        return None, category or (categories.roots[0] if categories.roots else None)
    return None, None


def _preview_tag(page: Page) -> Tag | None:
    """The tag to show the tag page with: ``?tag=<slug>``, else the most used one."""
    if page.kind != "tag":
        return None
    return find_tag(request.args.get("tag") or "") or most_used_tag()


@bp.get("/pages/<int:page_id>/preview")
@roles_required(*SITE_ADMINS)
def page_preview(page_id: int):
    """The page as readers would see it with the draft (no cache).

    A block that fails shows the error box an editor sees on the public page
    (and a block whose plugin is missing its box), so the admin sees failures
    where they check; it is also counted in the recent failures.
    """
    page = _page(page_id)
    document, _version_now = working_document(page)
    previewed = Page(
        id=page.id,
        parent_id=page.parent_id,
        kind=page.kind,
        title=page.title,
        path=page.path,
        category_id=page.category_id,
        layout=document["layout"],
        blocked_regions=document["blocked_regions"],
    )
    ancestors = PageTree.load().ancestors(page)
    placements = load_placements([a.id for a in ancestors])
    placements[page.id] = draft_placements(page, document)
    article, category = _preview_subject(page)
    if page.kind == "article" and article is None:
        flash("Chưa có bài viết đã xuất bản để xem trước mẫu trang này.", "error")
        return _back(page)
    tag = _preview_tag(page)
    if tag is not None:
        title = f"{translate('Thẻ')}: {tag.name}"
    else:
        title = article.title if article else (category.name if category else page.title)
    viewer = Viewer(is_editor=False, signed_in=True, locale=current_locale(), preview=True)
    html = render_page(
        previewed,
        article=article,
        category=category,
        tag=tag,
        title=title,
        viewer=viewer,
        placements_by_page=placements,
        extra_context={
            "preview": {
                "back": url_for("admin.page_editor", page_id=page.id),
                "has_draft": get_draft(page) is not None,
            }
        },
    )
    return html


@bp.post("/pages/<int:page_id>/publish")
@roles_required(*SITE_ADMINS)
def page_publish(page_id: int):
    page = _page(page_id)
    try:
        with change():
            revision = publish_draft(
                page, _version(), current_user, request.form.get("note", "").strip()[:500]
            )
    except DraftConflict as exc:
        flash(str(exc), "error")
        return _back(page)
    flash(f"Đã xuất bản trang “{page.title}” (phiên bản {revision.number}).")
    return _back(page)


@bp.post("/pages/<int:page_id>/discard")
@roles_required(*SITE_ADMINS)
def page_discard(page_id: int):
    page = _page(page_id)
    if not confirmed():
        return ask(
            title=f"Hủy bản nháp của trang “{page.title}”?",
            message="Mọi thay đổi chưa xuất bản (khối thêm, sửa, di chuyển, bố cục) sẽ mất; "
            "trang trở lại như bản đang xuất bản. Không thể hoàn tác.",
            button="Hủy bản nháp",
            back=url_for("admin.page_editor", page_id=page.id),
        )
    try:
        with change():
            discard(page, _version())
    except DraftConflict as exc:
        flash(str(exc), "error")
        return _back(page)
    flash("Đã hủy bản nháp; trang trở lại như bản đang xuất bản.")
    return _back(page)


# -- revisions --------------------------------------------------------------------------


@bp.get("/pages/<int:page_id>/revisions")
@roles_required(*SITE_ADMINS)
def page_revisions(page_id: int):
    page = _page(page_id)
    revisions = list(
        db.session.scalars(
            select(PageRevision)
            .where(PageRevision.page_id == page.id)
            .order_by(PageRevision.number.desc())
        )
    )
    return render_template(
        "admin/pages/revisions.html",
        page=page,
        revisions=revisions,
        draft=get_draft(page),
        version=working_document(page)[1],
    )


@bp.get("/pages/<int:page_id>/revisions/compare")
@roles_required(*SITE_ADMINS)
def page_compare(page_id: int):
    """Compare two revisions (``?a=1&b=3``); ``b`` may be ``draft``; default: a with the live page."""
    page = _page(page_id)

    def load(number: str | None):
        if number in (None, "", "live"):
            return "Bản đang xuất bản", live_document(page)
        if number == "draft":
            document, _version_now = working_document(page)
            return "Bản nháp", document
        revision = (
            db.session.scalar(
                select(PageRevision).where(
                    PageRevision.page_id == page.id, PageRevision.number == int(number)
                )
            )
            if number.isdigit() and len(number) < 9
            else None
        )
        if revision is None:
            abort(404)
        return f"Phiên bản {revision.number}", revision.document

    old_label, old = load(request.args.get("a"))
    new_label, new = load(request.args.get("b"))
    return render_template(
        "admin/pages/compare.html",
        page=page,
        old_label=old_label,
        new_label=new_label,
        changes=compare(old, new),
    )


@bp.post("/pages/<int:page_id>/revisions/<int:number>/restore")
@roles_required(*SITE_ADMINS)
def page_restore(page_id: int, number: int):
    """Revision ``number`` becomes the page's draft: review it, then publish or discard it."""
    page = _page(page_id)
    try:
        with change():
            restore_as_draft(page, number, _version(), current_user)
    except (DraftError, DraftConflict) as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.page_revisions", page_id=page.id))
    flash(
        f"Đã đưa phiên bản {number} vào bản nháp. Bạn đọc vẫn thấy bản đang xuất bản: "
        "hãy xem trước rồi bấm “Xuất bản” (hoặc “Hủy bản nháp”)."
    )
    return _back(page)
