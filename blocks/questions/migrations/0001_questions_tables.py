"""questions: the tables questions_fields and questions_items

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
        "questions_fields",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions_fields")),
        sa.UniqueConstraint("name", name=op.f("uq_questions_fields_name")),
    )
    op.create_table(
        "questions_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), server_default="", nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="new", nullable=False),
        sa.Column("answer_html", sa.Text(), server_default="", nullable=False),
        sa.Column("answered_by", sa.String(length=200), server_default="", nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("client_hash", sa.String(length=64), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["questions_fields.id"],
            name=op.f("fk_questions_items_field_id_questions_fields"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions_items")),
    )
    op.create_index(
        "ix_questions_items_status_answered_at",
        "questions_items",
        ["status", "answered_at"],
    )
    op.create_index(
        "ix_questions_items_client_hash_created_at",
        "questions_items",
        ["client_hash", "created_at"],
    )
    op.create_index(op.f("ix_questions_items_created_at"), "questions_items", ["created_at"])


def downgrade():
    op.drop_table("questions_items")
    op.drop_table("questions_fields")
