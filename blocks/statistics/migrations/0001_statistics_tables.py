"""statistics: sightings of recent visitors and daily totals

Revision ID: 0001
Revises:

A table that already exists is kept: a database whose tables were built from
the models (``db.create_all``, as test apps do) gets only what it lacks, and
the version table then records this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "statistics_visitors" not in existing:
        op.create_table(
            "statistics_visitors",
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("visitor", sa.String(length=32), nullable=False),
            sa.Column("last_seen", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("day", "visitor", name=op.f("pk_statistics_visitors")),
        )
        op.create_index(
            op.f("ix_statistics_visitors_last_seen"), "statistics_visitors", ["last_seen"]
        )
    if "statistics_days" not in existing:
        op.create_table(
            "statistics_days",
            sa.Column("day", sa.Date(), nullable=False),
            sa.Column("visitors", sa.BigInteger(), server_default="0", nullable=False),
            sa.PrimaryKeyConstraint("day", name=op.f("pk_statistics_days")),
        )


def downgrade():
    op.drop_table("statistics_days")
    op.drop_index(op.f("ix_statistics_visitors_last_seen"), table_name="statistics_visitors")
    op.drop_table("statistics_visitors")
