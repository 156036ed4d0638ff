"""seo and redirects: meta description, share image, canonical URL, noindex; old addresses

- ``meta_description``, ``social_image_id`` (a library image), ``canonical_url``
  and ``noindex`` on ``articles`` and ``pages``: what an editor tells search
  engines and social networks (empty: as before).
- ``redirects``: old paths of the site and where they went (301) or that they
  are gone (410); consulted by the 404 handler only.

Revision ID: 0017_seo_and_redirects
Revises: 0016_page_states_autosaves
Create Date: 2026-12-01 16:10:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017_seo_and_redirects"
down_revision = "0016_page_states_autosaves"
branch_labels = None
depends_on = None

TABLES = ("articles", "pages")


def _columns(table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(op.get_bind()).get_columns(table)}


def upgrade():
    for table in TABLES:
        if "meta_description" in _columns(table):
            continue  # an adopted database got them from create_all (portal.schema)
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column(
                    "meta_description", sa.String(length=300), server_default="", nullable=False
                )
            )
            batch.add_column(
                sa.Column(
                    "canonical_url", sa.String(length=1000), server_default="", nullable=False
                )
            )
            batch.add_column(
                sa.Column("noindex", sa.Boolean(), server_default=sa.false(), nullable=False)
            )
            batch.add_column(sa.Column("social_image_id", sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_{table}_social_image_id_media_images"),
                "media_images",
                ["social_image_id"],
                ["id"],
                ondelete="SET NULL",
            )
    if not sa.inspect(op.get_bind()).has_table("redirects"):
        op.create_table(
            "redirects",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("old_path", sa.String(length=1000), nullable=False),
            sa.Column("new_path", sa.String(length=1000), nullable=False),
            sa.Column("status", sa.Integer(), nullable=False),
            sa.Column("origin", sa.String(length=20), nullable=False),
            sa.Column("note", sa.String(length=300), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_redirects")),
            sa.UniqueConstraint("old_path", name=op.f("uq_redirects_old_path")),
        )


def downgrade():
    op.drop_table("redirects")
    for table in reversed(TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(
                op.f(f"fk_{table}_social_image_id_media_images"), type_="foreignkey"
            )
            batch.drop_column("social_image_id")
            batch.drop_column("noindex")
            batch.drop_column("canonical_url")
            batch.drop_column("meta_description")
