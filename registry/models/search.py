"""The search index: one row per searchable text of a task (its registration, indicators, progress notes,
assessments, recommendations and replies, self-assessment), folded without diacritics, kept in step with the
rows it copies by mapper hooks that write in the flush that writes them — the same transaction, so a rollback
leaves no entry behind, and no service can forget it.

Each task also has one ``search_documents`` row: all its texts folded (``registry.text.fold``), in three
weighted parts, rebuilt from its entries once per flush (``after_flush``) for every task the flush touched. The
full-text index over the documents is the database's own: on SQLite an FTS5 table ``search_fts`` with the
documents as its external content (triggers keep it in step), on PostgreSQL a GIN index on their weighted
``tsvector``. Both are created with the table (``create_all``) and by migration 0009; ``registry.services.search``
queries them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    DDL,
    ForeignKey,
    Index,
    String,
    Text,
    delete,
    event,
    insert,
    inspect,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from registry.models.base import db
from registry.models.monitoring import Assessment, Recommendation
from registry.models.progress import ProgressNote
from registry.models.review import SelfAssessment
from registry.models.task import Indicator, Task
from registry.text import fold


class SearchEntry(db.Model):
    """One searchable text as written: what a result's snippets are cut from."""

    __tablename__ = "search_entries"
    __table_args__ = (Index("ix_search_entries_source", "source", "source_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    #: the kind of row the text comes from (``SOURCES``: task, indicator, note, assessment, …) and its id
    source: Mapped[str] = mapped_column(String(24))
    source_id: Mapped[int]
    #: the column it copies (title, situation, work_done, reply, …)
    field: Mapped[str] = mapped_column(String(32))
    #: how much a match here counts when a task's snippets are chosen (a title above a note)
    weight: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text)


class SearchDocument(db.Model):
    """Everything searchable of one task, folded (``registry.text.fold``), in three parts weighted apart in the
    ranking: the title, the rest of the registration (with its indicators), and what followed (notes,
    assessments, recommendations and replies, self-assessment). The full-text index reads these rows."""

    __tablename__ = "search_documents"

    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True,
                                         autoincrement=False)
    title: Mapped[str] = mapped_column(Text, default="")
    registration: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[str] = mapped_column(Text, default="")


@dataclass(frozen=True)
class Source:
    """A model whose texts are searchable: its name in the index, how to reach its task, its fields' weights."""

    name: str
    model: type
    task_key: str  #: the attribute holding the task's id
    fields: dict[str, int]  #: column → weight


SOURCES: tuple[Source, ...] = (
    Source("task", Task, "id", {"title": 10, "situation": 3, "goal": 3, "deliverable": 2, "measures": 3}),
    Source("indicator", Indicator, "task_id", {"name": 3}),
    Source("note", ProgressNote, "task_id",
           {"work_done": 1, "difficulties": 1, "causes": 1, "proposals": 1, "next_plan": 1}),
    Source("assessment", Assessment, "task_id", {"strengths": 1, "shortcomings": 1, "causes": 1}),
    Source("recommendation", Recommendation, "task_id", {"content": 1, "reply": 1}),
    Source("self_assessment", SelfAssessment, "task_id", {"deliverable": 1, "shortcomings": 1, "lessons": 1}),
)
SOURCE_OF_MODEL = {source.model: source for source in SOURCES}


#: the part of a task's document each text goes to (``SearchDocument``): the title, the registration, what followed
def part_of(source: str, field: str) -> str:
    if source == "task":
        return "title" if field == "title" else "registration"
    return "registration" if source == "indicator" else "progress"


PARTS = ("title", "registration", "progress")


def entry_rows(source: Source, values: Any) -> list[dict[str, Any]]:
    """The entries of one source row (an object or a mapping with its id, task key and fields): one per
    non-empty field."""
    get = values.get if isinstance(values, dict) else (lambda key: getattr(values, key))
    rows = []
    for field, weight in source.fields.items():
        original = get(field) or ""
        if original.strip():
            rows.append({"task_id": get(source.task_key), "source": source.name, "source_id": get("id"),
                         "field": field, "weight": weight, "text": original})
    return rows


def documents(entries: Iterable[Any]) -> list[dict[str, Any]]:
    """The documents (``SearchDocument`` rows) of the tasks these entries belong to (every entry of each; each a
    mapping or a result row with task_id, source, field and text)."""
    parts: dict[int, dict[str, list[str]]] = {}
    for entry in entries:
        values = entry if isinstance(entry, Mapping) else entry._mapping
        doc = parts.setdefault(values["task_id"], {part: [] for part in PARTS})
        doc[part_of(values["source"], values["field"])].append(fold(values["text"]))
    return [{"task_id": task_id, **{part: "\n".join(texts) for part, texts in doc.items()}}
            for task_id, doc in sorted(parts.items())]


