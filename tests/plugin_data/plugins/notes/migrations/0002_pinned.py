"""notes: a note can be pinned

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 10:05:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notes_items") as batch_op:
        batch_op.add_column(
            sa.Column("pinned", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("notes_items") as batch_op:
        batch_op.drop_column("pinned")
