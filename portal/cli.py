"""``flask --app wsgi portal ...``: the portal's command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from portal.content.unit_of_work import Actor, unit_of_work
from portal.extensions import db
from portal.i18n import translate as _
from portal.i18n import translate_count as _n
from portal.lazy_cli import PORTAL_HELP
from portal.models import ROLES, Page, Placement
from portal.models.users import ROLE_LABELS
from portal.plugins import plugins_of
from portal.schema import schema_lock, upgrade_database

#: Who the audit log names for a change made from the command line.
CLI_ACTOR = "Dòng lệnh"

portal_cli = AppGroup("portal", help=PORTAL_HELP)


class CommandError(click.ClickException):
    """A command's refusal, in the interface language (``PORTAL_DEFAULT_LOCALE``), exit 1.

    Click's own prefix ("Error: ") would be English whatever the language.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        # Shown after the command's app context has ended: the language is taken now.
        self.frame = _("Lỗi: {message}")

    def show(self, file=None) -> None:
        click.echo(self.frame.format(message=self.format_message()), err=True)


#: Status words the commands print (plugins, events), as the catalogs know them.
STATUS_WORDS = {
    "loaded": "đã nạp",
    "failed": "lỗi",
    "disabled": "bị chặn",
    "skipped": "bỏ qua",
    "switched off": "đã tắt",
    "pending": "đang chờ",
    "delivered": "đã gửi",
}


def _table_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n)


def export_summary(report) -> str:
    """What ``portal export`` wrote (:class:`portal.content.exchange.ExportReport`)."""
    return _("đã xuất {rows}; {files} tệp ({bytes} byte)").format(
        rows=_table_counts(report.rows) or _("không có dòng nào"),
        files=report.files,
        bytes=f"{report.bytes:,}",
    )


def site_import_summary(report) -> str:
    """What ``portal import-site`` did (:class:`portal.content.exchange.ImportReport`)."""
    added = _table_counts(report.added)
    text = _("đã thêm {added}").format(added=added) if added else _("không thêm gì")
    kept = _table_counts(report.kept)
    if kept:
        text += _("; đã có trên site (giữ nguyên): {kept}").format(kept=kept)
    text += _("; tệp: {written} đã ghi, {unchanged} đã có sẵn").format(
        written=report.files_written, unchanged=report.files_unchanged
    )
    if report.files_kept:
        text += _(", {kept} giữ như site đang có").format(kept=report.files_kept)
    if report.people_linked or report.people_missing:
        text += _(
            "; tác giả: {linked} gắn với tài khoản, {missing} không có tài khoản ở đây"
        ).format(linked=report.people_linked, missing=len(report.people_missing))
    return text


def delivery_summary(report) -> str:
    """What a delivery pass of the outbox did (:class:`portal.content.outbox.DeliveryReport`)."""
    return _("{delivered} đã gửi, {retrying} sẽ thử lại, {failed} lỗi").format(
        delivered=len(report.delivered), retrying=len(report.retrying), failed=len(report.failed)
    )


def command_group() -> AppGroup:
    """``flask portal``, with ``new-block`` (registered lazily by :mod:`portal.lazy_cli`)."""
    from portal.scaffold import new_block_command_factory

    portal_cli.add_command(new_block_command_factory())
    return portal_cli


def _upgrade_or_exit() -> None:
    """Upgrade core and plugins; on a plugin failure or a schema that differs from the
    models, say which and why, then exit 1."""
    failures = upgrade_database()
    if not failures:
        _exit_on_drift()
        return
    for failure in failures:
        click.echo(str(failure), err=True)
    click.echo(
        _n(
            "Các bảng của lõi đã sẵn sàng ({database}); {count} plugin không nâng cấp được "
            "lược đồ.",
            len(failures),
        ).format(database=_database_label(), count=len(failures)),
        err=True,
    )
    sys.exit(1)


