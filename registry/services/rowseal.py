"""Rows bound to the trail: every audited row's content is sealed, as a digest, by the audit event that wrote it.

``SEALED`` names the audited tables; a row's content is every column of its table except the few in
``EXCLUDED`` (derived search text, session counters, last-use stamps). The digest of a row is SHA-256 over the
canonical JSON of ``[SEAL_VERSION, table, {column: value}]``, with the values read back *raw* from the database
(no type processing, so a tampered value can never make verification fail to read it) and canonicalised the
same way on SQLite and PostgreSQL (timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, dates ISO, booleans
true/false, JSON re-serialised with sorted keys); a NULL column is left out, so adding a nullable column keeps
every digest.

A session hook collects the audited rows each flush inserts, changes or deletes; ``record_event``
(``registry.services.audit``) takes them and puts ``{"rows": {"table:id": digest}}`` into the event it appends
(``None`` for a deleted row). Verification (``registry.services.verify``) recomputes every row's digest and
compares it with the latest one in the trail.

A migration that adds a NOT NULL column to a sealed table changes the digest of every existing row: list it in
``EXCLUDED``, or give it a default it takes on old rows in ``NEUTRAL`` (a value equal to it is left out).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import cached_property
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import JSON, Boolean, column, event, inspect, select
from sqlalchemy import table as table_clause
from sqlalchemy.orm import Session, object_session

from registry.models import (
    ApiToken,
    Assessment,
    CommendationDecision,
    EvidenceFile,
    Field,
    Indicator,
    IndicatorValue,
    MidYearReview,
    Milestone,
    NoteAmendment,
    OrgUnit,
    OrgUnitName,
    Person,
    ProgressNote,
    PublicPage,
    Recommendation,
    RoleGrant,
    SelfAssessment,
    Task,
    TaskAdjustment,
    Verdict,
    Year,
    db,
)
from registry.models.review import VerdictLevel
from registry.services import task_input

#: version tag mixed into every row digest, so the scheme can evolve
SEAL_VERSION = "r1"

#: the audited models, in the order verification walks them
SEALED_MODELS = (
    OrgUnit, OrgUnitName, Person, RoleGrant, ApiToken, Year, Field, VerdictLevel,
    Task, Indicator, Milestone, TaskAdjustment, ProgressNote, IndicatorValue, NoteAmendment, EvidenceFile,
    Assessment, Recommendation, MidYearReview, SelfAssessment, Verdict, CommendationDecision,
    PublicPage,
)

#: columns that are not content: kept in step with another column, or bookkeeping that changes without an event
EXCLUDED = {
    "people": {"search_name", "session_version"},
    "tasks": {"search_text"},
    "api_tokens": {"last_used_at"},
}

#: columns added after sealing began, with the value old rows take: equal to it, the column is left out (Form A's
#: text fields added later, ``task_input.TextField.since``, take "")
NEUTRAL: dict[str, dict[str, Any]] = {"tasks": {name: "" for name in task_input.ADDED_TEXT_FIELDS}}

#: rows read per statement (below SQLite's limit of bound parameters)
BATCH = 900
INFO_PENDING = "rowseal_pending"
INFO_PAUSED = "rowseal_paused"


@dataclass(frozen=True)
class SealedTable:
    """One audited table: its name, its model and the columns that make up a row's content."""

    name: str
    model: type
    columns: tuple[str, ...]
    json_columns: frozenset[str]
    bool_columns: frozenset[str]

    @cached_property
    def raw(self):
        """The table as an untyped clause: values come back exactly as the driver gives them (made once: every
        event reads its rows through it)."""
        return table_clause(self.name, *[column(name) for name in self.columns])


def _describe(model: type) -> SealedTable:
    table = model.__table__
    excluded = EXCLUDED.get(table.name, set())
    names = tuple(c.name for c in table.columns if c.name not in excluded)
    assert "id" in names and [c.name for c in table.primary_key.columns] == ["id"], table.name
    return SealedTable(
        name=table.name, model=model, columns=names,
        json_columns=frozenset(c.name for c in table.columns if isinstance(c.type, JSON)),
        bool_columns=frozenset(c.name for c in table.columns if isinstance(c.type, Boolean)))


