"""Backup and restore: ``flask --app registry backup PATH`` and ``flask --app registry restore PATH``.

A backup is a directory::

    PATH/manifest.json          what is in the backup, signed with an HMAC under the audit key
    PATH/database.sqlite3       SQLite: a copy made with the online backup API (journal mode DELETE)
    PATH/database.pgdump        PostgreSQL: ``pg_dump --format=custom``
    PATH/evidence/<name>        every evidence file, under its stored name

The manifest lists every file with its SHA-256 and size, the database kind, the audit chain head (last sequence
number and hash, from ``audit_head``), the row count of every table and the time. A restore checks the HMAC and
every file before it changes anything and refuses a backup that does not match; it refuses a non-empty database
unless forced; after restoring it runs the full audit verification and compares the chain head and row counts
with the manifest.

The audit key is not in the backup: keep it (and any checkpoint) elsewhere. Restoring needs the same key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import click
from flask import Flask
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from registry import clock
from registry.extensions import db
from registry.models.audit import GENESIS_HASH
from registry.services.audit import canonical_json
from registry.services.verify import Report, verify_all
from registry.storage import file_storage

FORMAT = "viec-kho-registry-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
EVIDENCE = "evidence"
CHUNK = 1024 * 1024
#: mixed into the manifest's HMAC so that it can never be confused with an HMAC of the audit chain
HMAC_CONTEXT = "registry-backup-manifest-v1\n"
#: where PostgreSQL client programs are looked for when they are not on PATH (``PG_BIN_DIR`` in config first)
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


class BackupError(RuntimeError):
    """The backup cannot be written (PATH not empty, database not supported, pg_dump failed …)."""


class RestoreRefused(RuntimeError):
    """The restore refuses: the backup does not match its manifest, or the database is not empty."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    report: Report
    counts: dict[str, int]
    head: dict[str, Any]
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok and not self.mismatches


# -- helpers -------------------------------------------------------------------------------------------------

def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 (hex) and size of the file at ``path``, read in chunks."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sign_manifest(manifest: dict[str, Any], key: str) -> str:
    """HMAC-SHA-256 under the audit key of the manifest's canonical JSON, without its ``hmac`` field."""
    body = {name: value for name, value in manifest.items() if name != "hmac"}
    material = (HMAC_CONTEXT + canonical_json(body)).encode("utf-8")
    return hmac.new(key.encode("utf-8"), material, hashlib.sha256).hexdigest()


def database_kind() -> str:
    name = db.engine.dialect.name
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups of a {name} database are not supported (SQLite and PostgreSQL are).")
    return name


def sqlite_path() -> Path:
    database = db.engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError(f"The SQLite database {database!r} is not a plain file; cannot back it up or restore it.")
    return Path(database)


def _snapshot_facts(scalar, tables: set[str]) -> tuple[dict[str, Any], dict[str, int]]:
    """The audit chain head and the row count of every registry table, read with ``scalar(sql)`` from one
    consistent view of the database (``tables``: the tables that exist in it)."""
    counts = {table.name: int(scalar(f'SELECT count(*) FROM "{table.name}"'))
              for table in db.metadata.sorted_tables if table.name in tables}
    head = {"last_seq": 0, "last_hash": GENESIS_HASH}
    if "audit_head" in tables:
        seq = scalar("SELECT last_seq FROM audit_head WHERE id = 1")
        if seq is not None:
            head = {"last_seq": int(seq), "last_hash": scalar("SELECT last_hash FROM audit_head WHERE id = 1")}
    return head, counts


def current_facts() -> tuple[dict[str, Any], dict[str, int]]:
    """Chain head and row counts of the configured database, as it is now."""
    with db.engine.connect() as connection:
        tables = set(inspect(connection).get_table_names())
        return _snapshot_facts(lambda sql: connection.exec_driver_sql(sql).scalar(), tables)


def sqlite_file_facts(path: Path) -> tuple[dict[str, Any], dict[str, int]]:
    """Chain head and row counts of a SQLite file, opened read-only (so that the file stays byte for byte)."""
    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        def scalar(sql: str) -> Any:
            row = connection.execute(sql).fetchone()
            return row[0] if row else None

        return _snapshot_facts(scalar, tables)
    finally:
        connection.close()