def _exit_on_drift() -> None:
    """Stop when the upgraded database still differs from the models (changed by hand,
    or a migration edited after it ran): later it would fail far from the cause."""
    from portal.schema_drift import schema_drift

    drift = schema_drift(current_app._get_current_object())
    if not drift:
        return
    click.echo(
        _(
            "Cơ sở dữ liệu ({database}) đã ở lần chuyển đổi mới nhất nhưng khác với những gì "
            "các model mô tả:"
        ).format(database=_database_label()),
        err=True,
    )
    for line in drift:
        click.echo(f"  - {line}", err=True)
    click.echo(
        _(
            "Cách sửa: hoàn tác thay đổi làm bằng tay, hoặc khôi phục cơ sở dữ liệu từ bản sao "
            "lưu rồi chạy lại init-db; các lần chuyển đổi của cổng thông tin không bao giờ cần "
            "sửa lược đồ bên ngoài chúng."
        ),
        err=True,
    )
    sys.exit(1)


@portal_cli.command("init-db")
def init_db_command() -> None:
    """Create the tables or upgrade them to the newest schema, core and plugins (keeps data)."""
    _upgrade_or_exit()
    _index_missing()
    click.echo(_("Cơ sở dữ liệu đã sẵn sàng: {database}").format(database=_database_label()))


def _index_missing() -> None:
    """A site upgraded to search gets its index built once (its articles are searchable)."""
    from portal.search.indexing import index_missing

    count = index_missing()
    if count:
        click.echo(_n("Đã dựng chỉ mục tìm kiếm: {count} tài liệu.", count).format(count=count))


@portal_cli.command("setup")
def setup_command() -> None:
    """Create the tables and, if the site has no pages yet, load the demo content."""
    from portal.content.demo import load_demo

    with schema_lock():  # two setups at once: the second finds the tables and the demo there
        _upgrade_or_exit()
        if db.session.scalar(select(func.count()).select_from(Page)):
            _index_missing()
            click.echo(
                _("Cơ sở dữ liệu đã sẵn sàng: {database} (giữ nguyên nội dung có sẵn)").format(
                    database=_database_label()
                )
            )
            return
        summary = load_demo()
    click.echo(
        _("Cơ sở dữ liệu đã sẵn sàng: {database}; đã nạp nội dung mẫu: {summary}").format(
            database=_database_label(), summary=summary
        )
    )


@portal_cli.command("demo")
@click.option("--force", is_flag=True, help="Load even if the site already has pages.")
def demo_command(force: bool) -> None:
    """Load the demo site: categories, Vietnamese articles, pages and placements."""
    from portal.content.demo import load_demo

    upgrade_database()
    if not force and db.session.scalar(select(func.count()).select_from(Page)):
        raise CommandError(
            _("Site đã có trang nên không có gì thay đổi. Dùng --force để vẫn thêm nội dung mẫu.")
        )
    summary = load_demo()
    click.echo(_("Đã nạp nội dung mẫu: {summary}").format(summary=summary))


