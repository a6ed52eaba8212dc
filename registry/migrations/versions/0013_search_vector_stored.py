"""search (PostgreSQL): the documents' weighted words stored in a column, not recomputed to rank

``search_documents.tsv`` is a generated column (``GENERATED ALWAYS AS … STORED``) holding what the GIN index
was built on: the title weighted A, the rest of the registration B, what followed C. The index moves onto it,
and ranking reads it instead of recomputing every matching document's words: ranking the 420,000 matches of a
common phrase at nation scale took 21 s, 1 s from the stored column. PostgreSQL computes the column for the
rows already there (the table is rewritten once). SQLite is unchanged (its FTS5 table stores its own index).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-24 09:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

# Kept here as they were when this revision was written, so that later code changes do not alter it:
VECTOR = ("setweight(to_tsvector('simple'::regconfig, {t}title), 'A') || "
          "setweight(to_tsvector('simple'::regconfig, {t}registration), 'B') || "
          "setweight(to_tsvector('simple'::regconfig, {t}progress), 'C')")


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    op.execute("ALTER TABLE search_documents ADD COLUMN tsv tsvector GENERATED ALWAYS AS ("
               + VECTOR.format(t="") + ") STORED")
    op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (tsv)")


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS ix_search_documents_tsv")
    op.execute("ALTER TABLE search_documents DROP COLUMN tsv")
    op.execute("CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (("
               + VECTOR.format(t="search_documents.") + "))")
