"""search index, faster form: separate title and lead FTS tables (SQLite); vectors kept in
the row, capped GIN pending lists, undated documents as 1970 (PostgreSQL)

Revision ID: 0008_search_index_speed
Revises: 0007_search_postgres
Create Date: 2026-11-30 14:50:00

The index is derived data, so it is rebuilt rather than altered: on SQLite the
title and lead FTS tables are added and the index emptied; on PostgreSQL
``search_vectors`` and its trigger are dropped and created again in their faster
form (a frozen copy of portal/models/search_postgres.py) and refilled from
``search_documents``. ``portal setup`` / ``portal init-db`` rebuild an empty
index (``portal reindex`` does it any time).
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008_search_index_speed"
down_revision = "0007_search_postgres"
branch_labels = None
depends_on = None

FTS_OPTIONS = "tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3'"
SQLITE_TABLES = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_title USING fts5(title, meta, {FTS_OPTIONS})",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS search_fts_lead USING fts5(lead, meta, {FTS_OPTIONS})",
)
DROP_POSTGRES = (
    "DROP TRIGGER IF EXISTS search_documents_vectors ON search_documents",
    "DROP TABLE IF EXISTS search_vectors",
    "DROP FUNCTION IF EXISTS portal_search_vectors_sync()",
)

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
        "  published_at timestamp without time zone NOT NULL,\n"
        "  title_vector tsvector NOT NULL,\n"
        "  lead_vector tsvector NOT NULL,\n"
        "  vector tsvector NOT NULL\n"
        ")\n"
    ),
    (
        "ALTER TABLE search_vectors ALTER COLUMN vector SET STORAGE MAIN, ALTER COLUMN title_vector SET STORAGE MAIN, ALTER COLUMN lead_vector SET STORAGE MAIN\n"
    ),
    (
        "CREATE INDEX IF NOT EXISTS ix_search_vectors_vector ON search_vectors USING gin (vector) WITH (gin_pending_list_limit = 512)\n"
    ),
    (
        "CREATE INDEX IF NOT EXISTS ix_search_vectors_title ON search_vectors USING gin (title_vector) WITH (gin_pending_list_limit = 512)\n"
    ),
    (
        "CREATE INDEX IF NOT EXISTS ix_search_vectors_recent ON search_vectors (published_at DESC, doc_id DESC)\n"
    ),
    (
        "CREATE OR REPLACE FUNCTION portal_search_vectors_sync() RETURNS trigger\n"
        "LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  INSERT INTO search_vectors\n"
        "    (doc_id, kind, category_id, published_at, title_vector, lead_vector, vector)\n"
        "  SELECT \n"
        "  d.id, d.kind, d.category_id, coalesce(d.published_at, '1970-01-01'::timestamp),\n"
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
        "  d.id, d.kind, d.category_id, coalesce(d.published_at, '1970-01-01'::timestamp),\n"
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
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_TABLES:
            bind.exec_driver_sql(statement)
        # Rows indexed before had no title and lead entries: empty the index to rebuild it.
        for table in ("search_fts", "search_fts_title", "search_fts_lead", "search_documents"):
            bind.exec_driver_sql(f"DELETE FROM {table}")
    elif bind.dialect.name == "postgresql":
        for statement in (*DROP_POSTGRES, *STATEMENTS):
            bind.exec_driver_sql(statement)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("search_fts_title", "search_fts_lead"):
            bind.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    # PostgreSQL keeps the faster form: 0007's downgrade removes it.
