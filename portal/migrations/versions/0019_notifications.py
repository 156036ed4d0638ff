"""notifications: the admin inbox of the newsroom's workflow, and who wants which by e-mail

- ``notifications``: one row per workflow step (its ``article_notes`` row) and
  recipient (unique: a step delivered twice notifies once), with the kind,
  the article, who took the step, the message and when it was read.
- ``notification_preferences``: the kinds one person gets by e-mail (no row:
  the role's default).

Revision ID: 0019_notifications
Revises: 0018_list_sorting_saved_filters
Create Date: 2026-12-01 16:20:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0019_notifications"
down_revision = "0018_list_sorting_saved_filters"
branch_labels = None
depends_on = None


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "notifications" not in existing:  # an adopted database got it from create_all
        op.create_table(
            "notifications",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("recipient_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.String(length=20), nullable=False),
            sa.Column("article_id", sa.Integer(), nullable=True),
            sa.Column("note_id", sa.Integer(), nullable=True),
            sa.Column("actor_id", sa.Integer(), nullable=True),
            sa.Column("actor_name", sa.String(length=300), nullable=False),
            sa.Column("message", sa.Text(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("read_at", sa.DateTime(), nullable=True),
            sa.ForeignKeyConstraint(
                ["recipient_id"],
                ["users.id"],
                name=op.f("fk_notifications_recipient_id_users"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["article_id"],
                ["articles.id"],
                name=op.f("fk_notifications_article_id_articles"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["note_id"],
                ["article_notes.id"],
                name=op.f("fk_notifications_note_id_article_notes"),
                ondelete="SET NULL",
            ),
            sa.ForeignKeyConstraint(
                ["actor_id"],
                ["users.id"],
                name=op.f("fk_notifications_actor_id_users"),
                ondelete="SET NULL",
            ),
            sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
            sa.UniqueConstraint("note_id", "recipient_id", name="uq_notifications_note_recipient"),
        )
        op.create_index("ix_notifications_unread", "notifications", ["recipient_id", "read_at"])
        op.create_index("ix_notifications_inbox", "notifications", ["recipient_id", "id"])
        op.create_index(op.f("ix_notifications_article_id"), "notifications", ["article_id"])
    if "notification_preferences" not in existing:
        op.create_table(
            "notification_preferences",
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("email_kinds", sa.JSON(), nullable=False),
            sa.Column("updated_at", sa.DateTime(), nullable=False),
            sa.ForeignKeyConstraint(
                ["user_id"],
                ["users.id"],
                name=op.f("fk_notification_preferences_user_id_users"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_preferences")),
        )


def downgrade():
    op.drop_table("notification_preferences")
    op.drop_index(op.f("ix_notifications_article_id"), table_name="notifications")
    op.drop_index("ix_notifications_inbox", table_name="notifications")
    op.drop_index("ix_notifications_unread", table_name="notifications")
    op.drop_table("notifications")
