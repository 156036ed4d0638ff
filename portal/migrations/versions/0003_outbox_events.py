"""outbox events: content events written with the change, delivered until every consumer has them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:20:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table("outbox_events"):
        return  # an adopted database got it from create_all (portal.schema)
    op.create_table(
        "outbox_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.models.types.UTCDateTime(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=50), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("tags", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", portal.models.types.UTCDateTime(), nullable=True),
        sa.Column("claimed_until", portal.models.types.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("delivered_at", portal.models.types.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_events")),
    )
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_due", ["status", "next_attempt_at"], unique=False)


def downgrade():
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_due")
    op.drop_table("outbox_events")
