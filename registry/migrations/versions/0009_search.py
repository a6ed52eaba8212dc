"""search: an index over every text of a task, folded without diacritics

``search_entries`` holds one row per non-empty searchable text — the registration's title, situation, goal,
deliverable and measures, the indicators, the progress notes, the monitors' assessments, the recommendations and
their replies, the self-assessment — as written (for the snippets); ``search_documents`` one row per task with
all of them lower-cased without diacritics (``registry.text.fold``) in three parts: title, registration, what
followed. On SQLite an FTS5 table ``search_fts`` indexes the documents (external content, kept in step by
triggers); on PostgreSQL a GIN index on their weighted ``tsvector``. The existing rows are indexed here;
``flask --app registry search reindex`` rebuilds the index at any time.

Only new tables: nothing existing is rewritten, and no row digest changes.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-08 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

from registry.text import fold

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Kept here as they were when this revision was written, so that later code changes do not alter it.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, registration, progress, content='search_documents', "
    "content_rowid='task_id', tokenize='unicode61')",
    "INSERT INTO search_fts (search_fts, rank) VALUES ('rank', 'bm25(10.0, 3.0, 1.0)')",
    "CREATE TRIGGER search_documents_fts_insert AFTER INSERT ON search_documents BEGIN "
    "INSERT INTO search_fts (rowid, title, registration, progress) "
    "VALUES (new.task_id, new.title, new.registration, new.progress); END",
    "CREATE TRIGGER search_documents_fts_delete AFTER DELETE ON search_documents BEGIN "
    "INSERT INTO search_fts (search_fts, rowid, title, registration, progress) "
    "VALUES ('delete', old.task_id, old.title, old.registration, old.progress); END",
    "CREATE TRIGGER search_documents_fts_update AFTER UPDATE ON search_documents BEGIN "
    "INSERT INTO search_fts (search_fts, rowid, title, registration, progress) "
    "VALUES ('delete', old.task_id, old.title, old.registration, old.progress); "
    "INSERT INTO search_fts (rowid, title, registration, progress) "
    "VALUES (new.task_id, new.title, new.registration, new.progress); END",
]
POSTGRESQL_DDL = [
    "CREATE INDEX ix_search_documents_tsv ON search_documents USING gin (("
    "setweight(to_tsvector('simple'::regconfig, search_documents.title), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, search_documents.registration), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, search_documents.progress), 'C')))",
]
#: (source, table, the column naming the task, {column: weight}, the document's part of each column)
SOURCES = [
    ("task", "tasks", "id", {"title": 10, "situation": 3, "goal": 3, "deliverable": 2, "measures": 3}),
    ("indicator", "indicators", "task_id", {"name": 3}),
    ("note", "progress_notes", "task_id",
     {"work_done": 1, "difficulties": 1, "causes": 1, "proposals": 1, "next_plan": 1}),
    ("assessment", "assessments", "task_id", {"strengths": 1, "shortcomings": 1, "causes": 1}),
    ("recommendation", "recommendations", "task_id", {"content": 1, "reply": 1}),
    ("self_assessment", "self_assessments", "task_id", {"deliverable": 1, "shortcomings": 1, "lessons": 1}),
]
BATCH = 2000


def _part(source, field):
    if source == 'task':
        return 'title' if field == 'title' else 'registration'
    return 'registration' if source == 'indicator' else 'progress'


def upgrade():
    op.create_table('search_documents',
    sa.Column('task_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('registration', sa.Text(), nullable=False),
    sa.Column('progress', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_search_documents_task_id_tasks'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('task_id', name=op.f('pk_search_documents'))
    )
    op.create_table('search_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=24), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_search_entries_task_id_tasks'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entries'))
    )
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.create_index('ix_search_entries_source', ['source', 'source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_search_entries_task_id'), ['task_id'], unique=False)
    bind = op.get_bind()
    for statement in SQLITE_DDL if bind.dialect.name == 'sqlite' else POSTGRESQL_DDL:
        op.execute(statement)
    _index_existing(bind)


def _index_existing(bind):
    entries = sa.table('search_entries', *[sa.column(name) for name in
                                           ('task_id', 'source', 'source_id', 'field', 'weight', 'text')])
    documents = sa.table('search_documents', *[sa.column(name) for name in
                                               ('task_id', 'title', 'registration', 'progress')])
    tasks = sa.table('tasks', sa.column('id'))
    after = 0
    while True:
        ids = bind.execute(sa.select(tasks.c.id).where(tasks.c.id > after).order_by(tasks.c.id).limit(BATCH)
                           ).scalars().all()
        if not ids:
            break
        batch, parts = [], {}
        for source, table_name, task_key, fields in SOURCES:
            table = sa.table(table_name, *[sa.column(name) for name in {'id', task_key, *fields}])
            key = table.c[task_key]
            for row in bind.execute(sa.select(table).where(key >= ids[0], key <= ids[-1])
                                    .order_by(table.c.id)).mappings():
                for field, weight in fields.items():
                    if (row[field] or '').strip():
                        batch.append({'task_id': row[task_key], 'source': source, 'source_id': row['id'],
                                      'field': field, 'weight': weight, 'text': row[field]})
                        doc = parts.setdefault(row[task_key], {'title': [], 'registration': [], 'progress': []})
                        doc[_part(source, field)].append(fold(row[field]))
        if batch:
            bind.execute(entries.insert(), batch)
            bind.execute(documents.insert(), [{'task_id': task_id, **{k: '\n'.join(v) for k, v in doc.items()}}
                                              for task_id, doc in sorted(parts.items())])
        after = ids[-1]


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TABLE IF EXISTS search_fts")
    with op.batch_alter_table('search_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_search_entries_task_id'))
        batch_op.drop_index('ix_search_entries_source')
    op.drop_table('search_entries')
    op.drop_table('search_documents')
