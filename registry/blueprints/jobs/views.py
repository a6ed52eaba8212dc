"""A background job's page (progress bar, then the download link or the reason it failed), its state as JSON for
``static/job-status.js``, and its result file: all for the person who asked for it alone."""

from __future__ import annotations

from datetime import datetime

from flask import abort, jsonify, render_template, send_file, url_for
from flask_login import current_user

from registry import policy
from registry.blueprints.jobs import bp
from registry.services import jobs
from registry.text import attachment_names


def _load(job_id: str) -> jobs.JobRecord:
    """The job, or 404; 403 (logged) unless the signed-in person asked for it."""
    record = jobs.get_job(job_id)
    if record is None:
        abort(404)
    policy.require_can(current_user, "view_job", record)
    return record


def _state(record: jobs.JobRecord) -> dict:
    return {"state": record.state, "progress": record.progress, "note": record.note, "summary": record.summary,
            "error": record.error, "finished": record.is_finished,
            "download": url_for("jobs.download", job_id=record.id) if record.file else None}


@bp.route("/jobs/<job_id>")
def show(job_id: str):
    record = _load(job_id)
    times = {name: datetime.fromisoformat(value) for name in ("created_at", "started_at", "finished_at")
             if (value := getattr(record, name))}
    return render_template("jobs/show.html", job=record, times=times, state=_state(record))


@bp.route("/jobs/<job_id>/status")
def status(job_id: str):
    return jsonify(_state(_load(job_id)))


@bp.route("/jobs/<job_id>/download")
def download(job_id: str):
    record = _load(job_id)
    path = jobs.job_files().open_path(record.file) if record.file else None
    if path is None:
        abort(404)
    response = send_file(path, mimetype=record.mimetype or "application/octet-stream", as_attachment=True,
                         download_name=record.filename or "download", max_age=0)
    response.headers.set("Content-Disposition", "attachment", **attachment_names(record.filename or "download"))
    return response
