"""site_profile: the organisation, its units, leaders and links to other websites

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _text(name, length=None):
    kind = sa.String(length=length) if length else sa.Text()
    return sa.Column(name, kind, server_default="", nullable=False)


def upgrade():
    op.create_table(
        "site_profile_profile",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("managing_body", 300),
        sa.Column("name", sa.String(length=300), nullable=False),
        _text("responsible_person", 200),
        _text("responsible_title", 200),
        _text("licence_number", 100),
        sa.Column("licence_date", sa.Date(), nullable=True),
        _text("licence_issuer", 300),
        _text("street_address", 300),
        _text("locality", 200),
        _text("region", 200),
        _text("phone", 50),
        _text("fax", 50),
        _text("email", 200),
        _text("working_hours"),
        _text("map_url", 500),
        _text("chart_image", 500),
        _text("chart_alt"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_profile_profile")),
    )
    op.create_table(
        "site_profile_units",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        _text("phone", 50),
        _text("email", 200),
        _text("address", 300),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["site_profile_units.id"],
            name=op.f("fk_site_profile_units_parent_id_site_profile_units"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_profile_units")),
    )
    op.create_table(
        "site_profile_leaders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        _text("title", 200),
        _text("phone", 50),
        _text("email", 200),
        _text("photo", 500),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_profile_leaders")),
    )
    op.create_table(
        "site_profile_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        _text("group_name", 100),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        _text("logo", 500),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site_profile_links")),
    )


def downgrade():
    op.drop_table("site_profile_links")
    op.drop_table("site_profile_leaders")
    op.drop_table("site_profile_units")
    op.drop_table("site_profile_profile")
