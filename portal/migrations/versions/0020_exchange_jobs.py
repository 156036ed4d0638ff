"""exchange jobs: exports and imports started in the admin, their progress and reports

Revision ID: 0020_exchange_jobs
Revises: 0019_notifications
Create Date: 2026-12-01 16:10:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0020_exchange_jobs"
down_revision = "0019_notifications"
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table("exchange_jobs"):
        return  # an adopted database got it from create_all (portal.schema)
    op.create_table(
        "exchange_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("active_slot", sa.String(length=20), nullable=True),
        sa.Column("created_at", portal.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", portal.models.types.UTCDateTime(), nullable=False),
        sa.Column("finished_at", portal.models.types.UTCDateTime(), nullable=True),
        sa.Column("actor", sa.String(length=300), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=False),
        sa.Column("file_path", sa.String(length=500), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("check_report", sa.JSON(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_jobs")),
        sa.UniqueConstraint("active_slot", name=op.f("uq_exchange_jobs_active_slot")),
    )


def downgrade():
    op.drop_table("exchange_jobs")