@portal_cli.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import articles from a JSON file (format: docs/import-format.md).

    Re-importing the same file changes nothing; each bad record is reported
    with its index and field and skipped, the good ones are kept.
    """
    from portal.content.importer import ImportFileError, import_file

    upgrade_database()
    try:
        report = import_file(file)
    except ImportFileError as exc:
        raise CommandError(str(exc)) from exc
    for error in report.errors:
        click.echo(
            _("bản ghi {index}: {field}: {message}").format(
                index=error.index, field=error.field, message=error.message
            ),
            err=True,
        )
    click.echo(report.summary())
    if report.errors:
        sys.exit(1)


@portal_cli.command("check")
@click.option(
    "--deploy",
    is_flag=True,
    help="Check the settings a public production site needs (HTTPS, hosts, secrets, files).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes the server runs (default: WEB_CONCURRENCY, else 1).",
)
def check_command(deploy: bool, workers: int | None) -> None:
    """Check the configuration; with --deploy, list what a production site still gets wrong.

    Each problem is one line with its fix; the exit status is 1 when there is any.
    """
    from portal.deploy_check import deploy_problems, workers_from_environment

    if not deploy:
        click.echo(_("Cấu hình hợp lệ. Dùng --deploy để kiểm tra nó cho một site chạy thật."))
        return
    problems = deploy_problems(
        current_app._get_current_object(), workers=workers or workers_from_environment()
    )
    for problem in problems:
        click.echo(str(problem))
    if not problems:
        click.echo(_("Không thấy vấn đề nào."))
        return
    click.echo(_n("Thấy {count} vấn đề.", len(problems)).format(count=len(problems)))
    sys.exit(1)


@portal_cli.command("blocks")
def blocks_command() -> None:
    """List the registered block types, the plugin each comes from, and recent failures.

    Failures are those of the last day, per block and placement, kept in the
    site's cache: with Redis, those of every worker; with the memory cache,
    only this process's (so none for a command).
    """
    from portal.rendering import recent_failures

    plugins = plugins_of(current_app)
    if not plugins.blocks:
        click.echo(_("Chưa có loại khối nào được đăng ký."))
    for name in sorted(plugins.blocks):
        block = plugins.blocks[name]
        plugin = plugins.plugins[plugins.block_plugins[name]]
        origin = plugin.distribution or plugin.path or plugin.module
        needs = _(" cần {needs}").format(needs=",".join(sorted(block.needs))) if block.needs else ""
        click.echo(
            f"{name:<20} {block.label:<28} plugin {plugin.name} ({plugin.source}: {origin}){needs}"
        )
    for info in plugins.plugins.values():
        if info.status in {"failed", "disabled", "skipped"}:
            status = _(STATUS_WORDS.get(info.status, info.status))
            click.echo(f"plugin {info.name}: {status}{': ' + info.error if info.error else ''}")
        elif info.name in plugins.switched_off:
            click.echo(_("plugin {name}: bị quản trị viên tắt").format(name=info.name))
    failures = recent_failures(current_app._get_current_object())
    if not failures:
        click.echo(_("Không khối nào lỗi trong ngày qua."))
        return
    click.echo(_("Các khối lỗi trong ngày qua ({count}):").format(count=len(failures)))
    for failure in failures:
        where = (
            _("vị trí #{placement} trên trang #{page}").format(
                placement=failure.placement_id, page=failure.page_id
            )
            if failure.placement_id is not None
            else _("một vị trí mới trên trang #{page}").format(page=failure.page_id)
        )
        times = _n("{count} lần", failure.count).format(count=failure.count)
        stage = _(" khi {stage}").format(stage=failure.stage) if failure.stage != "render" else ""
        click.echo(
            _("  {block} ở {where}: {times}, lần cuối lúc {last}{stage}: {error}").format(
                block=failure.block,
                where=where,
                times=times,
                last=failure.last_at_text,
                stage=stage,
                error=failure.last_error,
            )
        )


@portal_cli.group("plugins", invoke_without_command=True)
@click.option(
    "--settings",
    "show_settings",
    is_flag=True,
    help="Document every plugin's settings: variable, type, default, value and its source.",
)
@click.pass_context
@with_appcontext
def plugins_group(context: click.Context, show_settings: bool = False) -> None:
    """List every plugin: source, version, status, hooks, blocks, layouts, settings,
    migrations, load errors."""
    if context.invoked_subcommand is not None:
        return
    if show_settings:
        _echo_plugin_settings()
        return
    plugins = plugins_of(current_app)
    from portal.plugin_settings import state_of

    declared = state_of(current_app).declared
    migrations = _migration_states(plugins)
    for info in sorted(plugins.plugins.values(), key=lambda i: i.name):
        status = "switched off" if info.name in plugins.switched_off else info.status
        status = _(STATUS_WORDS.get(status, status))
        origin = info.distribution or info.path or info.module
        version = f" {info.version}" if info.version else ""
        click.echo(f"{info.name}{version} — {status} ({info.source}: {origin})")
        if info.hooks:
            click.echo(_("    hook:      {items}").format(items=", ".join(info.hooks)))
        if info.blocks:
            click.echo(_("    khối:      {items}").format(items=", ".join(sorted(info.blocks))))
        if info.layouts:
            click.echo(_("    bố cục:    {items}").format(items=", ".join(sorted(info.layouts))))
        if declared.get(info.name):
            click.echo(
                _("    thiết lập: {count} (portal plugins --settings)").format(
                    count=len(declared[info.name])
                )
            )
        if info.name in migrations:
            click.echo(_("    chuyển đổi: {state}").format(state=migrations[info.name]))
        if info.error:
            click.echo(_("    lỗi:       {error}").format(error=info.error))


def _echo_plugin_settings() -> None:
    """``plugins --settings``: what each plugin's settings are and where their values come from."""
    from portal.plugin_settings import SETTINGS_FAILURE, describe

    rows = describe(current_app)
    failed = [
        info for info in plugins_of(current_app).errors if info.error.startswith(SETTINGS_FAILURE)
    ]
    if not rows and not failed:
        click.echo(_("Không plugin nào khai báo thiết lập."))
        return
    plugin = None
    for row in rows:
        if row["plugin"] != plugin:
            plugin = row["plugin"]
            click.echo(f"{plugin}:")
        setting = row["setting"]
        kind = setting.type
        if kind == "choice":
            kind += f" ({', '.join(setting.choices)})"
        editable = _(", quản trị viên sửa được") if setting.editable else ""
        click.echo(f"  {setting.name} — {kind}{editable}")
        click.echo(_("      biến:     {value}").format(value=row["variable"]))
        click.echo(_("      mặc định: {value}").format(value=row["default"]))
        click.echo(
            _("      giá trị:  {value} (từ {source})").format(
                value=row["value"], source=row["source"]
            )
        )
        if setting.help:
            click.echo(_("      giải thích: {value}").format(value=setting.help))
    for info in failed:
        click.echo(_("{name}: lỗi — {error}").format(name=info.name, error=info.error))


