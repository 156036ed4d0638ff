"""menus: menus, their draft items and their published versions

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
    op.create_table(
        "menus_menus",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menus_menus")),
        sa.UniqueConstraint("slug", name=op.f("uq_menus_menus_slug")),
    )
    op.create_table(
        "menus_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("menu_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), server_default="", nullable=False),
        sa.Column("new_tab", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["menu_id"],
            ["menus_menus.id"],
            name=op.f("fk_menus_items_menu_id_menus_menus"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["menus_items.id"],
            name=op.f("fk_menus_items_parent_id_menus_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menus_items")),
    )
    op.create_index(op.f("ix_menus_items_menu_id"), "menus_items", ["menu_id"])
    op.create_table(
        "menus_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("menu_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("published_by", sa.String(length=300), server_default="", nullable=False),
        sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.ForeignKeyConstraint(
            ["menu_id"],
            ["menus_menus.id"],
            name=op.f("fk_menus_versions_menu_id_menus_menus"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_menus_versions")),
        sa.UniqueConstraint("menu_id", "number", name=op.f("uq_menus_versions_menu_id")),
    )
    op.create_index(op.f("ix_menus_versions_menu_id"), "menus_versions", ["menu_id"])


def downgrade():
    op.drop_table("menus_versions")
    op.drop_table("menus_items")
    op.drop_table("menus_menus")
