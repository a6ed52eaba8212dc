"""Evidence files (minh chứng): checked by content, stored outside the web root under random names.

Where the bytes live (a local or shared folder, or an S3-compatible bucket: ``registry.storage``) and the size
limit are passed in by the caller (the views read them from config with ``EvidenceStore.from_config``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from registry import clock, policy
from registry.models import EvidenceFile, Person, ProgressNote, db
from registry.services.audit import record_event
from registry.services.errors import FieldErrors, ServiceError
from registry.storage import LocalStorage, Storage, StorageError, as_storage, file_storage

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ALLOWED_TYPES = {PDF: "PDF", JPEG: "JPEG", PNG: "PNG", DOCX: "DOCX", XLSX: "XLSX", ODT: "ODT"}


class FileTooLarge(ServiceError):
    """The upload exceeds the size limit (HTTP 413)."""

    status_code = 413


class StoreUnavailable(ServiceError):
    """The evidence store (shared folder, S3 bucket) cannot be written now (HTTP 503); nothing was kept."""

    status_code = 503


class EvidenceStore:
    """Where evidence lives (a ``Storage``, or a folder for a local one) and how large one file may be."""

    def __init__(self, storage: Storage | str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.storage = as_storage(storage)
        self.max_bytes = max_bytes

    @classmethod
    def from_config(cls, config) -> EvidenceStore:
        return cls(file_storage(config), config.get("MAX_EVIDENCE_BYTES", DEFAULT_MAX_BYTES))

    @property
    def folder(self) -> Path:
        """The folder of a local store."""
        if not isinstance(self.storage, LocalStorage):
            raise AttributeError("this evidence store is not a folder")
        return self.storage.folder

    def path_of(self, file: EvidenceFile) -> Path:
        """The file's path in a local store."""
        return self.folder / file.stored_name


@dataclass
class StoredFile:
    """A file stored for a transaction that may still roll back: the request's commit hook calls ``unlink``."""

    storage: Storage
    name: str

    def unlink(self, missing_ok: bool = True) -> None:
        try:
            self.storage.delete(self.name)
        except (OSError, StorageError) as exc:  # an orphan file harms nothing: no row names it
            log.warning("evidence store %r kept the rolled-back file %s: %s", self.storage, self.name, exc)


def detect_type(path: Path) -> str | None:
    """The allowed content type of the file at ``path`` judged by its bytes, or None."""
    with open(path, "rb") as handle:
        head = handle.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
                if "mimetype" in names and archive.read("mimetype")[:64].strip() == ODT.encode():
                    return ODT
        except (zipfile.BadZipFile, OSError, KeyError):
            return None
    return None


def safe_display_name(filename: str | None) -> str:
    """The uploaded name without any folder part or control characters, at most 255 characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if not name:
        name = "file"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 250 - len(ext)] + dot + ext) if dot and len(ext) < 10 else name[:255]
    return name


def attach_evidence(actor: Person, note: ProgressNote, stream: BinaryIO, filename: str | None,
                    store: EvidenceStore) -> EvidenceFile:
    """The owner attaches a file to a progress note. The content decides the type; the size is capped."""
    task = note.task
    policy.require(actor, "attach", task)
    storage = store.storage
    staging = storage.staging_folder()
    if staging is not None:
        staging.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    # written first to a file of its own (next to the target for a folder, so that storing it is a rename):
    # the type is judged from the whole file (a DOCX is known by its zip directory, at the end)
    if staging is not None:
        partial = staging / f".{stored_name}.part"
        out = open(partial, "xb")
    else:
        fd, partial_name = tempfile.mkstemp(prefix=f".{stored_name}.", suffix=".part")
        partial, out = Path(partial_name), os.fdopen(fd, "wb")
    digest, size = hashlib.sha256(), 0
    try:
        with out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > store.max_bytes:
                    raise FileTooLarge(_l("The file is larger than %(mb)d MB.", mb=store.max_bytes // (1024 * 1024)))
                digest.update(chunk)
                out.write(chunk)
        content_type = detect_type(partial)
        errors = FieldErrors()
        if size == 0:
            errors.add("file", _l("The file is empty."))
        elif content_type is None:
            errors.add("file", _l("Only PDF, JPEG, PNG, DOCX, XLSX and ODT files are accepted."))
        errors.raise_if_any()
        try:
            storage.put(stored_name, partial)
        except (OSError, StorageError) as exc:
            log.error("evidence store %r refused a file: %s", storage, exc)
            raise StoreUnavailable(_l("The file store cannot be reached. Try again in a few minutes.")) from exc
        # the request's commit hook deletes the file again if the transaction is rolled back
        db.session.info.setdefault("written_files", []).append(StoredFile(storage, stored_name))
    finally:
        partial.unlink(missing_ok=True)
    evidence = EvidenceFile(task_id=task.id, note=note, original_name=safe_display_name(filename),
                            stored_name=stored_name, size_bytes=size, content_type=content_type,
                            sha256=digest.hexdigest(), uploaded_by=actor, uploaded_at=clock.now())
    db.session.add(evidence)
    db.session.flush()
    record_event(actor, "evidence.attach", object_type="evidence_file", object_id=evidence.id, task=task,
                 after={"note_id": note.id, "quarter": note.quarter, "name": evidence.original_name,
                        "size": size, "type": content_type, "sha256": evidence.sha256})
    return evidence
