"""plugin settings: values of editable plugin settings changed by admins

Revision ID: 0004_plugin_settings
Revises: 0003
Create Date: 2026-11-30 10:00:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0004_plugin_settings"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    if sa.inspect(op.get_bind()).has_table("plugin_setting_values"):
        return  # an adopted database got it from create_all (portal.schema)
    op.create_table(
        "plugin_setting_values",
        sa.Column("plugin", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", portal.models.types.UTCDateTime(), nullable=False),
        sa.Column("updated_by_name", sa.String(length=300), nullable=False),
        sa.PrimaryKeyConstraint("plugin", "name", name=op.f("pk_plugin_setting_values")),
    )


def downgrade():
    op.drop_table("plugin_setting_values")