def pg_program(app: Flask, name: str) -> str:
    """``pg_dump`` / ``pg_restore``: from ``PG_BIN_DIR`` in config, else PATH, else the Debian server folders."""
    folders = [app.config["PG_BIN_DIR"]] if app.config.get("PG_BIN_DIR") else []
    for folder in folders:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    for folder in PG_BIN_DIRS:
        candidate = Path(folder) / name
        if candidate.is_file():
            return str(candidate)
    raise BackupError(f"{name} not found: install the PostgreSQL client programs or set PG_BIN_DIR.")


def pg_connection() -> tuple[str, dict[str, str]]:
    """A libpq connection URI for the configured database (without the password) and the environment that
    carries the password, so that it never shows in a process list."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = make_url(str(url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)))
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BackupError(f"{what} failed (exit {completed.returncode}): {completed.stderr.strip()}")


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


# -- backup --------------------------------------------------------------------------------------------------

def backup(app: Flask, path: Path) -> BackupResult:
    """Write a backup of the database and the evidence files into the directory ``path`` (new or empty)."""
    path = Path(path)
    if path.exists() and not _is_empty_dir(path):
        raise BackupError(f"{path} exists and is not an empty directory; refusing to overwrite it.")
    created = not path.exists()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        return _write_backup(app, path)
    except BaseException:
        # leave nothing half-written behind: an incomplete backup has no manifest, but remove it all the same
        if created:
            shutil.rmtree(path, ignore_errors=True)
        else:
            for child in path.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _sqlite_copy(source: sqlite3.Connection, target: sqlite3.Connection, what: str, *,
                 self_contained: bool = False) -> None:
    """Copy one SQLite database into another with SQLite's online backup, then check the copy's integrity
    (``BackupError`` naming ``what`` when it fails); ``self_contained``: one file, no -wal beside it. Closes
    both connections."""
    try:
        source.backup(target)
        if self_contained:
            target.execute("PRAGMA journal_mode=DELETE")
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        target.close()
        source.close()
    if check != "ok":
        raise BackupError(f"{what} failed its integrity check: {check}")


def _write_backup(app: Flask, path: Path) -> BackupResult:
    kind = database_kind()
    db.session.remove()
    # the database first, then the files: evidence is written before its row is committed and never deleted,
    # so every file a row of the snapshot names is already on disk when the files are copied
    if kind == "sqlite":
        database_file = SQLITE_FILE
        _sqlite_copy(sqlite3.connect(sqlite_path(), timeout=30), sqlite3.connect(path / database_file),
                     "The SQLite copy", self_contained=True)
        head, counts = sqlite_file_facts(path / database_file)
    else:
        database_file = PG_FILE
        uri, env = pg_connection()
        command = [pg_program(app, "pg_dump"), "--format=custom", "--no-password",
                   f"--file={path / database_file}", f"--dbname={uri}"]
        # the head and the counts are read in the very snapshot pg_dump dumps
        with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection, \
                connection.begin():
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            tables = set(inspect(connection).get_table_names())
            head, counts = _snapshot_facts(lambda sql: connection.exec_driver_sql(sql).scalar(), tables)
            _run(command + [f"--snapshot={snapshot}"], env, "pg_dump")
    db.session.remove()

    storage = file_storage(app.config)  # a folder, or an S3 bucket: copied as streams
    (path / EVIDENCE).mkdir(mode=0o700)
    for name in storage.names():
        with storage.open(name) as source_file, open(path / EVIDENCE / name, "wb") as out:
            shutil.copyfileobj(source_file, out, CHUNK)

    files = []
    for relative in [database_file] + [f"{EVIDENCE}/{p.name}" for p in sorted((path / EVIDENCE).iterdir())]:
        digest, size = file_digest(path / relative)
        files.append({"path": relative, "sha256": digest, "size": size})
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": clock.now().isoformat(),
        "database": {"kind": kind, "file": database_file},
        "audit_head": head,
        "counts": counts,
        "evidence_files": len(files) - 1,
        "files": files,
    }
    manifest["hmac"] = sign_manifest(manifest, app.config["AUDIT_KEY"])
    (path / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return BackupResult(path=path, manifest=manifest)


# -- restore -------------------------------------------------------------------------------------------------

def _safe_relative(name: Any) -> bool:
    if not isinstance(name, str) or not name or "\\" in name:
        return False
    parts = PurePosixPath(name).parts
    if name.startswith("/") or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return False
    return len(parts) == 1 or (len(parts) == 2 and parts[0] == EVIDENCE)


def check_backup(app: Flask, path: Path) -> dict[str, Any]:
    """Read and check the backup at ``path``: the manifest's HMAC, then every listed file's size and SHA-256,
    and no file beside them. Returns the manifest; raises :class:`RestoreRefused` naming every problem."""
    path = Path(path)
    if not path.is_dir():
        raise RestoreRefused(f"{path} is not a backup directory.")
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RestoreRefused(f"{path} has no {MANIFEST}: not a complete backup.") from exc
    except (OSError, ValueError) as exc:
        raise RestoreRefused(f"The manifest cannot be read: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise RestoreRefused("The manifest is not a registry backup manifest.")
    if not hmac.compare_digest(str(manifest.get("hmac", "")), sign_manifest(manifest, app.config["AUDIT_KEY"])):
        raise RestoreRefused("The manifest's HMAC does not match: it was edited, or the audit key is not the one "
                             "the backup was made with.")
    if manifest.get("version") != VERSION:
        raise RestoreRefused(f"Backup format version {manifest.get('version')} is not supported.")
    database = manifest.get("database") or {}
    if database.get("kind") not in ("sqlite", "postgresql"):
        raise RestoreRefused(f"Unknown database kind {database.get('kind')!r} in the manifest.")

    problems: list[str] = []
    listed: set[str] = set()
    for entry in manifest.get("files") or []:
        name = entry.get("path") if isinstance(entry, dict) else None
        if not _safe_relative(name):
            problems.append(f"unsafe file name in the manifest: {name!r}")
            continue
        listed.add(name)
        target = path / name
        if not target.is_file():
            problems.append(f"{name}: missing")
            continue
        digest, size = file_digest(target)
        if size != entry.get("size"):
            problems.append(f"{name}: size {size}, the manifest says {entry.get('size')}")
        elif not hmac.compare_digest(digest, str(entry.get("sha256"))):
            problems.append(f"{name}: SHA-256 does not match the manifest")
    if database.get("file") not in listed:
        problems.append(f"the database file {database.get('file')!r} is not listed in the manifest")
    present = {p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()} - {MANIFEST}
    problems.extend(f"{name}: not listed in the manifest" for name in sorted(present - listed))
    if problems:
        raise RestoreRefused("The backup does not match its manifest.", problems)
    return manifest


def database_is_empty() -> bool:
    """No table of the registry holds a row (a missing schema is empty)."""
    return not any(current_facts()[1].values())


def restore(app: Flask, path: Path, force: bool = False) -> RestoreResult:
    """Check the backup, then restore the database and the evidence files, then verify the restored system."""
    path = Path(path)
    manifest = check_backup(app, path)
    kind = database_kind()
    if manifest["database"]["kind"] != kind:
        raise RestoreRefused(f"The backup holds a {manifest['database']['kind']} database; the configured "
                             f"database is {kind}.")
    storage = file_storage(app.config)
    if not force:
        if not database_is_empty():
            raise RestoreRefused("The configured database is not empty; pass --force to replace its content.")
        if next(iter(storage.names()), None) is not None:
            raise RestoreRefused(f"The evidence store {storage} is not empty; pass --force to restore into it.")
    db.session.remove()
    db.engine.dispose()

    source = path / manifest["database"]["file"]
    if kind == "sqlite":
        target_path = sqlite_path()
        target_path.parent.mkdir(parents=True, exist_ok=True)
        # through the target's own connection: its WAL and locks stay consistent
        _sqlite_copy(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True),
                     sqlite3.connect(target_path, timeout=30), "The restored SQLite database")
    else:
        uri, env = pg_connection()
        _run([pg_program(app, "pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--no-password", f"--dbname={uri}", str(source)],
             env, "pg_restore")

    staging = storage.staging_folder() or Path(tempfile.gettempdir())
    staging.mkdir(parents=True, exist_ok=True)
    entries = {entry["path"]: entry for entry in manifest["files"]}
    for name, entry in entries.items():
        if not name.startswith(f"{EVIDENCE}/"):
            continue
        target = PurePosixPath(name).name
        partial = staging / f".{target}.restore"
        digest = hashlib.sha256()
        with open(path / name, "rb") as reader_file, open(partial, "wb") as out:
            while chunk := reader_file.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != entry["sha256"]:  # changed between the check and the copy
            partial.unlink()
            raise RestoreRefused(f"{name} changed while it was being restored.")
        storage.put(target, partial)

    db.engine.dispose()
    db.session.remove()
    report = verify_all(app.config["AUDIT_KEY"], storage)
    db.session.remove()
    head, counts = current_facts()
    mismatches = []
    if head != manifest.get("audit_head"):
        mismatches.append(f"audit head is {head}, the manifest says {manifest.get('audit_head')}")
    expected = manifest.get("counts") or {}
    for table in sorted(set(expected) | set(counts)):
        if expected.get(table) != counts.get(table):
            mismatches.append(f"table {table}: {counts.get(table)} rows, the manifest says {expected.get(table)}")
    return RestoreResult(manifest=manifest, report=report, counts=counts, head=head, mismatches=mismatches)


# -- commands ------------------------------------------------------------------------------------------------

def init_app(app: Flask) -> None:
    @app.cli.command("backup")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    def backup_command(path):
        """Back up the database and every evidence file into the directory PATH (a plain directory, not an
        archive; created, or empty; an existing non-empty PATH is refused). SQLite is copied with the online
        backup API, PostgreSQL with pg_dump --format=custom. PATH/manifest.json lists every file with its SHA-256
        and size, the audit chain head and the row counts, signed with an HMAC under the audit key. The key is not
        in the backup: restoring needs the same key. The backup holds password hashes: keep it private."""
        with app.app_context():
            try:
                result = backup(app, path)
            except BackupError as exc:
                raise click.ClickException(str(exc)) from exc
        manifest = result.manifest
        head = manifest["audit_head"]
        click.echo(f"Backup written to {path}: {manifest['database']['kind']} database, "
                   f"{manifest['evidence_files']} evidence files, {sum(manifest['counts'].values())} rows, "
                   f"audit chain head {head['last_seq']} ({head['last_hash'][:16]}…).")

    @app.cli.command("restore")
    @click.argument("path", type=click.Path(file_okay=False, path_type=Path))
    @click.option("--force", is_flag=True,
                  help="Replace the content of a non-empty database (and restore into a non-empty evidence folder).")
    def restore_command(path, force):
        """Restore a backup directory written by `backup` into the configured database and evidence folder.
        First checks the manifest's HMAC (same audit key) and every file's size and SHA-256, and refuses (exit 1)
        when anything does not match; refuses a non-empty database unless --force. SQLite is copied into the
        configured file, PostgreSQL restored with pg_restore --clean --if-exists. Then verifies the audit trail,
        seals and files, and compares the chain head and row counts with the manifest: exit 0 only when all hold."""
        with app.app_context():
            try:
                result = restore(app, path, force=force)
            except RestoreRefused as exc:
                lines = [f"Refusing to restore {path}: {exc}"] + [f"  - {problem}" for problem in exc.problems]
                click.echo("\n".join(lines), err=True)
                sys.exit(1)
            except BackupError as exc:
                raise click.ClickException(str(exc)) from exc
        click.echo(f"Restored {result.manifest['database']['kind']} database from {path} (made "
                   f"{result.manifest['created_at']}): {sum(result.counts.values())} rows, "
                   f"{result.manifest['evidence_files']} evidence files, audit chain head {result.head['last_seq']}.")
        report = result.report
        if report.ok:
            click.echo(f"Audit trail intact: {report.events} events, seals and files verified.")
        else:
            click.echo(f"Audit trail NOT intact: first bad sequence number {report.seq}, kind {report.kind}: "
                       f"{report.detail}", err=True)
        for mismatch in result.mismatches:
            click.echo(f"Does not match the manifest: {mismatch}", err=True)
        sys.exit(0 if result.ok else 1)
