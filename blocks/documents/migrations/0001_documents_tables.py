"""documents: vocabularies, documents, files, relations, revisions

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

VOCABULARIES = ("documents_types", "documents_issuers", "documents_fields")


def upgrade():
    for table in VOCABULARIES:
        op.create_table(
            table,
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("name", sa.String(length=200), nullable=False),
            sa.Column("slug", sa.String(length=200), nullable=False),
            sa.Column("position", sa.Integer(), server_default="0", nullable=False),
            sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
            sa.UniqueConstraint("name", name=op.f(f"uq_{table}_name")),
            sa.UniqueConstraint("slug", name=op.f(f"uq_{table}_slug")),
        )
    op.create_table(
        "documents_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(length=200), server_default="", nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("issued_year", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="in_force", nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), server_default="draft", nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["documents_types.id"],
            name=op.f("fk_documents_items_type_id_documents_types"),
        ),
        sa.ForeignKeyConstraint(
            ["issuer_id"],
            ["documents_issuers.id"],
            name=op.f("fk_documents_items_issuer_id_documents_issuers"),
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["documents_fields.id"],
            name=op.f("fk_documents_items_field_id_documents_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_documents_items_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents_items")),
        sa.UniqueConstraint(
            "issuer_id", "issued_year", "number", name="uq_documents_items_issuer_year_number"
        ),
    )
    op.create_index("ix_documents_items_listing", "documents_items", ["state", "issued_on"])
    op.create_index(op.f("ix_documents_items_type_id"), "documents_items", ["type_id"])
    op.create_index(op.f("ix_documents_items_issuer_id"), "documents_items", ["issuer_id"])
    op.create_index(op.f("ix_documents_items_field_id"), "documents_items", ["field_id"])

    op.create_table(
        "documents_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.Column("original_name", sa.String(length=300), nullable=False),
        sa.Column("media_type", sa.String(length=150), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("stored_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents_items.id"],
            name=op.f("fk_documents_files_document_id_documents_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents_files")),
        sa.UniqueConstraint("stored_key", name=op.f("uq_documents_files_stored_key")),
    )
    op.create_index(op.f("ix_documents_files_document_id"), "documents_files", ["document_id"])

    op.create_table(
        "documents_relations",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents_items.id"],
            name=op.f("fk_documents_relations_document_id_documents_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["related_id"],
            ["documents_items.id"],
            name=op.f("fk_documents_relations_related_id_documents_items"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("document_id", "related_id", name=op.f("pk_documents_relations")),
    )
    op.create_index(
        op.f("ix_documents_relations_related_id"), "documents_relations", ["related_id"]
    )

    op.create_table(
        "documents_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=300), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents_items.id"],
            name=op.f("fk_documents_revisions_document_id_documents_items"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_documents_revisions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_documents_revisions")),
        sa.UniqueConstraint("document_id", "number", name="uq_documents_revisions_document_id"),
    )
    op.create_index(
        op.f("ix_documents_revisions_document_id"), "documents_revisions", ["document_id"]
    )


def downgrade():
    op.drop_table("documents_revisions")
    op.drop_table("documents_relations")
    op.drop_table("documents_files")
    op.drop_table("documents_items")
    for table in reversed(VOCABULARIES):
        op.drop_table(table)