def _migration_states(plugins) -> dict[str, str]:
    """Each loaded plugin's migration state: current, pending, none, or why it is unknown."""
    from sqlalchemy.exc import SQLAlchemyError

    from portal.plugin_data import PluginMigrationError, loaded_plugin_objects, migration_state

    states = {}
    for name, plugin in loaded_plugin_objects(current_app).items():
        try:
            states[name] = migration_state(name, plugin)
        except (PluginMigrationError, SQLAlchemyError) as exc:
            states[name] = _("không rõ ({reason})").format(reason=exc)
        except Exception as exc:  # a broken revision file in the plugin's folder
            states[name] = _("không rõ ({reason})").format(reason=f"{type(exc).__name__}: {exc}")
    return states


def _switch_plugin(name: str, enabled: bool) -> None:
    from portal.plugin_switches import SwitchError, set_enabled

    upgrade_database()
    try:
        with unit_of_work(Actor.system(CLI_ACTOR)):
            set_enabled(name, enabled)
    except SwitchError as exc:
        raise CommandError(str(exc)) from exc


@plugins_group.command("disable")
@click.argument("name")
def plugin_disable_command(name: str) -> None:
    """Switch a plugin off (placements are kept; workers follow within seconds)."""
    _switch_plugin(name, False)
    click.echo(_("Đã tắt plugin {name}; các khối đã đặt của nó được giữ lại.").format(name=name))


@plugins_group.command("enable")
@click.argument("name")
def plugin_enable_command(name: str) -> None:
    """Switch a plugin that an admin switched off back on."""
    _switch_plugin(name, True)
    click.echo(_("Đã bật plugin {name}.").format(name=name))


