"""`flask backup PATH` and `flask restore PATH`: a backup restored into a fresh database and evidence folder shows
the same rows and verifies; a backup that does not match its manifest is refused before anything is changed.

On SQLite the restore goes into a new database file; on PostgreSQL (the `-m db` run) into a new database on the
same server, created and dropped by the test (pg_dump / pg_restore from PATH or /usr/lib/postgresql/15/bin).
"""

from __future__ import annotations

import io
import json
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from registry import backup as backup_module
from registry import create_app
from registry.extensions import db as _db
from registry.models import EvidenceFile, Task, TaskState
from registry.services import evidence, progress
from registry.services.verify import verify_all

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(17)


@pytest.fixture
def history(app, db, world, make_task, make_reviewed_task, tmp_path, monkeypatch):
    """A small committed history: a reviewed (sealed) task, an approved task with two evidence files, a draft."""
    folder = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(folder))
    make_reviewed_task()
    task = make_task(TaskState.APPROVED, title="Cải tạo chợ Thụy Khuê")
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Khảo sát 120 hộ kinh doanh", "status": "on_track",
        "values": {str(task.indicators[0].id): 12}})
    store = evidence.EvidenceStore(folder, app.config["MAX_EVIDENCE_BYTES"])
    evidence.attach_evidence(world.owner, note, io.BytesIO(PDF), "Biên bản khảo sát.pdf", store)
    evidence.attach_evidence(world.owner, note, io.BytesIO(PNG), "Ảnh hiện trạng.png", store)
    make_task(title="Việc còn nháp")
    db.session.commit()
    assert verify_all(app.config["AUDIT_KEY"], folder).ok
    return folder


