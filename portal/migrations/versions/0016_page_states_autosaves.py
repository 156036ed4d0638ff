"""page states and autosaves: draft pages, and what editors typed but did not save

- ``pages.published`` (true by default): a page created in the admin starts
  as a draft (false) that readers do not see; a page can be taken off the
  site and put back. Every existing page stays published.
- ``autosaves``: the fields of a form as one account last typed them
  (``user_id``, ``form_key``), with the version the typing started from, so
  a browser crash loses nothing and a restored text still meets the
  edit-conflict check when saved.

Revision ID: 0016_page_states_autosaves
Revises: 0015_account_tokens
Create Date: 2026-12-01 16:10:00

"""

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0016_page_states_autosaves"
down_revision = "0015_account_tokens"
branch_labels = None
depends_on = None


def upgrade():
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    # An adopted database got them from create_all (portal.schema).
    if "published" not in {column["name"] for column in inspector.get_columns("pages")}:
        with op.batch_alter_table("pages") as batch:
            batch.add_column(
                sa.Column("published", sa.Boolean(), server_default=sa.true(), nullable=False)
            )
    if not inspector.has_table("autosaves"):
        op.create_table(
            "autosaves",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("form_key", sa.String(length=200), nullable=False),
            sa.Column("base_version", sa.String(length=100), nullable=False),
            sa.Column("fields", sa.JSON(), nullable=False),
            sa.Column("updated_at", portal.models.types.UTCDateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["users.id"],
                name=op.f("fk_autosaves_user_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_autosaves")),
            sa.UniqueConstraint("user_id", "form_key", name=op.f("uq_autosaves_user_id")),
        )
        op.create_index(op.f("ix_autosaves_user_id"), "autosaves", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_autosaves_user_id"), table_name="autosaves")
    op.drop_table("autosaves")
    with op.batch_alter_table("pages") as batch:
        batch.drop_column("published")