@portal_cli.command("pages")
def pages_command() -> None:
    """Show pages as a tree with their layouts and placements per region."""
    plugins = plugins_of(current_app)
    pages = list(db.session.scalars(select(Page).order_by(Page.id)))
    placements = list(
        db.session.scalars(select(Placement).order_by(Placement.region, Placement.position))
    )
    by_page: dict[int, list[Placement]] = {}
    for placement in placements:
        by_page.setdefault(placement.page_id, []).append(placement)
    children: dict[int | None, list[Page]] = {}
    for page in pages:
        children.setdefault(page.parent_id, []).append(page)
    if not pages:
        click.echo(_("Chưa có trang nào. Chạy `flask --app wsgi portal demo` để nạp site mẫu."))
        return

    def show(page: Page, depth: int) -> None:
        indent = "  " * depth
        where = page.path or (
            _("chuyên mục #{id}").format(id=page.category_id) if page.category_id else _("mặc định")
        )
        layout = plugins.layout(page.layout)
        layout_label = (
            page.layout if layout else _("{layout} (thiếu bố cục)").format(layout=page.layout)
        )
        blocked = (
            _(" chặn kế thừa: {regions}").format(regions=", ".join(page.blocked_regions))
            if page.blocked_regions
            else ""
        )
        click.echo(
            indent
            + _("[{id}] {title} — {kind} {where}, bố cục {layout}{blocked}").format(
                id=page.id,
                title=page.title,
                kind=page.kind,
                where=where,
                layout=layout_label,
                blocked=blocked,
            )
        )
        region_names = list(layout.region_names) if layout else []
        for region in region_names + sorted(
            {p.region for p in by_page.get(page.id, [])} - set(region_names)
        ):
            items = [p for p in by_page.get(page.id, []) if p.region == region]
            if not items:
                continue
            unplaced = "" if region in region_names else _(" (không đặt được: bố cục không có)")
            click.echo(f"{indent}    {region}{unplaced}:")
            for p in items:
                flags = []
                if plugins.block(p.block_name) is None:
                    flags.append(_("thiếu plugin"))
                if p.hidden:
                    flags.append(_("đang ẩn"))
                flag_text = f" [{', '.join(flags)}]" if flags else ""
                click.echo(f"{indent}      #{p.id} {p.position}. {p.block_name}{flag_text}")
        for child in children.get(page.id, []):
            show(child, depth + 1)

    for root in children.get(None, []):
        show(root, 0)


@portal_cli.command("create-user")
@click.option("--email", prompt=True)
@click.option("--name", prompt=True)
@click.option("--role", type=click.Choice(ROLES), default="admin", show_default=True)
@click.password_option()
def create_user_command(email: str, name: str, role: str, password: str) -> None:
    """Create an account (the first admin, typically).

    The e-mail address must pass the same check as on the sign-in form.
    """
    from portal.content import users as accounts

    upgrade_database()
    try:
        with unit_of_work(Actor.system(CLI_ACTOR)):
            user, _new_password = accounts.create_user(
                name=name, email=email, role=role, password=password
            )
    except accounts.AccountError as exc:
        raise CommandError(
            _("{reason} Không có tài khoản nào được tạo.").format(reason=_(str(exc)))
        ) from exc
    click.echo(
        _("Đã tạo tài khoản {email} ({role}).").format(
            email=user.email, role=_(ROLE_LABELS[user.role])
        )
    )


@portal_cli.command("set-password")
@click.option("--email", prompt=True)
@click.password_option()
def set_password_command(email: str, password: str) -> None:
    """Give an account a new password (e.g. the only admin forgot theirs).

    Every session of the account ends and its failed sign-ins are forgotten.
    """
    from portal.content import users as accounts

    upgrade_database()
    try:
        with unit_of_work(Actor.system(CLI_ACTOR)):
            user = accounts.account_for_email(email)
            _password, ended = accounts.reset_password(user, password)
    except accounts.AccountError as exc:
        raise CommandError(_("{reason} Không có gì thay đổi.").format(reason=_(str(exc)))) from exc
    click.echo(
        _n("Đã đặt mật khẩu mới cho {email}; {count} phiên đăng nhập đã kết thúc.", ended).format(
            email=user.email, count=ended
        )
    )


def _database_label() -> str:
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database}"
    return f"{url.get_backend_name()} {url.host}/{url.database}"


# -- whole-site export and import, feeds, view counts -------------------------------


