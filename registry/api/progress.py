"""Quarterly progress notes (Form B) and evidence files through the API.

The same checks as the pages (``registry.blueprints.progress.views``): notes and files are read by whoever
sees the task, written by its owner (``can_report``); the windows and states are the service's
(``require_reporting``, ``require_editable``, ``require_amendable``, ``require_unlocked``). A note's PATCH carries
its ETag in ``If-Match``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.http import quote_etag

from registry import policy
from registry.api import schemas
from registry.api.auth import api_actor
from registry.api.common import api_blueprint, guarded, operation, party, precondition, task_rows
from registry.api.errors import documented
from registry.extensions import db
from registry.models import EvidenceFile, ProgressNote, Task
from registry.services import progress as progress_service
from registry.services.audit import canonical_json
from registry.services.evidence import ALLOWED_TYPES, EvidenceStore, attach_evidence
from registry.policy import require_unlocked
from registry.storage import send_stored
from registry.text import attachment_names

blp = api_blueprint("api_progress", __name__, "/api/v1",
                    "Quarterly progress notes (Form B), their amendments and evidence files.")

NOTE_IF_MATCH = {"name": "If-Match", "in": "header", "schema": {"type": "string"},
                 "description": "The note's ETag, as returned by GET. Required for PATCH (428 without it, 412 when "
                                "the note changed since); optional for an amendment, checked when given."}
NOTE_ETAG = {"ETag": {"description": "The note's current version", "schema": {"type": "string"}}}
BINARY = {"schema": {"type": "string", "format": "binary"}}


# -- helpers ------------------------------------------------------------------------------------------------------

def _store() -> EvidenceStore:
    return EvidenceStore.from_config(current_app.config)


def note_etag(note: ProgressNote) -> str:
    """The note's entity tag: its version counter and a digest of its content (indicator values included)."""
    content = canonical_json({"quarter": note.quarter, **progress_service.note_snapshot(note)})
    return f"{note.version}-{hashlib.sha256(content.encode('utf-8')).hexdigest()[:12]}"


def _done(note: ProgressNote, status: int = 200, **headers: str):
    return note, status, {"ETag": quote_etag(note_etag(note)), **headers}


def _visible_note(note_id: int) -> ProgressNote:
    """The note, if the token's person may see its task (else 403), or 404."""
    note = db.get_or_404(ProgressNote, note_id)
    policy.require_party(api_actor(), "view", note.task)
    return note


def _own_note(note_id: int) -> ProgressNote:
    """The note, if the token's person writes its task's notes (else 403), or 404: as the pages check."""
    note = db.get_or_404(ProgressNote, note_id)
    policy.require_party(api_actor(), "amend_note", note.task)
    return note


def _check_if_match(note: ProgressNote, *, required: bool) -> Any:
    return precondition(note_etag(note), required=required,
                        missing=_("Send the note's ETag in an If-Match header."),
                        stale=_("The note was changed since you read it: fetch it again."))


def _task(task_id: int) -> Task:
    return db.get_or_404(Task, task_id)


def note_action(*checks, if_match_required: bool | None = None):
    """The note, if the token's person writes its task's notes (403), or 404; then ``checks`` of the note
    (the window: 409) and, unless ``if_match_required`` is None, its If-Match precondition (428, 412)."""
    if_match = None if if_match_required is None else (
        lambda note: _check_if_match(note, required=if_match_required))
    return guarded(_own_note, *(lambda actor, note, check=check: check(note) for check in checks),
                   if_match=if_match, name="note")


def note_post(path: str, check, body, *, if_match_required: bool = False, status: int = 200,
              method: str = "POST"):
    """A change of a note's content (``note_action``) taking ``body``, answering with the note and its ETag."""
    return operation(blp, path, note_action(check, if_match_required=if_match_required), body=body,
                     response=schemas.NoteSchema, status=status, headers=NOTE_ETAG, method=method,
                     parameters=[{**NOTE_IF_MATCH, "required": True} if if_match_required else NOTE_IF_MATCH],
                     codes=(400, 403, 404, 409, 412, 413, *((428,) if if_match_required else ())))


def _current_values(note: ProgressNote) -> dict[str, Any]:
    """The note as service input, for a partial change to start from."""
    data: dict[str, Any] = {name: getattr(note, name) for name in progress_service.TEXT_FIELDS}
    data["status"] = note.status
    data["percent_complete"] = None if note.is_percent_derived else note.percent_complete
    data["values"] = {str(v.indicator_id): v.value for v in note.values}
    return data


def _changed(note: ProgressNote, data: dict[str, Any]) -> dict[str, Any]:
    """The note's values with the fields given replaced (``values`` per indicator)."""
    current = _current_values(note)
    values = {**current["values"], **data.pop("values", {})}
    return {**current, **data, "values": values}


