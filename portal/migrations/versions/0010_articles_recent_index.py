"""articles recent index: the newest public articles of one language, without a sort

Lists not tied to a category (the home page's "Tin mới", the site feeds, the
search page's suggestions) ask for the newest public articles of the page's
language. ``ix_articles_recent`` (status, language, published_at, id) gives
them in order, so the list reads as many rows as it shows, however many
articles the site has.

Revision ID: 0010_articles_recent_index
Revises: 0009_content_languages
Create Date: 2026-11-30 20:50:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0010_articles_recent_index"
down_revision = "0009_content_languages"
branch_labels = None
depends_on = None

INDEX = "ix_articles_recent"


def upgrade():
    existing = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes("articles")}
    if INDEX in existing:
        return  # an adopted database got it from create_all (portal.schema)
    op.create_index(INDEX, "articles", ["status", "language", "published_at", "id"], unique=False)


def downgrade():
    op.drop_index(INDEX, table_name="articles")
