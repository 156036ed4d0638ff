"""PostgreSQL full text for search: the search_vectors table, GIN indexes, a trigger

Revision ID: 0007_search_postgres
Revises: 0006_search_index
Create Date: 2026-11-30 13:00:00

PostgreSQL only (nothing happens on SQLite): ``search_vectors``, one row per
``search_documents`` row, kept by the trigger ``search_documents_vectors``,
with tsvectors over the folded words (``portal_search_words(text)``, built on
``portal_fold`` of 0006) and GIN indexes. See portal/models/search_postgres.py,
of which this is a frozen copy. Documents already indexed are copied in.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0007_search_postgres"
down_revision = "0006_search_index"
branch_labels = None
depends_on = None

STATEMENTS = (
    (
        "CREATE OR REPLACE FUNCTION portal_search_words(value text) RETURNS tsvector\n"
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$\n"
        "  SELECT to_tsvector('simple'::regconfig,\n"
        "                     regexp_replace(portal_fold(left(value, 200000)), '[^[:alnum:]]+', ' ', 'g'))\n"
        "$$\n"
    ),
    (
        "CREATE TABLE IF NOT EXISTS search_vectors (\n"
        "  doc_id integer PRIMARY KEY REFERENCES search_documents (id) ON DELETE CASCADE,\n"
        "  kind varchar(50) NOT NULL,\n"
        "  category_id integer,\n"
        "  published_at timestamp without time zone,\n"
        "  title_vector tsvector NOT NULL,\n"
        "  lead_vector tsvector NOT NULL,\n"
        "  vector tsvector NOT NULL\n"
        ")\n"
    ),
    ("CREATE INDEX IF NOT EXISTS ix_search_vectors_vector ON search_vectors USING gin (vector)\n"),
    (
        "CREATE INDEX IF NOT EXISTS ix_search_vectors_title ON search_vectors USING gin (title_vector)\n"
    ),
    (
        "CREATE INDEX IF NOT EXISTS ix_search_vectors_recent ON search_vectors (published_at DESC NULLS LAST, doc_id DESC)\n"
    ),
    (
        "CREATE OR REPLACE FUNCTION portal_search_vectors_sync() RETURNS trigger\n"
        "LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  INSERT INTO search_vectors\n"
        "    (doc_id, kind, category_id, published_at, title_vector, lead_vector, vector)\n"
        "  SELECT \n"
        "  d.id, d.kind, d.category_id, d.published_at,\n"
        "  portal_search_words(d.title), portal_search_words(d.lead),\n"
        "  setweight(portal_search_words(d.title), 'A') || setweight(portal_search_words(d.lead), 'B')\n"
        "    || setweight(portal_search_words(d.body), 'C')\n"
        " FROM (SELECT NEW.*) AS d\n"
        "  \n"
        "  ON CONFLICT (doc_id) DO UPDATE SET kind = EXCLUDED.kind, category_id = EXCLUDED.category_id,\n"
        "    published_at = EXCLUDED.published_at, title_vector = EXCLUDED.title_vector,\n"
        "    lead_vector = EXCLUDED.lead_vector, vector = EXCLUDED.vector\n"
        ";\n"
        "  RETURN NULL;\n"
        "END\n"
        "$$\n"
    ),
    ("DROP TRIGGER IF EXISTS search_documents_vectors ON search_documents\n"),
    (
        "CREATE TRIGGER search_documents_vectors AFTER INSERT OR UPDATE ON search_documents FOR EACH ROW EXECUTE FUNCTION portal_search_vectors_sync()\n"
    ),
    (
        "INSERT INTO search_vectors\n"
        "  (doc_id, kind, category_id, published_at, title_vector, lead_vector, vector)\n"
        "SELECT \n"
        "  d.id, d.kind, d.category_id, d.published_at,\n"
        "  portal_search_words(d.title), portal_search_words(d.lead),\n"
        "  setweight(portal_search_words(d.title), 'A') || setweight(portal_search_words(d.lead), 'B')\n"
        "    || setweight(portal_search_words(d.body), 'C')\n"
        " FROM search_documents AS d\n"
        "\n"
        "  ON CONFLICT (doc_id) DO UPDATE SET kind = EXCLUDED.kind, category_id = EXCLUDED.category_id,\n"
        "    published_at = EXCLUDED.published_at, title_vector = EXCLUDED.title_vector,\n"
        "    lead_vector = EXCLUDED.lead_vector, vector = EXCLUDED.vector\n"
    ),
)


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for statement in STATEMENTS:
        bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.exec_driver_sql("DROP TRIGGER IF EXISTS search_documents_vectors ON search_documents")
    bind.exec_driver_sql("DROP TABLE IF EXISTS search_vectors")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS portal_search_vectors_sync()")
    bind.exec_driver_sql("DROP FUNCTION IF EXISTS portal_search_words(text)")
