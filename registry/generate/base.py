"""The generator's plumbing: the result, the empty-database check and schema, and ``Writer``, which bulk
inserts rows with explicit ids and chains and seals their audit events as ``record_event`` does."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, inspect, select
from werkzeug.security import generate_password_hash

from registry import clock
from registry.generate.vocabulary import CHUNK, FAMILY, GIVEN, MIDDLE, PASSWORD, Scale
from registry.models import AuditEvent, OrgUnit, Person, db
from registry.models.audit import GENESIS_HASH
from registry.services import rowseal
from registry.services.audit import SEAL_ACTION, canonical_json, entry_hash, sign


@dataclass
class Result:
    counts: dict[str, int] = field(default_factory=dict)
    logins: dict[str, str] = field(default_factory=dict)
    samples: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"counts": self.counts, "password": PASSWORD, "logins": self.logins, "samples": self.samples,
                "seconds": round(self.seconds, 1)}


class RowView(SimpleNamespace):
    """A row about to be written, as ``compute_seal`` reads it: a ``*_by_id`` or ``*_at`` column the generator
    does not write (who entered a row afterwards, and when) reads None, as it will from the database."""

    def __getattr__(self, name: str):
        if name.endswith(("_by_id", "_at")):
            return None
        raise AttributeError(name)


class NotEmpty(RuntimeError):
    """The database holds data already (pass ``force`` to wipe it first)."""


def is_empty() -> bool:
    """No table of the registry exists, or none of people, units and audit events holds a row."""
    tables = set(inspect(db.engine).get_table_names())
    if "people" not in tables:
        return True
    return not any(db.session.scalar(select(func.count()).select_from(model)) for model in (Person, OrgUnit, AuditEvent))


def prepare_schema(force: bool) -> None:
    """Create the schema with the migrations on an empty database; with ``force``, drop everything first."""
    from flask_migrate import upgrade

    if not is_empty():
        if not force:
            raise NotEmpty("The database is not empty; pass --force to delete everything in it first.")
        db.session.remove()
        with db.engine.connect() as connection:
            if connection.dialect.name == "sqlite":  # the people ↔ org_units cycle: drop without FK checks
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            db.metadata.drop_all(connection)
            connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            connection.commit()
    tables = set(inspect(db.engine).get_table_names())
    if "people" not in tables:
        db.session.remove()
        upgrade()


class Writer:
    """Shared state and plumbing of the generator: ids, bulk writes, the pending audit events."""

    def __init__(self, scale: Scale, years: int, seed: int = 2025, evidence_dir: Path | None = None,
                 echo=None):
        self.scale, self.years, self.rng = scale, years, random.Random(seed)
        self.key = current_app.config["AUDIT_KEY"]
        self.evidence_dir = Path(evidence_dir or current_app.config["EVIDENCE_DIR"])
        self.echo = echo or (lambda _msg: None)
        self.now = clock.now().astimezone(UTC).replace(microsecond=0)
        self.counts: dict[str, int] = {}
        self.ids: dict[str, int] = {}
        self.events: list[tuple] = []  # (time, order, actor, subject, task, unit, type, id, action, before, after)
        #: table → (lowest, highest) id written since the events were last flushed (their rows are sealed then)
        self.written: dict[str, tuple[int, int]] = {}
        self.order = 0
        self.seq, self.prev = 0, GENESIS_HASH
        self.usernames: dict[int, str] = {}
        self.password_hash = generate_password_hash(PASSWORD)
        self.dialect = db.engine.dialect.name

    # -- plumbing -------------------------------------------------------------------------------------------
    def next_id(self, table: str) -> int:
        self.ids[table] = self.ids.get(table, 0) + 1
        return self.ids[table]

    def write(self, model, rows: list[dict]) -> None:
        if self.dialect == "postgresql":
            self.copy(model, rows)
        else:
            for start in range(0, len(rows), CHUNK):
                db.session.execute(insert(model), rows[start:start + CHUNK])
        name = model.__tablename__
        self.counts[name] = self.counts.get(name, 0) + len(rows)
        if rows and name in rowseal.SEALED:
            ids = [row["id"] for row in rows]
            lo, hi = self.written.get(name, (min(ids), max(ids)))
            self.written[name] = (min(lo, *ids), max(hi, *ids))

    def copy(self, model, rows: list[dict]) -> None:
        """PostgreSQL: the rows through ``COPY … FROM STDIN`` (several times faster than batched INSERTs at nation
        scale), each value through its column's own bind processing (enums, UTC times, JSON) and the columns the
        rows leave out filled with their Python-side defaults, as an ORM insert would."""
        if not rows:
            return
        mapper = inspect(model)
        columns = {attr.key: attr.columns[0] for attr in mapper.column_attrs}
        dialect = db.engine.dialect
        by_keys: dict[tuple[str, ...], list[dict]] = {}
        for row in rows:
            by_keys.setdefault(tuple(row), []).append(row)
        connection = db.session.connection().connection.driver_connection
        for keys, group in by_keys.items():
            missing = [column for key, column in columns.items() if key not in keys and column.default is not None
                       and (column.default.is_scalar or column.default.is_callable)]
            defaults = [column.default.arg(None) if column.default.is_callable else column.default.arg
                        for column in missing]
            targets = [columns[key] for key in keys] + missing
            processors = [column.type._cached_bind_processor(dialect) for column in targets]
            names = ", ".join(f'"{column.name}"' for column in targets)
            with connection.cursor() as cursor, \
                    cursor.copy(f'COPY "{model.__table__.name}" ({names}) FROM STDIN') as stream:
                for row in group:
                    values = [row[key] for key in keys] + defaults
                    stream.write_row([value if process is None or value is None else process(value)
                                      for value, process in zip(values, processors)])

    def event(self, when: datetime, actor: int | None, action: str, otype: str, oid: int | None, *,
              task: int | None = None, subject: int | None = None, unit: int | None = None, before=None,
              after=None) -> None:
        self.order += 1
        self.events.append((when, self.order, actor, subject, task, unit, otype, oid, action, before, after))

    def row_seals(self) -> dict[tuple[str, int] | None, dict[str, str]]:
        """The digests of the audited rows written since the last flush (on the first, of every audited row
        there is, the migrations' verdict levels too), by the task or person they belong to (None: neither)."""
        session = db.session()
        note_task: dict[int, int] = {}
        out: dict[tuple[str, int] | None, dict[str, str]] = {}
        for table, spec in rowseal.SEALED.items():
            if self.seq:
                if table not in self.written:
                    continue
                first, last = self.written[table]
            else:
                first, last = 0, None
            extra = tuple(c for c in ("task_id", "note_id", "person_id") if c in spec.columns)
            for row_id, digest, values in rowseal.stream_digests(session, table, first=first, last=last,
                                                                  extra=extra):
                if table == "tasks":
                    group = ("task", row_id)
                elif table == "progress_notes":
                    note_task[row_id] = values["task_id"]
                    group = ("task", values["task_id"])
                elif table == "indicator_values":
                    group = ("task", note_task[values["note_id"]]) if values["note_id"] in note_task else None
                elif "task_id" in values:
                    group = ("task", values["task_id"])
                elif table == "people":
                    group = ("person", row_id)
                elif "person_id" in values:
                    group = ("person", values["person_id"])
                else:
                    group = None
                out.setdefault(group, {})[rowseal.row_key(table, row_id)] = digest
        self.written = {}
        return out

    def flush_events(self) -> None:
        """Sort the pending events by time, seal the rows written since the last flush into the last event of
        their task or person, chain the events and insert them."""
        seals = self.row_seals()
        carried = {("task", e[4]) if e[4] else (e[6], e[7]) for e in self.events}
        loose = {k: v for group, rows in seals.items() if group not in carried for k, v in rows.items()}
        if loose:  # rows of no task or person in this batch: one rows.seal event (the first: before the rest)
            times = [e[0] for e in self.events] or [self.now - timedelta(hours=1)]
            first = not self.seq
            self.events.append((min(times) if first else max(times), -1 if first else self.order + 1, None, None,
                                None, None, "rows", None, SEAL_ACTION, None, None))
            seals[("rows", None)] = loose
        self.events.sort(key=lambda e: (e[0], e[1]))
        carrier: dict[tuple, int] = {}
        for index, e in enumerate(self.events):
            carrier[("task", e[4]) if e[4] else (e[6], e[7])] = index
        sealed_at = {index: seals.get(group, {}) for group, index in carrier.items()}
        rows = []
        for index, (when, _order, actor, subject, task, unit, otype, oid, action, before, after) in \
                enumerate(self.events):
            self.seq += 1
            body = {"seq": self.seq, "occurred_at": when.isoformat(),
                    "actor": {"id": actor, "username": self.usernames[actor]} if actor else None,
                    "subject_person_id": subject, "task_id": task, "unit_id": unit,
                    "object": {"type": otype, "id": oid}, "action": action, "before": before, "after": after,
                    "rows": sealed_at.get(index, {})}
            payload = canonical_json(body)
            digest = entry_hash(self.seq, self.prev, payload)
            rows.append({"seq": self.seq, "occurred_at": when, "actor_id": actor, "subject_person_id": subject,
                         "task_id": task, "unit_id": unit, "object_type": otype, "object_id": oid, "action": action,
                         "payload": payload, "prev_hash": self.prev, "entry_hash": digest,
                         "hmac": sign(digest, self.key)})
            self.prev = digest
            if len(rows) >= CHUNK:
                self.write(AuditEvent, rows)
                rows = []
        self.write(AuditEvent, rows)
        self.events = []

    def name(self) -> str:
        r = self.rng
        return f"{r.choice(FAMILY)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"

    def day(self, year: int, days: float) -> datetime:
        """A moment ``days`` after 1 January of ``year`` (UTC), never later than an hour ago."""
        moment = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=days)
        latest = self.now - timedelta(hours=1)
        if moment > latest:
            moment = latest - timedelta(minutes=self.rng.randint(0, 600))
        return moment.replace(microsecond=0)
