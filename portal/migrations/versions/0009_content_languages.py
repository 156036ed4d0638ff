"""content languages: an English site beside the Vietnamese one

``language`` ("vi" by default, or "en") on categories, pages and articles (an
article's is kept equal to its category's by the content layer), and
``translation_of_id`` on each: the Vietnamese original an English item
translates, so the language switcher and ``hreflang`` links find equivalents.

Revision ID: 0009_content_languages
Revises: 0008_search_index_speed
Create Date: 2026-11-30 16:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009_content_languages"
down_revision = "0008_search_index_speed"
branch_labels = None
depends_on = None

TABLES = ("categories", "pages", "articles")


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade():
    for table in TABLES:
        if "language" in _columns(table):
            continue  # an adopted database got them from create_all (portal.schema)
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("language", sa.String(length=5), server_default="vi", nullable=False)
            )
            batch.add_column(sa.Column("translation_of_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_translation_of_id_{table}"),
                table,
                ["translation_of_id"],
                ["id"],
                ondelete="SET NULL",
            )
            batch.create_index(op.f(f"ix_{table}_translation_of_id"), ["translation_of_id"])


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_index(op.f(f"ix_{table}_translation_of_id"))
            batch.drop_constraint(op.f(f"fk_{table}_translation_of_id_{table}"), type_="foreignkey")
            batch.drop_column("translation_of_id")
            batch.drop_column("language")
