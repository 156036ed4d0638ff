"""broken_migration: a table that works

Revision ID: 0001
Revises:
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "broken_migration_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broken_migration_log")),
    )


def downgrade():
    op.drop_table("broken_migration_log")
