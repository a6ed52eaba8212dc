"""Evidence storage past one machine: the same store contract for a folder and an S3-compatible bucket (a real
moto server in a subprocess), and evidence through the pages and the API with the bucket configured: the same
type and size checks, nothing kept on refusal or rollback, streamed downloads, audit verification, backup."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from registry.backup import backup
from registry.models import EvidenceFile, TaskState
from registry.services import evidence as evidence_service
from registry.services import progress
from registry.services.errors import ValidationFailed
from registry.services.evidence import PDF, EvidenceStore
from registry.services.verify import verify_all
from registry.storage import (
    LocalStorage,
    S3Storage,
    StorageError,
    as_storage,
    file_storage,
    storage_from_url,
)
from tests.s3_server import free_port, s3_bucket, s3_server  # noqa: F401  - fixtures
from tests.test_api_contract import api_as, token_for  # noqa: F401  - fixtures
from tests.test_backup import history, made_backup, make_target, run  # noqa: F401  - fixtures
from tests.test_progress_evidence import PDF_BYTES, office_file

S = TaskState


# -- the store contract, for both kinds ------------------------------------------------------------------------

@pytest.fixture(params=["folder", "s3"])
def storage(request, tmp_path):
    if request.param == "folder":
        return LocalStorage(tmp_path / "store")
    server = request.getfixturevalue("s3_server")
    return storage_from_url(f"s3://{server.new_bucket()}/ev", config=server.config("unused"))


def staged(storage, tmp_path: Path, content: bytes) -> Path:
    folder = storage.staging_folder() or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".upload.part"
    path.write_bytes(content)
    return path


def test_put_open_list_delete(storage, tmp_path):
    assert list(storage.names()) == [] and not storage.exists("a" * 32)
    big = bytes(range(256)) * 8192  # 2 MiB, read back in pieces
    source = staged(storage, tmp_path, big)
    storage.put("a" * 32, source)
    assert not source.exists(), "the staged upload is consumed"
    storage.write_bytes("b" * 32, b"small")
    assert list(storage.names()) == ["a" * 32, "b" * 32]
    assert storage.exists("a" * 32)
    pieces = list(storage.chunks("a" * 32, size=64 * 1024))
    assert len(pieces) == 32 and b"".join(pieces) == big
    with storage.open("b" * 32) as handle:
        assert handle.read(2) == b"sm" and handle.read() == b"all"
    storage.delete("a" * 32)
    storage.delete("a" * 32)  # a second time: nothing to do
    assert list(storage.names()) == ["b" * 32] and not storage.exists("a" * 32)


def test_a_missing_file_is_file_not_found(storage):
    with pytest.raises(FileNotFoundError):
        storage.open("0" * 32)
    with pytest.raises(FileNotFoundError):
        storage.chunks("0" * 32)


@pytest.mark.parametrize("name", ["../secret", "a/b", ".hidden", "", "a\\b"])
def test_names_cannot_leave_the_store(storage, name):
    with pytest.raises(ValueError):
        storage.exists(name)
    with pytest.raises(ValueError):
        storage.write_bytes(name, b"x")


def test_s3_lists_only_its_own_prefix(s3_server, s3_bucket):  # noqa: F811
    client = s3_server.client()
    for key in ("ev/" + "1" * 32, "other/" + "2" * 32, "ev/nested/" + "3" * 32, "ev/.partial"):
        client.put_object(Bucket=s3_bucket, Key=key, Body=b"x")
    store = storage_from_url(f"s3://{s3_bucket}/ev/", config=s3_server.config(s3_bucket))
    assert list(store.names()) == ["1" * 32]


def test_storage_urls():
    assert isinstance(storage_from_url(None, "/srv/evidence"), LocalStorage)
    assert storage_from_url("file:///srv/shared%20evidence").folder == Path("/srv/shared evidence")
    store = storage_from_url("s3://bucket/some/prefix", config={"S3_REGION": "us-east-1",
                                                                "S3_ENDPOINT_URL": "http://127.0.0.1:1"})
    assert isinstance(store, S3Storage) and store.bucket == "bucket" and store.key("f" * 32) == \
        "some/prefix/" + "f" * 32
    assert storage_from_url("s3://bucket", config={"S3_REGION": "us-east-1"}).key("f" * 32) == "f" * 32
    with pytest.raises(StorageError):
        storage_from_url("ftp://host/folder")
    with pytest.raises(StorageError):
        storage_from_url("s3:///prefix", config={})
    with pytest.raises(StorageError):
        storage_from_url(None, None)
    assert isinstance(as_storage("/tmp/x"), LocalStorage)


def test_the_folder_is_the_default_and_the_url_wins(app, tmp_path, monkeypatch, s3_server, s3_bucket):  # noqa: F811
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "ev"))
    assert file_storage(app.config).folder == tmp_path / "ev"
    for key, value in s3_server.config(s3_bucket).items():
        monkeypatch.setitem(app.config, key, value)
    store = EvidenceStore.from_config(app.config)
    assert isinstance(store.storage, S3Storage) and store.storage.bucket == s3_bucket
    with pytest.raises(AttributeError):
        store.path_of(None)


# -- evidence kept in the bucket ---------------------------------------------------------------------------------

@pytest.fixture
def bucket(app, monkeypatch, tmp_path, s3_server, s3_bucket):  # noqa: F811
    """The app keeps evidence in a fresh bucket; the folder setting points where nothing may appear."""
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "must-stay-empty"))
    for key, value in s3_server.config(s3_bucket).items():
        monkeypatch.setitem(app.config, key, value)
    return s3_bucket


@pytest.fixture
def note(frozen_now, make_task, world, db, bucket):
    frozen_now(datetime(2026, 3, 15, 3, tzinfo=timezone.utc))
    task = make_task(S.APPROVED)
    note = progress.add_progress_note(world.owner, task, 1, {
        "work_done": "Đối thoại với 22 hộ.", "values": {task.indicators[0].id: 22}, "status": "on_track"})
    db.session.commit()
    return note


def large_docx() -> bytes:
    """A real DOCX of about 3 MB (an uncompressed picture inside), several pieces of a streamed download."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        with zipfile.ZipFile(io.BytesIO(office_file("docx"))) as small:
            for name in small.namelist():
                archive.writestr(name, small.read(name))
        archive.writestr("word/media/image1.png", os.urandom(3 * 1024 * 1024))
    return buffer.getvalue()


