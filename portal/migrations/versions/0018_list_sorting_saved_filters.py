"""list sorting and saved filters: three article indexes, the saved_filters table

- ``ix_articles_title`` (title, id), ``ix_articles_published_at``
  (published_at, id) and ``ix_articles_category_updated`` (category_id,
  updated_at, id): the admin's article list sorted by title, by publication
  time or by category reads a page from an index, as the list sorted by
  update time does (``ix_articles_updated``), however many articles the site has.
- ``saved_filters``: the filter sets each account saved under a name for an
  admin list (``screen`` ``articles``), as the list's query string.

Revision ID: 0018_list_sorting_saved_filters
Revises: 0017_seo_and_redirects
Create Date: 2026-12-01 16:10:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0018_list_sorting_saved_filters"
down_revision = "0017_seo_and_redirects"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_articles_title", ["title", "id"]),
    ("ix_articles_published_at", ["published_at", "id"]),
    ("ix_articles_category_updated", ["category_id", "updated_at", "id"]),
)
TABLE = "saved_filters"


def upgrade():
    bind = op.get_bind()
    # An adopted database got them from create_all (portal.schema).
    existing = {index["name"] for index in sa.inspect(bind).get_indexes("articles")}
    for name, columns in INDEXES:
        if name not in existing:
            op.create_index(name, "articles", columns)
    if not sa.inspect(bind).has_table(TABLE):
        op.create_table(
            TABLE,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("screen", sa.String(length=40), nullable=False),
            sa.Column("name", sa.String(length=100), nullable=False),
            sa.Column("query", sa.String(length=2000), nullable=False),
            sa.Column("created_at", portal.models.types.UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["users.id"],
                name=op.f("fk_saved_filters_user_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filters")),
            sa.UniqueConstraint("user_id", "screen", "name", name=op.f("uq_saved_filters_user_id")),
        )
        op.create_index(op.f("ix_saved_filters_user_id"), TABLE, ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_saved_filters_user_id"), table_name=TABLE)
    op.drop_table(TABLE)
    for name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name="articles")
