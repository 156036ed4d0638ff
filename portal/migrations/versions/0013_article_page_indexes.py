"""article page indexes: related articles and translations found by index lookups

- ``ix_article_tags_tag`` (tag_id, article_id): the articles carrying a tag. The
  related articles of an article page are those sharing its tags; without it
  each page read the whole ``article_tags`` table (its primary key starts with
  ``article_id``).
- ``ix_articles_translations`` (translation_of_id), only over the rows that
  translate another article: an article page loads its translations (the
  language switcher's target). Almost every article translates none, so on a
  site whose statistics were gathered (``ANALYZE``) SQLite judged
  ``ix_articles_translation_of_id`` useless (a lookup counted as returning half
  the table: its NULLs) and scanned every article on each page. This one holds
  only the few translations.

Revision ID: 0013_article_page_indexes
Revises: 0012_article_image_uses
Create Date: 2026-12-01 06:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013_article_page_indexes"
down_revision = "0012_article_image_uses"
branch_labels = None
depends_on = None

TRANSLATED = sa.text("translation_of_id IS NOT NULL")


def _existing(table: str) -> set[str]:
    return {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(table)}


def upgrade():
    # An adopted database got them from create_all (portal.schema).
    if "ix_article_tags_tag" not in _existing("article_tags"):
        op.create_index("ix_article_tags_tag", "article_tags", ["tag_id", "article_id"])
    if "ix_articles_translations" not in _existing("articles"):
        op.create_index(
            "ix_articles_translations",
            "articles",
            ["translation_of_id"],
            sqlite_where=TRANSLATED,
            postgresql_where=TRANSLATED,
        )


def downgrade():
    op.drop_index("ix_articles_translations", table_name="articles")
    op.drop_index("ix_article_tags_tag", table_name="article_tags")