@portal_cli.command("export")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--without-history",
    is_flag=True,
    help="Leave out article revisions, workflow notes and page revisions.",
)
def export_command(file: Path, without_history: bool) -> None:
    """Write the whole site (content and files) to FILE.zip (format: docs/export-format.md).

    Accounts, sign-in attempts and the audit log are not exported. Running it
    again replaces the file; an interrupted run leaves no half-written file.
    """
    from portal.content.exchange import (
        ExchangeError,
        export_site,
        export_snapshot,
        plan_export,
    )
    from portal.content.view_counter import counter_for

    upgrade_database()
    counter_for(current_app._get_current_object()).flush()  # waiting views belong in the export
    try:
        with export_snapshot():  # editors may keep working: one instant of the site
            plan = plan_export(include_history=not without_history)
            with click.progressbar(length=plan[0], label=_("Đang xuất"), file=sys.stderr) as bar:
                report = export_site(
                    file, include_history=not without_history, progress=bar.update, plan=plan
                )
    except (ExchangeError, OSError) as exc:
        raise CommandError(
            _("{reason}. Không có tệp xuất nào được ghi.").format(reason=exc)
        ) from exc
    for warning in report.warnings:
        click.echo(_("cảnh báo: {warning}").format(warning=warning), err=True)
    click.echo(f"{file}: {export_summary(report)}")


@portal_cli.command("import-site")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--merge",
    is_flag=True,
    help="Import into a site that has content: add only what it does not have yet.",
)
@click.option(
    "--allow-missing-files",
    is_flag=True,
    help="Import an archive whose rows name files it lacks; those rows get no file.",
)
def import_site_command(file: Path, merge: bool, allow_missing_files: bool) -> None:
    """Reproduce the site exported in FILE.zip (made by `portal export`).

    The database must have no content (accounts may exist) unless --merge is
    given; with --merge, rows the site already has are kept as they are, so
    running the same import again adds nothing. See docs/export-format.md.
    """
    from portal.content.exchange import ExchangeError, check_importable, import_site, open_archive

    upgrade_database()
    try:
        check_importable(merge=merge)
        archive = open_archive(file)
    except ExchangeError as exc:
        raise CommandError(str(exc)) from exc
    try:
        with click.progressbar(length=archive.steps, label=_("Đang nhập"), file=sys.stderr) as bar:
            report = import_site(
                archive, merge=merge, allow_missing_files=allow_missing_files, progress=bar.update
            )
    except ExchangeError as exc:
        raise CommandError(str(exc)) from exc
    finally:
        archive.zip.close()
    for warning in report.warnings:
        click.echo(_("cảnh báo: {warning}").format(warning=warning), err=True)
    for person in report.people_missing:
        click.echo(
            _("không có tài khoản ở đây cho {person}: chỉ giữ tên tác giả").format(person=person),
            err=True,
        )
    click.echo(site_import_summary(report))


@portal_cli.command("import-feed")
@click.argument("source")
@click.option("--category", "category_slug", required=True, help="Slug of the category to fill.")
def import_feed_command(source: str, category_slug: str) -> None:
    """Import the articles of an RSS or Atom feed (a file path or an http(s) URL).

    Each entry becomes a published article of the category; importing the
    feed again creates nothing new. Entries that cannot be imported are
    reported and skipped.
    """
    from portal.content.feed_import import FeedError, import_feed, read_feed

    upgrade_database()
    try:
        parsed = read_feed(source)
        with click.progressbar(
            length=len(parsed.entries), label=_("Đang nhập các mục"), file=sys.stderr
        ) as bar:
            report = import_feed(source, category_slug, progress=bar.update, parsed=parsed)
    except FeedError as exc:
        raise CommandError(str(exc)) from exc
    for error in report.errors:
        click.echo(
            _("mục {index} ({title}): {message}").format(
                index=error.index, title=error.title, message=error.message
            ),
            err=True,
        )
    click.echo(report.summary())
    if report.errors:
        sys.exit(1)


@portal_cli.command("flush-views")
def flush_views_command() -> None:
    """Write the article views waiting in the buffer to the database now.

    With Redis (PORTAL_CACHE_URL=redis://...) this writes every worker's
    waiting views; with the in-process buffer each worker writes its own.
    """
    from portal.content.view_counter import counter_for

    views, articles = counter_for(current_app._get_current_object()).flush()
    click.echo(
        _("Đã ghi {views} lượt xem của {articles} bài viết.").format(views=views, articles=articles)
    )


