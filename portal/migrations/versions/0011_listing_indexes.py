"""listing indexes: every list of articles and images reads as many rows as it shows

Each list the portal shows has an index in its own order, so a page costs the
same on a site of a thousand articles as on one of a hundred thousand:

- ``ix_articles_published`` (status, published_at, id): the newest public
  articles of the whole site (lists not tied to a category or a language);
- ``ix_articles_category_published`` (category_id, status, published_at, id):
  a category's newest public articles (category pages, their deep pages, the
  feeds and lists of one category); it replaces ``ix_articles_listing``
  (status, category_id, published_at), which could not give the order with
  the id as tie-breaker on PostgreSQL;
- ``ix_articles_updated`` (updated_at, id), ``ix_articles_status_updated``
  (status, updated_at, id) and ``ix_articles_creator_updated`` (created_by_id,
  updated_at, id): the admin's article list (recently changed first), filtered
  by status or, for authors, their own articles;
- ``ix_articles_image_id`` (image_id): which articles show an image of the
  media library as their main image;
- ``ix_media_images_created`` (created_at, id): the media library, newest first.

Revision ID: 0011_listing_indexes
Revises: 0010_articles_recent_index
Create Date: 2026-12-01 02:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011_listing_indexes"
down_revision = "0010_articles_recent_index"
branch_labels = None
depends_on = None

INDEXES = (
    ("articles", "ix_articles_published", ["status", "published_at", "id"]),
    (
        "articles",
        "ix_articles_category_published",
        ["category_id", "status", "published_at", "id"],
    ),
    ("articles", "ix_articles_updated", ["updated_at", "id"]),
    ("articles", "ix_articles_status_updated", ["status", "updated_at", "id"]),
    ("articles", "ix_articles_creator_updated", ["created_by_id", "updated_at", "id"]),
    ("articles", "ix_articles_image_id", ["image_id"]),
    ("media_images", "ix_media_images_created", ["created_at", "id"]),
)
REPLACED = ("articles", "ix_articles_listing", ["status", "category_id", "published_at"])


def _existing(table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade():
    for table, name, columns in INDEXES:
        # An adopted database got them from create_all (portal.schema).
        if name not in _existing(table):
            op.create_index(name, table, columns, unique=False)
    table, name, _columns = REPLACED
    if name in _existing(table):
        op.drop_index(name, table_name=table)


def downgrade():
    table, name, columns = REPLACED
    op.create_index(name, table, columns, unique=False)
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