@pytest.fixture
def make_target(app, tmp_path):
    """``make_target()``: a second application on a fresh, empty database (a new SQLite file, or a new
    PostgreSQL database on the test server) and a new evidence folder, with the same audit key."""
    made, databases = [], []
    source = make_url(app.config["SQLALCHEMY_DATABASE_URI"])

    def make():
        n = len(made) + 1
        if source.get_backend_name() == "postgresql":
            name = f"registry_restore_{uuid.uuid4().hex[:12]}"
            admin = create_engine(source, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            admin.dispose()
            databases.append(name)
            url = source.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{tmp_path / f'restored-{n}.sqlite3'}"
        target = create_app({"TESTING": True, "SECRET_KEY": "test", "AUDIT_KEY": app.config["AUDIT_KEY"],
                             "SQLALCHEMY_DATABASE_URI": url, "EVIDENCE_DIR": str(tmp_path / f"restored-{n}")})
        made.append(target)
        return target

    yield make
    for target in made:
        with target.app_context():
            _db.session.remove()
            _db.engine.dispose()
    if databases:
        admin = create_engine(source, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in databases:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def run(target_app, *args):
    return target_app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def facts(target_app):
    """(audit head, row counts, task titles and states) of an application's database."""
    with target_app.app_context():
        head, counts = backup_module.current_facts()
        tasks = [(t.title, t.state.value) for t in _db.session.scalars(select(Task).order_by(Task.id))]
        _db.session.remove()
    return head, counts, tasks


@pytest.fixture
def made_backup(app, history, tmp_path):
    path = tmp_path / "backup"
    result = run(app, "backup", path)
    assert result.exit_code == 0, result.output
    return path


def target_untouched(target_app) -> bool:
    with target_app.app_context():
        empty = backup_module.database_is_empty()
        _db.session.remove()
    folder = Path(target_app.config["EVIDENCE_DIR"])
    return empty and not (folder.exists() and any(folder.iterdir()))


# -- backup -------------------------------------------------------------------------------------------------

def test_the_backup_lists_every_file_with_its_hash_and_the_chain_head(app, history, made_backup):
    manifest = json.loads((made_backup / "manifest.json").read_text(encoding="utf-8"))
    kind = _db.engine.dialect.name
    head, counts, _ = facts(app)
    assert manifest["database"]["kind"] == kind
    assert manifest["audit_head"] == head and head["last_seq"] > 0
    assert manifest["counts"] == counts and counts["evidence_files"] == 2
    stored = {f"evidence/{row.stored_name}": row.sha256 for row in _db.session.scalars(select(EvidenceFile))}
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == {manifest["database"]["file"], *stored}
    for name, sha in stored.items():
        assert listed[name]["sha256"] == sha and listed[name]["size"] == (made_backup / name).stat().st_size
    assert manifest["hmac"] == backup_module.sign_manifest(manifest, app.config["AUDIT_KEY"])
    assert "created_at" in manifest
    assert "sqlite" in manifest["database"]["file"] or kind == "postgresql"


def test_backup_refuses_an_existing_non_empty_path(app, history, made_backup, tmp_path):
    before = sorted(p.name for p in made_backup.rglob("*"))
    result = run(app, "backup", made_backup)
    assert result.exit_code == 1
    assert "refusing to overwrite" in result.output
    assert sorted(p.name for p in made_backup.rglob("*")) == before
    (tmp_path / "empty").mkdir()
    assert run(app, "backup", tmp_path / "empty").exit_code == 0  # an empty directory is fine


# -- restore ------------------------------------------------------------------------------------------------

def test_a_backup_restored_into_a_fresh_database_shows_the_same_data_and_verifies(app, made_backup, make_target):
    target = make_target()
    result = run(target, "restore", made_backup)
    assert result.exit_code == 0, result.output
    assert "Audit trail intact" in result.output
    assert facts(target) == facts(app)
    with target.app_context():
        assert verify_all(target.config["AUDIT_KEY"], Path(target.config["EVIDENCE_DIR"])).ok
        _db.session.remove()
    restored = sorted(p.name for p in Path(target.config["EVIDENCE_DIR"]).iterdir())
    assert restored == sorted(p.name for p in Path(app.config["EVIDENCE_DIR"]).iterdir())
    assert run(target, "audit", "verify").exit_code == 0
    with target.app_context():  # the append-only triggers came across with the schema
        with pytest.raises(Exception, match="append-only"):
            _db.session.execute(text("UPDATE audit_events SET action = 'x'"))
        _db.session.rollback()
        _db.session.remove()


def test_restore_refuses_a_non_empty_database_unless_forced(app, made_backup, make_target):
    target = make_target()
    assert run(target, "restore", made_backup).exit_code == 0
    again = run(target, "restore", made_backup)
    assert again.exit_code == 1
    assert "not empty" in again.output and "--force" in again.output
    forced = run(target, "restore", made_backup, "--force")
    assert forced.exit_code == 0, forced.output
    assert facts(target) == facts(app)


def _flip_byte(path: Path, at: float = 0.5) -> None:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x01
    path.write_bytes(bytes(data))


def _tamper_database(path):
    manifest = json.loads((path / "manifest.json").read_text())
    _flip_byte(path / manifest["database"]["file"])


def _first_evidence(path) -> Path:
    return min((path / "evidence").iterdir())


def _change_evidence(path):
    _flip_byte(_first_evidence(path), 0.9)


def _remove_evidence(path):
    _first_evidence(path).unlink()


def _remove_database(path):
    manifest = json.loads((path / "manifest.json").read_text())
    (path / manifest["database"]["file"]).unlink()


def _edit_manifest(path):
    """Change a file and write its new hash into the manifest, as someone without the audit key could."""
    manifest = json.loads((path / "manifest.json").read_text())
    target = _first_evidence(path)
    _flip_byte(target, 0.9)
    entry = next(e for e in manifest["files"] if e["path"] == f"evidence/{target.name}")
    entry["sha256"] = backup_module.file_digest(target)[0]
    (path / "manifest.json").write_text(json.dumps(manifest))


def _edit_manifest_head(path):
    manifest = json.loads((path / "manifest.json").read_text())
    manifest["audit_head"]["last_seq"] -= 1
    (path / "manifest.json").write_text(json.dumps(manifest))


def _remove_manifest(path):
    (path / "manifest.json").unlink()


def _add_file(path):
    (path / "evidence" / ("0" * 32)).write_bytes(PDF)


TAMPERING = {
    "database byte changed": (_tamper_database, "SHA-256 does not match"),
    "evidence file changed": (_change_evidence, "SHA-256 does not match"),
    "evidence file removed": (_remove_evidence, "missing"),
    "database file removed": (_remove_database, "missing"),
    "manifest edited to match a changed file": (_edit_manifest, "HMAC does not match"),
    "manifest chain head edited": (_edit_manifest_head, "HMAC does not match"),
    "manifest removed": (_remove_manifest, "no manifest.json"),
    "file added": (_add_file, "not listed in the manifest"),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_restore_refuses_a_backup_that_does_not_match_its_manifest(app, made_backup, make_target, tmp_path, case):
    tamper, message = TAMPERING[case]
    copy = tmp_path / "tampered"
    shutil.copytree(made_backup, copy)
    tamper(copy)
    target = make_target()
    result = run(target, "restore", copy, "--force")
    assert result.exit_code == 1, result.output
    assert "Refusing to restore" in result.output and message in result.output
    assert target_untouched(target)


def test_restore_refuses_a_backup_made_with_another_key(app, made_backup, make_target):
    target = make_target()
    target.config["AUDIT_KEY"] = "another-audit-key"
    result = run(target, "restore", made_backup)
    assert result.exit_code == 1
    assert "HMAC does not match" in result.output
    assert target_untouched(target)


def test_restore_fails_when_the_restored_system_does_not_verify(app, history, make_target, tmp_path):
    """A backup of a damaged installation (an evidence file lost before the backup) restores, but says so."""
    next(p for p in history.iterdir() if p.is_file()).unlink()
    path = tmp_path / "backup"
    assert run(app, "backup", path).exit_code == 0
    target = make_target()
    result = run(target, "restore", path)
    assert result.exit_code == 1
    assert "NOT intact" in result.output and "file_missing" in result.output


def test_the_help_says_path_is_a_directory(app):
    assert "directory" in run(app, "backup", "--help").output
    assert "--force" in run(app, "restore", "--help").output
