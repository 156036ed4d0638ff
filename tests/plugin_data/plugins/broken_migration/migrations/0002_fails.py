"""broken_migration: refers to a table that does not exist

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:05:00

"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE table_that_does_not_exist SET x = 1")


def downgrade():
    pass