def _touched(connection) -> set[int]:
    """The tasks whose document the current flush must rebuild (kept on the connection, as the flush's rows)."""
    return connection.info.setdefault(TOUCHED, set())


TOUCHED = "search_touched"


def _forget(connection, source: Source, ids: Iterable[int]) -> None:
    table = SearchEntry.__table__
    connection.execute(delete(table).where(table.c.source == source.name, table.c.source_id.in_(list(ids))))


def _inserted(mapper, connection, target) -> None:
    source = SOURCE_OF_MODEL[mapper.class_]
    rows = entry_rows(source, target)
    if rows:
        connection.execute(insert(SearchEntry.__table__), rows)
    _touched(connection).add(getattr(target, source.task_key))


def _updated(mapper, connection, target) -> None:
    source = SOURCE_OF_MODEL[mapper.class_]
    state = inspect(target)
    if not any(state.attrs[key].history.has_changes() for key in [*source.fields, source.task_key]):
        return
    history = state.attrs[source.task_key].history
    _touched(connection).update(t for t in (history.deleted or ()) if t is not None)
    _forget(connection, source, [target.id])
    _inserted(mapper, connection, target)


def _deleted(mapper, connection, target) -> None:
    source = SOURCE_OF_MODEL[mapper.class_]
    _forget(connection, source, [target.id])
    if source.model is not Task:  # a task's document goes with it (ON DELETE CASCADE)
        _touched(connection).add(getattr(target, source.task_key))


def rebuild_documents(connection, task_ids: Iterable[int]) -> None:
    """Write again the documents of these tasks from their entries (one statement to read, two to write)."""
    ids = sorted(set(task_ids))
    if not ids:
        return
    entries = SearchEntry.__table__
    docs = SearchDocument.__table__
    rows = connection.execute(select(entries.c.task_id, entries.c.source, entries.c.field, entries.c.text)
                              .where(entries.c.task_id.in_(ids)).order_by(entries.c.id)).mappings()
    made = documents(rows)
    connection.execute(delete(docs).where(docs.c.task_id.in_(ids)))
    if made:
        connection.execute(insert(docs), made)


def _after_flush(session, _context) -> None:
    connection = session.connection()
    touched = connection.info.pop(TOUCHED, None)
    if touched:
        rebuild_documents(connection, touched)


for _source in SOURCES:
    event.listen(_source.model, "after_insert", _inserted)
    event.listen(_source.model, "after_update", _updated)
    event.listen(_source.model, "after_delete", _deleted)
event.listen(Session, "after_flush", _after_flush)


# -- the full-text index, per database -----------------------------------------------------------------------

#: SQLite: an FTS5 table whose content is ``search_documents`` (rowid = task id), kept in step by triggers;
#: its rank weighs a match in the title 10, in the registration 3, in what followed 1
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
SQLITE_DROP = ["DROP TABLE IF EXISTS search_fts"]
#: PostgreSQL: the document's words weighted A, B, C (the 'simple' configuration: no stemming, no stop words),
#: stored in the generated column ``tsv`` (not declared on the model: PostgreSQL computes it) with a GIN index;
#: queries match and rank on the column, so the words are not recomputed per match (migration 0013)
POSTGRESQL_VECTOR = ("setweight(to_tsvector('simple'::regconfig, title), 'A') || "
                     "setweight(to_tsvector('simple'::regconfig, registration), 'B') || "
                     "setweight(to_tsvector('simple'::regconfig, progress), 'C')")
POSTGRESQL_VECTOR_COLUMN = "tsv"
POSTGRESQL_DDL = [f"ALTER TABLE search_documents ADD COLUMN {POSTGRESQL_VECTOR_COLUMN} tsvector "
                  f"GENERATED ALWAYS AS ({POSTGRESQL_VECTOR}) STORED",
                  f"CREATE INDEX ix_search_documents_tsv ON search_documents USING gin "
                  f"({POSTGRESQL_VECTOR_COLUMN})"]


def is_index_object(name: str | None, type_: str) -> bool:
    """The database objects of the full-text index that the models do not declare (for Alembic's comparison:
    ``include_name`` leaves them out)."""
    return bool(name) and ((type_ == "table" and name.startswith("search_fts"))
                           or (type_ == "index" and name == "ix_search_documents_tsv")
                           or (type_ == "column" and name == POSTGRESQL_VECTOR_COLUMN))


for _statement in SQLITE_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in SQLITE_DROP:
    event.listen(SearchDocument.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRESQL_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