@portal_cli.group("events", invoke_without_command=True)
@click.pass_context
@with_appcontext
def events_group(context: click.Context) -> None:
    """Content events not yet delivered to every consumer (pending or failed)."""
    if context.invoked_subcommand is not None:
        return
    from portal.content.outbox import undelivered

    rows = undelivered()
    if not rows:
        click.echo(_("Mọi sự kiện nội dung đã được gửi xong."))
        return
    for row in rows:
        due = (
            _(", lần thử tới {moment} UTC").format(
                moment=f"{row.next_attempt_at:%Y-%m-%d %H:%M:%S}"
            )
            if row.next_attempt_at
            else ""
        )
        click.echo(
            _(
                "#{id} {status}: {action} {subject} {subject_id} ({actor}, {moment} UTC) "
                "— còn chờ {pending}; {attempts} lần thử{due}"
            ).format(
                id=row.id,
                status=_(STATUS_WORDS.get(row.status, row.status)),
                action=row.action,
                subject=row.subject,
                subject_id=row.subject_id or "",
                actor=row.actor or _("không rõ"),
                moment=f"{row.created_at:%Y-%m-%d %H:%M:%S}",
                pending=", ".join(row.pending),
                attempts=row.attempts,
                due=due,
            )
        )
        if row.last_error:
            click.echo(_("    lỗi gần nhất: {error}").format(error=row.last_error))


@events_group.command("deliver")
@with_appcontext
def events_deliver_command() -> None:
    """Deliver every pending event that is due now (for cron, or after fixing a consumer)."""
    from portal.content.outbox import deliver

    click.echo(delivery_summary(deliver()))


@events_group.command("retry")
@click.argument("event_ids", nargs=-1, type=int)
@with_appcontext
def events_retry_command(event_ids: tuple[int, ...]) -> None:
    """Make failed events (these ids, or all) pending again and deliver them now."""
    from portal.content.outbox import deliver, retry
    from portal.content.unit_of_work import Actor, unit_of_work

    with unit_of_work(Actor.system("Lệnh portal events retry")):
        count = len(retry(event_ids or None))
    click.echo(_n("{count} sự kiện lỗi được đưa về hàng chờ.", count).format(count=count))
    click.echo(delivery_summary(deliver()))


@portal_cli.command("reindex")
@click.option("--kind", default=None, help="Only this content kind (e.g. article).")
@with_appcontext
def reindex_command(kind: str | None) -> None:
    """Rebuild the search index (every kind, or one) from the content, with a progress bar."""
    from portal.search.indexing import UnknownKind, expected_count, reindex

    try:
        expected = expected_count(kind)
    except UnknownKind as exc:
        raise CommandError(str(exc)) from exc
    with click.progressbar(
        length=max(1, expected), label=_("Đang lập chỉ mục"), file=sys.stderr, show_pos=True
    ) as bar:
        count = reindex(kind, progress=bar.update)
    click.echo(_n("Đã lập chỉ mục {count} tài liệu.", count).format(count=count))


@portal_cli.command("compliance")
def compliance_command() -> None:
    """What Decree 42/2022/NĐ-CP asks of the portal, and what it has (as /admin/tuan-thu).

    Prints one line per requirement and the count met; exits with status 1 when
    any is unmet, so a deployment script can stop on it.
    """
    from portal.compliance import compliance_report

    # Plugins compute their checks as for the admin page: inside a request of the site.
    with current_app.test_request_context("/admin/tuan-thu"):
        report = compliance_report()
    for check in report.checks:
        mark = _("✔ Đạt     ") if check.met else _("✘ Chưa đạt")
        click.echo(f"{mark}  {check.label} ({check.reference})")
        if check.detail:
            click.echo(f"            {check.detail}")
        if check.fix_url and not check.met:
            click.echo("            " + _("Sửa tại: {url}").format(url=check.fix_url))
    click.echo(report.summary)
    if not report.all_met:
        sys.exit(1)


# -- file storage --------------------------------------------------------------------------------


