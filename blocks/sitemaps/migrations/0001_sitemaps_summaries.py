"""sitemaps: the summary of each articles sitemap, kept as articles change

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    # Times are naive UTC, as the core's (portal.models.types.UTCDateTime). Filled by the first article event, and worked out by the index until then
    # (blocks/sitemaps/summaries.py).
    op.create_table(
        "sitemaps_summaries",
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("public_count", sa.Integer(), nullable=False),
        sa.Column("lastmod", sa.DateTime(), nullable=True),
        sa.Column("next_change", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_sitemaps_summaries")),
    )


def downgrade():
    op.drop_table("sitemaps_summaries")
