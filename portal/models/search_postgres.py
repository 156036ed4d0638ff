"""PostgreSQL's full text over the search index: the ``search_vectors`` table.

One row per ``search_documents`` row, kept by a trigger (so every writer of the
index keeps it current), holding what the engine (portal/search/postgres.py)
filters and sorts on, copied from the document (``kind``, ``category_id``,
``published_at``, naive UTC as in every table, 1970 for a document without a date
as on SQLite, so that "not in the future" and date ranges are ranges of the index
``ix_search_vectors_recent``), and three ``tsvector`` columns over the folded words:

* ``vector``: title (weight A), lead (B) and body (C), with a GIN index: what a
  document matches;
* ``title_vector`` and ``lead_vector``: the title and the lead alone, small, for
  the ranking tiers (every term in the title, then every term in the lead),
  ``title_vector`` with its own GIN index for words rare in titles.

Words are what :func:`portal.search.text.search_terms` calls words: the text is
folded by ``portal_fold`` (migration 0006), every run of characters that are
not letters or digits becomes a space, and the ``simple`` configuration makes
one lexeme per word (no stemming, no stop words), so "30-CT/TW" is the
three lexemes ``30``, ``ct``, ``tw`` at consecutive positions.

The table is not a model: like SQLite's ``search_fts`` it belongs to the
engine. It is created with ``search_documents`` when tables are created from
the models (tests) and by migrations 0007 (its first form) and 0008 (this form, as a frozen copy).
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from portal.models.search import IndexedDocument

SEARCH_VECTORS_TABLE = "search_vectors"

#: The words of a text as a tsvector (at most the first 200,000 characters:
#: PostgreSQL refuses a tsvector over 1 MB).
WORDS_FUNCTION = """
CREATE OR REPLACE FUNCTION portal_search_words(value text) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT to_tsvector('simple'::regconfig,
                     regexp_replace(portal_fold(left(value, 200000)), '[^[:alnum:]]+', ' ', 'g'))
$$
"""

TABLE = f"""
CREATE TABLE IF NOT EXISTS {SEARCH_VECTORS_TABLE} (
  doc_id integer PRIMARY KEY REFERENCES search_documents (id) ON DELETE CASCADE,
  kind varchar(50) NOT NULL,
  category_id integer,
  published_at timestamp without time zone NOT NULL,
  title_vector tsvector NOT NULL,
  lead_vector tsvector NOT NULL,
  vector tsvector NOT NULL
)
"""

#: The vectors stay in the row (compressed), never in the TOAST table: checking a row
#: then costs no extra lookups (about 15 times faster for a common word's matches).
STORAGE = (
    f"ALTER TABLE {SEARCH_VECTORS_TABLE} ALTER COLUMN vector SET STORAGE MAIN, "
    "ALTER COLUMN title_vector SET STORAGE MAIN, ALTER COLUMN lead_vector SET STORAGE MAIN"
)

#: GIN indexes keep at most 512 kB of new entries unsorted (default 4 MB): every search
#: reads that pending list, so a big one (after a reindex) made rare words slow.
INDEXES = (
    f"CREATE INDEX IF NOT EXISTS ix_search_vectors_vector ON {SEARCH_VECTORS_TABLE} "
    "USING gin (vector) WITH (gin_pending_list_limit = 512)",
    f"CREATE INDEX IF NOT EXISTS ix_search_vectors_title ON {SEARCH_VECTORS_TABLE} "
    "USING gin (title_vector) WITH (gin_pending_list_limit = 512)",
    f"CREATE INDEX IF NOT EXISTS ix_search_vectors_recent ON {SEARCH_VECTORS_TABLE} "
    "(published_at DESC, doc_id DESC)",
)

#: Columns of search_vectors computed from a search_documents row called ``d``.
_VALUES = """
  d.id, d.kind, d.category_id, coalesce(d.published_at, '1970-01-01'::timestamp),
  portal_search_words(d.title), portal_search_words(d.lead),
  setweight(portal_search_words(d.title), 'A') || setweight(portal_search_words(d.lead), 'B')
    || setweight(portal_search_words(d.body), 'C')
"""
_UPSERT = """
  ON CONFLICT (doc_id) DO UPDATE SET kind = EXCLUDED.kind, category_id = EXCLUDED.category_id,
    published_at = EXCLUDED.published_at, title_vector = EXCLUDED.title_vector,
    lead_vector = EXCLUDED.lead_vector, vector = EXCLUDED.vector
"""

SYNC_FUNCTION = f"""
CREATE OR REPLACE FUNCTION portal_search_vectors_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO {SEARCH_VECTORS_TABLE}
    (doc_id, kind, category_id, published_at, title_vector, lead_vector, vector)
  SELECT {_VALUES} FROM (SELECT NEW.*) AS d
  {_UPSERT};
  RETURN NULL;
END
$$
"""

TRIGGER = (
    "DROP TRIGGER IF EXISTS search_documents_vectors ON search_documents",
    "CREATE TRIGGER search_documents_vectors AFTER INSERT OR UPDATE ON search_documents "
    "FOR EACH ROW EXECUTE FUNCTION portal_search_vectors_sync()",
)

#: Fills the table from the documents already indexed (a migrated database).
BACKFILL = f"""
INSERT INTO {SEARCH_VECTORS_TABLE}
  (doc_id, kind, category_id, published_at, title_vector, lead_vector, vector)
SELECT {_VALUES} FROM search_documents AS d
{_UPSERT}
"""

CREATE_STATEMENTS = (WORDS_FUNCTION, TABLE, STORAGE, *INDEXES, SYNC_FUNCTION, *TRIGGER)


def create_search_vectors(connection) -> None:
    """Create the table, its indexes, the functions and the trigger (idempotent), then fill it."""
    for statement in (*CREATE_STATEMENTS, BACKFILL):
        connection.exec_driver_sql(statement)


@event.listens_for(IndexedDocument.__table__, "after_create")
def _after_create(target, connection, **_kw):
    # Registered after portal.models.search's own listener, which creates portal_fold().
    if connection.dialect.name == "postgresql":
        create_search_vectors(connection)


event.listen(
    IndexedDocument.__table__,
    "before_drop",
    DDL(f"DROP TABLE IF EXISTS {SEARCH_VECTORS_TABLE}").execute_if(dialect="postgresql"),
)