def upload(client, note, content: bytes, name: str):
    # encoded in memory: the test client would spool a large body to a temporary file it never closes
    boundary, body = encode_multipart({"file": FileStorage(io.BytesIO(content), filename=name)})
    return client.post(f"/notes/{note.id}/files", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def rows(db) -> list[EvidenceFile]:
    db.session.expire_all()
    return db.session.scalars(select(EvidenceFile)).all()


def test_upload_to_the_bucket_and_download_streamed(note, world, login_as, db, bucket, s3_server, tmp_path):  # noqa: F811
    content = large_docx()
    client = login_as(world.owner)
    response = upload(client, note, content, "Biên bản.docx")
    assert response.status_code == 302
    [row] = rows(db)
    assert row.content_type == evidence_service.DOCX and row.size_bytes == len(content)
    assert s3_server.keys(bucket) == [f"evidence/{row.stored_name}"]
    stored = s3_server.client().get_object(Bucket=bucket, Key=f"evidence/{row.stored_name}")["Body"].read()
    assert stored == content
    assert not (tmp_path / "must-stay-empty").exists()

    download = client.get(f"/files/{row.id}")
    assert download.status_code == 200 and download.is_streamed
    assert download.headers["Content-Length"] == str(len(content))
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["Content-Type"] == evidence_service.DOCX
    assert "private" in download.headers["Cache-Control"]
    assert download.get_data() == content
    download.close()


def test_the_api_downloads_from_the_bucket(note, world, api_as, db, bucket):  # noqa: F811
    owner = api_as(world.owner)
    response = owner.post(f"notes/{note.id}/files", data={"file": (io.BytesIO(PDF_BYTES), "a.pdf")},
                          content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    file_id = response.get_json()["id"]
    with api_as(world.monitor).get(f"files/{file_id}/content") as download:
        assert download.status_code == 200 and download.get_data() == PDF_BYTES
        assert download.mimetype == PDF and download.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("content,name,status", [
    (b"<html><script>alert(1)</script></html>", "evil.pdf", 422),
    (b"", "empty.pdf", 422),
    (PDF_BYTES + bytes(4096), "lon.pdf", 413),
])
def test_refused_files_reach_no_bucket(content, name, status, note, world, login_as, db, app, bucket, s3_server,  # noqa: F811
                                       monkeypatch):
    monkeypatch.setitem(app.config, "MAX_EVIDENCE_BYTES", 1024)
    response = upload(login_as(world.owner), note, content, name)
    assert response.status_code == status
    assert s3_server.keys(bucket) == [] and rows(db) == []


def test_a_rolled_back_upload_is_deleted_from_the_bucket(note, world, login_as, db, bucket, s3_server,  # noqa: F811
                                                          monkeypatch):
    def refuse(*args, **kwargs):
        raise ValidationFailed({"file": ["refused after storing"]})

    monkeypatch.setattr(evidence_service, "record_event", refuse)  # fails after the object is stored
    response = upload(login_as(world.owner), note, PDF_BYTES, "a.pdf")
    assert response.status_code == 422
    assert s3_server.keys(bucket) == [] and rows(db) == []


def test_an_unreachable_bucket_is_503_and_keeps_nothing(note, world, login_as, db, app, monkeypatch, tmp_path):
    monkeypatch.setitem(app.config, "S3_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))  # where the upload is staged
    client = login_as(world.owner)
    response = upload(client, note, PDF_BYTES, "a.pdf")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Không kết nối được kho lưu tệp" in page and "Traceback" not in page
    assert rows(db) == [] and not (tmp_path / "must-stay-empty").exists()
    assert list((tmp_path / "tmp").iterdir()) == [], "the temporary copy is removed"


def test_a_missing_object_is_404(note, world, login_as, db, bucket, s3_server):  # noqa: F811
    client = login_as(world.owner)
    assert upload(client, note, PDF_BYTES, "a.pdf").status_code == 302
    [row] = rows(db)
    s3_server.client().delete_object(Bucket=bucket, Key=f"evidence/{row.stored_name}")
    assert client.get(f"/files/{row.id}").status_code == 404


def test_verify_reads_the_bucket(note, world, db, app, bucket, s3_server):  # noqa: F811
    store = EvidenceStore.from_config(app.config)
    row = evidence_service.attach_evidence(world.owner, note, io.BytesIO(PDF_BYTES), "a.pdf", store)
    db.session.commit()
    assert verify_all(app.config["AUDIT_KEY"], store.storage).ok
    key = f"evidence/{row.stored_name}"
    s3_server.client().put_object(Bucket=bucket, Key=key, Body=PDF_BYTES + b"changed")
    report = verify_all(app.config["AUDIT_KEY"], file_storage(app.config))
    assert not report.ok and report.kind == "file_changed"
    s3_server.client().delete_object(Bucket=bucket, Key=key)
    assert verify_all(app.config["AUDIT_KEY"], file_storage(app.config)).kind == "file_missing"


def test_backup_copies_the_bucket(note, world, db, app, bucket, tmp_path):  # noqa: F811
    store = EvidenceStore.from_config(app.config)
    stored_name = evidence_service.attach_evidence(world.owner, note, io.BytesIO(PDF_BYTES), "a.pdf",
                                                   store).stored_name
    db.session.commit()
    result = backup(app, tmp_path / "backup")
    copied = tmp_path / "backup" / "evidence" / stored_name
    assert copied.read_bytes() == PDF_BYTES
    entry = next(f for f in result.manifest["files"] if f["path"] == f"evidence/{stored_name}")
    assert entry["sha256"] == hashlib.sha256(PDF_BYTES).hexdigest()


def test_a_folder_backup_restores_into_a_bucket(app, made_backup, make_target, s3_server, s3_bucket):  # noqa: F811
    """Moving an installation from a folder to a bucket: back up, restore with the bucket configured."""
    target = make_target()
    target.config.update(s3_server.config(s3_bucket))
    result = run(target, "restore", made_backup)
    assert result.exit_code == 0, result.output
    assert "Audit trail intact" in result.output
    folder_names = sorted(p.name for p in Path(app.config["EVIDENCE_DIR"]).iterdir())
    assert len(folder_names) == 2
    assert s3_server.keys(s3_bucket) == [f"evidence/{name}" for name in folder_names]
    assert not Path(target.config["EVIDENCE_DIR"]).exists(), "nothing restored into the folder"
    assert run(target, "audit", "verify").exit_code == 0
    again = run(target, "restore", made_backup, "--force")
    assert again.exit_code == 0, again.output
    s3_server.client().delete_object(Bucket=s3_bucket, Key=f"evidence/{folder_names[0]}")
    assert run(target, "audit", "verify").exit_code == 1