@portal_cli.group("storage", invoke_without_command=True)
@click.pass_context
@with_appcontext
def storage_group(context: click.Context) -> None:
    """Where media and attachments are kept (PORTAL_STORAGE_*), and moving them elsewhere."""
    if context.invoked_subcommand is not None:
        return
    from portal.storage import StorageError, storages

    try:
        found = storages()
    except StorageError as exc:
        raise CommandError(str(exc)) from exc
    backend = current_app.config["PORTAL_STORAGE_BACKEND"]
    click.echo(
        _("nơi lưu: {backend}; phục vụ: {serving}").format(
            backend=backend, serving=current_app.config["PORTAL_STORAGE_SERVE"]
        )
    )
    for area, storage in found.items():
        click.echo(f"{area}: {storage.where}")


@storage_group.command("migrate")
@click.option(
    "--to",
    "target",
    type=click.Choice(["local", "s3"]),
    required=True,
    help="The backend to copy the files to.",
)
@click.option(
    "--from",
    "source",
    type=click.Choice(["local", "s3"]),
    default=None,
    help="The backend to copy from (default: the configured PORTAL_STORAGE_BACKEND).",
)
@click.option("--bucket", default=None, help="S3 side: bucket (default PORTAL_STORAGE_S3_BUCKET).")
@click.option(
    "--prefix", default=None, help="S3 side: key prefix (default PORTAL_STORAGE_S3_PREFIX)."
)
@click.option(
    "--endpoint-url",
    default=None,
    help="S3 side: endpoint (default PORTAL_STORAGE_S3_ENDPOINT_URL).",
)
@click.option(
    "--instance",
    "instance_path",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Local side: the instance folder holding the media and attachments folders "
    "(default: this site's).",
)
def storage_migrate_command(
    target: str,
    source: str | None,
    bucket: str | None,
    prefix: str | None,
    endpoint_url: str | None,
    instance_path: Path | None,
) -> None:
    """Copy every stored file (media, attachments, plugin files) to another backend.

    The S3 side takes its settings from PORTAL_STORAGE_S3_* (the options
    override them). Files the target already holds with the same size and
    checksum are skipped, so an interrupted run is resumed by running it
    again. The source is never changed. Switch the site over
    (PORTAL_STORAGE_BACKEND) once the report shows nothing failed.
    """
    from portal.content.storage_copy import copy_files, plan_copy
    from portal.storage import StorageError, build

    config = current_app.config
    source = source or config["PORTAL_STORAGE_BACKEND"]
    overrides = {"bucket": bucket, "prefix": prefix, "endpoint_url": endpoint_url}
    # The options describe the local side and the S3 side, whichever is the target;
    # when both sides use one backend, they describe the target.
    other_local = str(instance_path) if instance_path else current_app.instance_path
    try:
        if source == target and not (instance_path or any(overrides.values())):
            raise StorageError(
                _("--from và --to đều là {source}: hãy cho biết chép đến đâu.").format(
                    source=source
                )
            )
        origin = build(
            config,
            other_local if source == "local" and target == "s3" else current_app.instance_path,
            source,
            **(overrides if source == "s3" and target == "local" else {}),
        )
        destination = build(config, other_local, target, **overrides)
        for area, storage in destination.items():
            click.echo(f"{area}: {origin[area].where} → {storage.where}")
        files = plan_copy(origin)
        with click.progressbar(
            length=max(1, len(files)), label=_("Đang chép"), file=sys.stderr, show_pos=True
        ) as bar:
            report = copy_files(origin, destination, files=files, progress=bar.update)
    except StorageError as exc:
        raise CommandError(str(exc)) from exc
    for failure in report.failed:
        click.echo(_("lỗi: {failure}").format(failure=failure), err=True)
    click.echo(
        _("{copied} tệp đã chép ({bytes} byte), {skipped} đã có sẵn, {failed} lỗi").format(
            copied=report.copied,
            bytes=f"{report.bytes_copied:,}",
            skipped=report.skipped,
            failed=len(report.failed),
        )
    )
    if report.failed:
        raise CommandError(
            _n(
                "{count} tệp chưa được chép; chạy lại lệnh để thử lại chúng.", len(report.failed)
            ).format(count=len(report.failed))
        )
