"""Search over every text of a task — title, situation, goal, deliverable, measures, indicators, progress notes,
assessments, recommendations and replies, self-assessment — ignoring diacritics and case, ranked, with
highlighted snippets.

One interface, two backends over the same documents (``registry.models.search``, one per task): SQLite's FTS5
(``bm25``, its parts weighted 10/3/1) and PostgreSQL's full-text search (``ts_rank`` of the parts weighted A/B/C,
over a GIN index). Both read text folded by ``registry.text.fold``, so
"giai phong mat bang" finds "Giải phóng mặt bằng" and "dat" finds "đất". Every word must match; the last one
may be the beginning of a word (typed as one types). A task's score is the best of its texts', each weighted by
where it was found (a title counts more than a note).

Scope: ``restrict`` only narrows and ranks a select of tasks that the callers (the task list, the API) have
filtered with ``policy.visible``,
so a search never shows a task, nor a note of a task, the searcher may not read — snippets are only fetched
for the tasks of the page they were given.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from sqlalchemy import (
    Float,
    Integer,
    Select,
    column,
    delete,
    func,
    insert,
    literal_column,
    select,
    table,
    text,
)

from registry.models import Task, db
from registry.models.search import (
    POSTGRESQL_VECTOR_COLUMN,
    SOURCES,
    SearchDocument,
    SearchEntry,
    documents,
    entry_rows,
)
from registry.text import fold

#: words of a query taken into account, and their longest length
MAX_TERMS = 12
MAX_TERM_LENGTH = 60
#: snippets shown per task, and their length around the first match (characters)
SNIPPETS_PER_TASK = 3
SNIPPET_LENGTH = 220
_WORD = re.compile(r"[^\W_]+")

_fts = table("search_fts", column("rowid", Integer), column("rank", Float))


@dataclass(frozen=True)
class Terms:
    """The words of a query, folded; the last one also matches as the beginning of a word."""

    words: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.words)

    def matches(self, word: str) -> bool:
        """A folded word of a text is one of the query's (or begins with its last)."""
        return word in self.words or word.startswith(self.words[-1])

    def matching(self, words: Iterable[str]) -> set[str]:
        """Those of ``words`` (the folded words of a text) that ``matches``."""
        whole, last = self.words, self.words[-1]
        return {word for word in words if word in whole or word.startswith(last)}


def terms(query: str | None) -> Terms:
    """The query's words: folded, split on anything but letters and digits (so nothing of it reaches the full-text
    syntax of either database), at most ``MAX_TERMS``."""
    words = [w[:MAX_TERM_LENGTH] for w in _WORD.findall(fold(query))]
    return Terms(tuple(dict.fromkeys(words))[:MAX_TERMS])


def _sqlite_match(words: Terms) -> str:
    *whole, last = words.words
    return " ".join([*(f'"{w}"' for w in whole), f'"{last}"*'])


def _postgresql_query(words: Terms) -> str:
    *whole, last = words.words
    return " & ".join([*whole, f"{last}:*"])


def restrict(stmt: Select, query: str | None) -> tuple[Select, list]:
    """``stmt`` (a select of ``Task``) narrowed to the tasks whose texts hold every word of the query, and the
    order of relevance (best first) to put before its own; ``stmt`` and no order when the query has no word.
    The caller's scope (``policy.visible``) stays on ``stmt``: the index only narrows what it may show."""
    words = terms(query)
    if not words:
        return stmt, []
    if db.engine.dialect.name == "postgresql":
        vector = literal_column(f"search_documents.{POSTGRESQL_VECTOR_COLUMN}")
        tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), _postgresql_query(words))
        stmt = stmt.join(SearchDocument, SearchDocument.task_id == Task.id).where(vector.op("@@")(tsquery))
        return stmt, [func.ts_rank(vector, tsquery).desc()]
    stmt = stmt.join(_fts, _fts.c.rowid == Task.id).where(literal_column("search_fts").op("MATCH")(
        _sqlite_match(words)))
    return stmt, [_fts.c.rank]


# -- snippets -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Snippet:
    source: str  #: task, indicator, note, … (``registry.models.search.SOURCES``)
    field: str  #: the column the text comes from
    html: Markup  #: the excerpt, escaped, its matching words in <mark>


def snippets(query: str | None, task_ids: Iterable[int], *, per_task: int = SNIPPETS_PER_TASK,
             skip_titles: bool = True) -> dict[int, list[Snippet]]:
    """The best matching texts of each of ``task_ids`` (tasks the caller has already checked the viewer may
    read), highlighted, read in one statement: those with the most of the query's words first, then by the
    weight of their field. Titles are left out with ``skip_titles`` (a list shows them)."""
    words, ids = terms(query), sorted(set(task_ids))
    if not words or not ids:
        return {}
    stmt = select(SearchEntry.task_id, SearchEntry.source, SearchEntry.field, SearchEntry.weight, SearchEntry.text,
                  SearchEntry.id).where(SearchEntry.task_id.in_(ids))
    if skip_titles:
        stmt = stmt.where(~((SearchEntry.source == "task") & (SearchEntry.field == "title")))
    ranked: dict[int, list[tuple]] = {}
    for row in db.session.execute(stmt):
        hits = words.matching(_WORD.findall(fold(row.text)))
        if hits:
            ranked.setdefault(row.task_id, []).append((-len(hits), -row.weight, row.id, row))
    return {task_id: [Snippet(row.source, row.field, excerpt(row.text, words))
                      for *_key, row in sorted(rows, key=lambda r: r[:3])[:per_task]]
            for task_id, rows in ranked.items()}


