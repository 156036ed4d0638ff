"""search index: documents for the built-in search engines, portal_fold() for matching

Revision ID: 0006_search_index
Revises: 0005_article_daily_views
Create Date: 2026-11-30 12:40:00

SQLite also gets the FTS5 table ``search_fts`` over the folded text; PostgreSQL
gets ``unaccent`` (when it can be created) and the IMMUTABLE SQL function
``portal_fold(text)`` (unaccent + lower, or a translate() over the Vietnamese
letters as a fallback). PostgreSQL's full text comes in 0007.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0006_search_index"
down_revision = "0005_article_daily_views"
branch_labels = None
depends_on = None

FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
    "title, lead, body, meta, doc_id UNINDEXED, "
    "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3')"
)
LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"


def _postgres_fold(bind) -> None:
    letters = LETTERS + LETTERS.upper()
    plain = "".join(
        "d"
        if c in "đĐ"
        else "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
        for c in letters
    ).lower()
    head = (
        "CREATE OR REPLACE FUNCTION portal_fold(value text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    )
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
            bind.exec_driver_sql(
                head + "$$ SELECT lower(unaccent('unaccent'::regdictionary, value)) $$"
            )
    except Exception:  # noqa: BLE001 - no unaccent on this server: translate() instead
        bind.exec_driver_sql(head + f"$$ SELECT lower(translate(value, '{letters}', '{plain}')) $$")


def upgrade():
    bind = op.get_bind()
    if not sa.inspect(bind).has_table("search_documents"):
        op.create_table(
            "search_documents",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=50), nullable=False),
            sa.Column("object_id", sa.Integer(), nullable=False),
            sa.Column("title", sa.Text(), nullable=False),
            sa.Column("lead", sa.Text(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("url", sa.String(length=500), nullable=False),
            sa.Column("published_at", portal.models.types.UTCDateTime(), nullable=True),
            sa.Column("category_id", sa.Integer(), nullable=True),
            sa.Column("language", sa.String(length=10), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
            sa.UniqueConstraint("kind", "object_id", name=op.f("uq_search_documents_kind")),
        )
        op.create_index(
            "ix_search_documents_published_at", "search_documents", ["published_at"], unique=False
        )
    if bind.dialect.name == "sqlite":
        op.execute(FTS_DDL)
    elif bind.dialect.name == "postgresql":
        _postgres_fold(bind)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS portal_fold(text)")
    op.drop_index("ix_search_documents_published_at", table_name="search_documents")
    op.drop_table("search_documents")