SEALED: dict[str, SealedTable] = {model.__tablename__: _describe(model) for model in SEALED_MODELS}


def row_key(table: str, row_id: int) -> str:
    """The key of a row in an event's ``rows``: ``"tasks:12"``."""
    return f"{table}:{row_id}"


def parse_key(key: str) -> tuple[str, int] | None:
    table, _, row_id = key.partition(":")
    return (table, int(row_id)) if row_id.isdigit() else None


# -- canonical values and digests --------------------------------------------------------------------------------

def _canon(value: Any, name: str, spec: SealedTable) -> Any:
    if name in spec.json_columns:
        if isinstance(value, (str, bytes)):
            try:
                value = json.loads(value)
            except ValueError:
                return ["raw", value if isinstance(value, str) else value.hex()]
        return ["json", json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)]
    if name in spec.bool_columns and value in (0, 1) and not isinstance(value, float):
        return bool(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return ["decimal", format(value.normalize(), "f")]
    if isinstance(value, (bytes, bytearray, memoryview)):
        return ["bytes", bytes(value).hex()]
    return value


def row_digest(spec: SealedTable, values: dict[str, Any] | Any) -> str:
    """The digest of one row (a mapping of column → raw value)."""
    neutral = NEUTRAL.get(spec.name, {})
    body = {}
    for name in spec.columns:
        value = values[name]
        if value is None or (name in neutral and value == neutral[name]):
            continue
        body[name] = _canon(value, name, spec)
    material = json.dumps([SEAL_VERSION, spec.name, body], sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False, default=str)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def digests_of(session: Session, table: str, ids: Iterable[int]) -> dict[int, str | None]:
    """The current digest of each of ``ids`` in ``table`` (``None`` for a row that is not there)."""
    spec = SEALED[table]
    raw = spec.raw
    wanted = sorted(set(ids))
    found: dict[int, str | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start:start + BATCH]
        for row in session.execute(select(raw).where(raw.c.id.in_(chunk))).mappings():
            found[row["id"]] = row_digest(spec, row)
    return found


def stream_digests(session: Session, table: str, *, first: int = 0, last: int | None = None,
                   batch: int = 5000, extra: tuple[str, ...] = ()) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Every row of ``table`` (ids ``first``..``last``) in id order, read in keyset batches: (id, digest, the
    raw values of the ``extra`` columns)."""
    spec = SEALED[table]
    raw = spec.raw
    after = first - 1
    while True:
        query = select(raw).where(raw.c.id > after)
        if last is not None:
            query = query.where(raw.c.id <= last)
        rows = session.execute(query.order_by(raw.c.id).limit(batch)).mappings().all()
        if not rows:
            return
        for row in rows:
            yield row["id"], row_digest(spec, row), {name: row[name] for name in extra}
        after = rows[-1]["id"]


def all_digests(session: Session) -> dict[str, str]:
    """``{"table:id": digest}`` of every audited row (the seal of a trail's first sealing event)."""
    out = {}
    for table in SEALED:
        for row_id, digest, _extra in stream_digests(session, table):
            out[row_key(table, row_id)] = digest
    return out


# -- collecting the rows a transaction wrote ------------------------------------------------------------------

def _changed(state) -> bool:
    """An updated row whose content changed: a content column, or a many-to-one link, has a new value."""
    excluded = EXCLUDED.get(state.mapper.local_table.name, set())
    for attr in state.mapper.column_attrs:
        if attr.columns[0].name in excluded:
            continue
        if state.attrs[attr.key].history.has_changes():
            return True
    return any(state.attrs[rel.key].history.has_changes() for rel in state.mapper.relationships
               if rel.direction.name == "MANYTOONE")


def pending(session: Session) -> set[tuple[str, int]]:
    return session.info.setdefault(INFO_PENDING, set())


def take_pending(session: Session) -> dict[str, str | None]:
    """The digests of the audited rows written since the last event, and forget them."""
    rows = session.info.pop(INFO_PENDING, set())
    by_table: dict[str, list[int]] = {}
    for table, row_id in rows:
        by_table.setdefault(table, []).append(row_id)
    out: dict[str, str | None] = {}
    for table in SEALED:  # a stable order
        if table in by_table:
            for row_id, digest in digests_of(session, table, by_table[table]).items():
                out[row_key(table, row_id)] = digest
    return out


def has_pending(session: Session) -> bool:
    return bool(session.info.get(INFO_PENDING))


@contextmanager
def paused(session: Session | None = None):
    """Collect nothing while the block runs (the data generator writes its own digests)."""
    session = session or db.session()
    session.info[INFO_PAUSED] = session.info.get(INFO_PAUSED, 0) + 1
    try:
        yield
    finally:
        session.info[INFO_PAUSED] -= 1


def _is_paused(session: Session) -> bool:
    return bool(session.info.get(INFO_PAUSED))


def _session_of(target) -> Session | None:
    session = object_session(target)
    return session if isinstance(session, FlaskSession) and not _is_paused(session) else None


def _cascades(table: str) -> list[tuple[str, str]]:
    """(sealed table, column) pairs whose rows the database deletes or changes when a row of ``table`` goes."""
    return CASCADES.get(table, [])


def _inserted(mapper, connection, target) -> None:
    session = _session_of(target)
    if session is not None:
        pending(session).add((mapper.local_table.name, target.id))


def _updated(mapper, connection, target) -> None:
    session = _session_of(target)
    if session is not None and _changed(inspect(target)):
        pending(session).add((mapper.local_table.name, target.id))


def _deleted(mapper, connection, target) -> None:
    """A deleted row, and the rows of audited tables that ON DELETE CASCADE / SET NULL reach from it."""
    session = _session_of(target)
    if session is None:
        return
    found, seen = pending(session), set()
    todo = [(mapper.local_table.name, target.id)]
    while todo:
        table, row_id = todo.pop()
        if (table, row_id) in seen:
            continue
        seen.add((table, row_id))
        found.add((table, row_id))
        for child, fk_column in _cascades(table):
            child_table = SEALED[child].model.__table__
            for child_id in connection.execute(select(child_table.c.id).where(child_table.c[fk_column] == row_id)
                                               ).scalars():
                todo.append((child, child_id))


def _foreign_cascades() -> dict[str, list[tuple[str, str]]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for spec in SEALED.values():
        for fk in spec.model.__table__.foreign_keys:
            if fk.ondelete and fk.ondelete.upper() in ("CASCADE", "SET NULL") and fk.column.table.name in SEALED:
                out.setdefault(fk.column.table.name, []).append((spec.name, fk.parent.name))
    return out


CASCADES = _foreign_cascades()

for _model in SEALED_MODELS:
    event.listen(_model, "after_insert", _inserted)
    event.listen(_model, "after_update", _updated)
    event.listen(_model, "before_delete", _deleted)


@event.listens_for(FlaskSession, "do_orm_execute")
def _collect_bulk(execute_state) -> None:
    """ORM bulk UPDATE and DELETE statements on an audited table: the rows they reach are collected too."""
    if not (execute_state.is_update or execute_state.is_delete) or _is_paused(execute_state.session):
        return
    mapper = execute_state.bind_mapper
    table = mapper.local_table.name if mapper is not None else None
    if table not in SEALED:
        return
    found = pending(execute_state.session)
    params = execute_state.parameters
    if isinstance(params, list) and params and all("id" in p for p in params):  # bulk by primary key
        found.update((table, p["id"]) for p in params)
        return
    statement = execute_state.statement
    model = SEALED[table].model
    query = select(model.__table__.c.id)
    if statement.whereclause is not None:
        query = query.where(statement.whereclause)
    found.update((table, row_id) for row_id in execute_state.session.execute(query).scalars())


@event.listens_for(FlaskSession, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(INFO_PENDING, None)