@dataclass(frozen=True)
class Found:
    """What a list shows of a task found by a search: its title highlighted and its best other matches."""

    title: Markup
    snippets: list[Snippet]


def found(query: str | None, tasks: Iterable) -> dict[int, Found] | None:
    """For a page of tasks found by ``query`` (already scoped to what the viewer may read): each task's title
    highlighted and its snippets (one statement); None without a query."""
    words, tasks = terms(query), list(tasks)
    if not words:
        return None
    by_task = snippets(query, [task.id for task in tasks])
    return {task.id: Found(highlight(task.title, words), by_task.get(task.id, [])) for task in tasks}


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    if ch in "đĐ":
        return "d"
    return "".join(c for c in unicodedata.normalize("NFD", ch) if unicodedata.category(c) != "Mn").lower()


def spans(original: str, words: Terms) -> list[tuple[int, int]]:
    """The (start, end) positions in ``original`` of the words that match the query, diacritics ignored."""
    chars = list(map(_fold_char, original))
    folded = "".join(chars)
    if len(folded) == len(original) and set(map(len, chars)) <= {1}:
        where: range | list[int] = range(len(original))  # each character folds to one (most texts)
    else:
        where = [i for i, c in enumerate(chars) for _ in c]
    out = []
    whole, last = words.words, words.words[-1]
    for m in _WORD.finditer(folded):
        if (word := m.group()) in whole or word.startswith(last):  # ``words.matches(word)``
            start, end = where[m.start()], where[m.end() - 1] + 1
            while end < len(original) and not _fold_char(original[end]):  # combining marks of the last letter
                end += 1
            out.append((start, end))
    return out


def highlight(original: str, words: Terms | str, *, length: int | None = None) -> Markup:
    """``original`` escaped, each word matching the query in ``<mark>``; with ``length``, only an excerpt of
    about that many characters around the first match, cut at spaces, with "…" where cut."""
    words = terms(words) if isinstance(words, str) else words
    found = spans(original, words) if words else []
    start, end = 0, len(original)
    if length is not None and len(original) > length:
        first = found[0][0] if found else 0
        start = max(0, first - length // 4)
        if start:
            space = original.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 30 else start
        end = min(len(original), start + length)
        if end < len(original):
            space = original.rfind(" ", start, end)
            end = space if space > start + length // 2 else end
    parts: list[str | Markup] = [Markup("…")] if start else []
    at = start
    for s, e in found:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        parts += [original[at:s], Markup("<mark>"), original[s:e], Markup("</mark>")]
        at = e
    parts.append(original[at:end])
    if end < len(original):
        parts.append(Markup("…"))
    return Markup("".join([escape(p) for p in parts]))  # the marks and "…" are Markup: escape keeps them


def excerpt(original: str, words: Terms) -> Markup:
    """A snippet: ``highlight`` of about ``SNIPPET_LENGTH`` characters."""
    return highlight(original, words, length=SNIPPET_LENGTH)


# -- the index as a whole ---------------------------------------------------------------------------------------

#: tasks whose entries are written per step when the whole index is rebuilt
REINDEX_BATCH = 2000


def reindex(session=None, *, echo=None) -> int:
    """Rebuild the whole index from the rows it copies (existing data, or after a bulk load that bypassed the
    session hooks: the data generator), a batch of tasks at a time; returns the number of texts. Flushes, does
    not commit."""
    session = session or db.session()
    session.flush()
    entries, docs = SearchEntry.__table__, SearchDocument.__table__
    session.execute(delete(docs))
    session.execute(delete(entries))
    total, after = 0, 0
    tasks = Task.__table__
    while True:
        ids = list(session.scalars(select(tasks.c.id).where(tasks.c.id > after).order_by(tasks.c.id)
                                   .limit(REINDEX_BATCH)))
        if not ids:
            break
        batch: list[dict] = []
        for source in SOURCES:
            model = source.model.__table__
            names = list(dict.fromkeys(["id", source.task_key, *source.fields]))
            key = model.c[source.task_key]
            for row in session.execute(select(*[model.c[n] for n in names])
                                       .where(key >= ids[0], key <= ids[-1]).order_by(model.c.id)).mappings():
                batch.extend(entry_rows(source, dict(row)))
        if batch:
            session.execute(insert(entries), batch)
            session.execute(insert(docs), documents(batch))
        total += len(batch)
        after = ids[-1]
        if echo:
            echo(f"  tasks up to {after}: {total} texts")
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('optimize')"))
    return total


def entry_count(session=None) -> int:
    """Texts in the index."""
    session = session or db.session()
    return session.scalar(select(func.count()).select_from(SearchEntry)) or 0
