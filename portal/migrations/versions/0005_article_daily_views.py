"""article daily views: reader views per article per day

Revision ID: 0005_article_daily_views
Revises: 0004_plugin_settings
Create Date: 2026-11-30 12:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005_article_daily_views"
down_revision = "0004_plugin_settings"
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table("article_daily_views"):
        return  # an adopted database got it from create_all (portal.schema)
    op.create_table(
        "article_daily_views",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("views", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("fk_article_daily_views_article_id_articles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("article_id", "day", name=op.f("pk_article_daily_views")),
    )
    op.create_index(
        "ix_article_daily_views_day", "article_daily_views", ["day", "article_id"], unique=False
    )


def downgrade():
    op.drop_index("ix_article_daily_views_day", table_name="article_daily_views")
    op.drop_table("article_daily_views")