def _visible_file(file_id: int) -> EvidenceFile:
    """The file, if the token's person may see its task (else 403), or 404: the page's download check."""
    evidence = db.get_or_404(EvidenceFile, file_id)
    policy.require_party(api_actor(), "view", db.get_or_404(Task, evidence.task_id))
    return evidence


# -- notes --------------------------------------------------------------------------------------------------------

@blp.route("/tasks/<id:task_id>/notes")
@blp.response(200, schemas.NoteListSchema)
@documented(blp, 403, 404)
def list_notes(task_id: int):
    """The task's progress notes by quarter, with their files and amendments"""
    return task_rows(task_id, ProgressNote, ProgressNote.quarter, selectinload(ProgressNote.values),
                     selectinload(ProgressNote.files), selectinload(ProgressNote.amendments))


@blp.route("/tasks/<id:task_id>/notes", methods=["POST"])
@blp.arguments(schemas.NoteCreateInput)
@guarded(_task, party("report"), lambda actor, task: progress_service.require_reporting(task))
@blp.response(201, schemas.NoteSchema, headers=NOTE_ETAG)
@documented(blp, 400, 403, 404, 409, 413)
def create_note(data: dict[str, Any], task: Task):
    """Write the note of a quarter (the owner)

    409 before the quarter begins, for a quarter that already has a note, or when the task is not approved or
    under way. The first note puts an approved task in progress.
    """
    quarter = data.pop("quarter")
    note = progress_service.add_progress_note(api_actor(), task, quarter, data)
    return _done(note, 201, Location=url_for("api_progress.get_note", note_id=note.id))


@blp.route("/notes/<id:note_id>")
@blp.response(200, schemas.NoteSchema, headers=NOTE_ETAG)
@documented(blp, 403, 404)
def get_note(note_id: int):
    """One progress note with its files and amendments"""
    return _done(_visible_note(note_id))


@note_post("/notes/<id:note_id>", progress_service.require_editable, schemas.NoteFieldsInput,
           if_match_required=True, method="PATCH")
def update_note(data: dict[str, Any], note: ProgressNote):
    """Edit a note while its editing window is open (the owner)

    The window closes at the quarter's deadline plus the year's grace days; after that the answer is 409 and
    the correction is an amendment. Fields not given keep their values.
    """
    progress_service.update_progress_note(api_actor(), note, _changed(note, data))
    return _done(note)


@note_post("/notes/<id:note_id>/amendments", progress_service.require_amendable, schemas.AmendmentInput,
           status=201)
def amend_note(data: dict[str, Any], note: ProgressNote):
    """Correct a note after its editing window, with a reason (the owner)

    409 while the note can still be edited. The values before stay recorded in the note's amendments; fields
    not given keep their values.
    """
    reason = data.pop("reason", "")
    progress_service.amend_progress_note(api_actor(), note, reason, _changed(note, data))
    return _done(note, 201, Location=url_for("api_progress.get_note", note_id=note.id))


# -- evidence -------------------------------------------------------------------------------------------------------

@blp.route("/notes/<id:note_id>/files", methods=["POST"])
@blp.arguments(schemas.UploadInput, location="files")
@note_action(lambda note: require_unlocked(note.task))
@blp.response(201, schemas.EvidenceFileSchema)
@documented(blp, 403, 404, 409, 413)
def upload_file(data: dict[str, Any], note: ProgressNote):
    """Attach an evidence file to a note (the owner)

    Sent as `multipart/form-data` with the field `file`. The content decides the type (PDF, JPEG, PNG, DOCX,
    XLSX, ODT); 413 above the size limit.
    """
    upload = data["file"]
    evidence = attach_evidence(api_actor(), note, upload.stream, upload.filename, _store())
    return evidence, 201, {"Location": url_for("api_progress.get_file", file_id=evidence.id)}


@blp.route("/files/<id:file_id>")
@blp.response(200, schemas.EvidenceFileSchema)
@documented(blp, 403, 404)
def get_file(file_id: int):
    """An evidence file's name, size, type and SHA-256"""
    return _visible_file(file_id)


@blp.route("/files/<id:file_id>/content")
@blp.doc(responses={"200": {"description": "The file, as an attachment under its uploaded name",
                            "content": {content_type: BINARY for content_type in ALLOWED_TYPES}}})
@documented(blp, 403, 404)
def get_file_content(file_id: int):
    """Download an evidence file (whoever sees the task, as on the pages)"""
    evidence = _visible_file(file_id)
    response = send_stored(_store().storage, evidence.stored_name, download_name=evidence.original_name,
                           mimetype=evidence.content_type, size=evidence.size_bytes)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(evidence.original_name))
    response.cache_control.private = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
