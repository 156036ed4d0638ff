"""``flask portal documents import FILE [--dry-run] [--publish]``: the admin's import, in a shell."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from portal import db, translate

documents_cli = AppGroup("documents", help="Legal documents (văn bản): bulk import.")


@documents_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--publish", "publish_all", is_flag=True, help="Publish the imported documents.")
@click.option(
    "--as",
    "email",
    default="",
    help="E-mail of the account the import is made as (default: the first active admin).",
)
@with_appcontext
def import_command(file: Path, dry_run: bool, publish_all: bool, email: str) -> None:
    """Import documents from a CSV, XLSX or JSON file: all rows, or none if any is wrong."""
    from .importer import ImportFileError, import_documents

    user = _account(email)
    try:
        report = import_documents(
            file.read_bytes(), file.name, user, dry_run=dry_run, publish_all=publish_all
        )
    except ImportFileError as exc:
        click.echo(f"{file.name}: {exc}", err=True)
        sys.exit(1)
    for row in report.rows:
        state = "ok" if row.ok else translate("lỗi: {errors}").format(errors="; ".join(row.errors))
        click.echo(
            translate("dòng {line}: {label} — {state}").format(
                line=row.line, label=row.label, state=state
            )
        )
    click.echo(report.summary())
    if not report.ok:
        sys.exit(1)


@dataclass(frozen=True)
class Account:
    """The account a command acts as: what the workflow's permission checks read."""

    id: int
    role: str
    name: str
    email: str
    is_authenticated: bool = True


def _account(email: str) -> Account:
    """The account the audit log names for the import (an admin, so that it may publish)."""
    users = db.metadata.tables["users"]
    query = sa.select(users.c.id, users.c.role, users.c.name, users.c.email).where(
        users.c.active.is_(True)
    )
    if email:
        query = query.where(users.c.email == email.strip().lower())
    else:
        query = query.where(users.c.role == "admin").order_by(users.c.id)
    row = db.session.execute(query.limit(1)).first()
    if row is None:
        click.echo(
            translate("Không có tài khoản {email} đang hoạt động.").format(email=email) if email
            else translate("Chưa có tài khoản quản trị: tạo bằng `flask portal create-user`."),
            err=True,
        )  # fmt: skip
        sys.exit(1)
    return Account(id=row.id, role=row.role, name=row.name, email=row.email)
