"""user sessions: revocable sign-ins, and the client of a failed sign-in

Signed-in browsers become rows of ``user_sessions`` (only a hash of each
token is stored); ``login_attempts.client`` tells failures of a browser known
for the account apart from everyone else's. Existing sign-ins end with this
upgrade: their cookies carry no session token.

A database adopted from before migrations (``portal.schema``) may already
have these from ``create_all``; what exists is left as it is.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:18:18.775585

"""

import sqlalchemy as sa
from alembic import op

import portal.models.types

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("user_sessions"):
        _create_user_sessions()
    if "client" not in {column["name"] for column in inspector.get_columns("login_attempts")}:
        with op.batch_alter_table("login_attempts", schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("client", sa.String(length=40), server_default="", nullable=False)
            )


def _create_user_sessions():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", portal.models.types.UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", portal.models.types.UTCDateTime(), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("user_agent", sa.String(length=120), nullable=False),
        sa.Column("remembered", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_column("client")

    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
