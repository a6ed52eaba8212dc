"""Background jobs: a unit's dossier and the mid-year snapshots through the queue, progress, a failure shown to the
person who asked (with nothing written), the result file for that person alone, and the synchronous paths when
the jobs are off. The queue here is in-process (``memory://``: the job runs when the request that asked for it
is over); tests/test_jobs_worker.py runs a real worker process."""

from __future__ import annotations

import re
import secrets

import pytest
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from registry import clock
from registry.models import AuditEvent, MidYearReview, TaskState
from registry.services import job_kinds, jobs
from registry.services.errors import Conflict


@pytest.fixture
def jobs_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    return app


def _job_id(response) -> str:
    assert response.status_code == 302, response.status_code
    match = re.search(r"/jobs/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def test_unit_dossier_export_runs_as_a_job_and_downloads_for_the_asker(jobs_on, world, login_as):
    client = login_as(world.standing)
    page = client.get(f"/units/{world.unit.id}/dossier").get_data(as_text=True)
    assert f'action="/units/{world.unit.id}/dossier.pdf/job"' in page  # the export is a form to the queue
    job_id = _job_id(client.post(f"/units/{world.unit.id}/dossier.pdf/job"))

    record = jobs.get_job(job_id)
    assert (record.state, record.progress, record.person_id, record.kind) == ("done", 100, world.standing.id,
                                                                              "dossier.unit")
    shown = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert 'value="100"' in shown and f'href="/jobs/{job_id}/download"' in shown
    assert client.get(f"/jobs/{job_id}/status").get_json() == {
        "state": "done", "progress": 100, "note": "", "summary": "Tệp đã sẵn sàng.", "error": "",
        "finished": True, "download": f"/jobs/{job_id}/download"}
    download = client.get(f"/jobs/{job_id}/download")
    data = download.get_data()
    download.close()  # the file is sent from disk
    assert download.status_code == 200 and data[:5] == b"%PDF-"
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert record.filename.endswith(".pdf") and world.unit.name in record.filename


@pytest.mark.parametrize("who", ["secretariat", "inspector", "owner"])
def test_nobody_but_the_asker_sees_or_downloads_a_job(jobs_on, world, login_as, client, who, caplog):
    asker = login_as(world.standing)
    job_id = _job_id(asker.post(f"/units/{world.unit.id}/dossier.docx/job"))
    download = asker.get(f"/jobs/{job_id}/download")
    download.get_data()
    download.close()
    assert download.status_code == 200
    other = login_as(getattr(world, who))  # the secretariat and inspector may read the dossier itself
    for path in (f"/jobs/{job_id}", f"/jobs/{job_id}/status", f"/jobs/{job_id}/download"):
        response = other.get(path)
        assert response.status_code == 403, path
        assert "DOCX" not in response.get_data(as_text=True)
    assert any("denied:" in r.getMessage() and "view_job" in r.getMessage() for r in caplog.records)


def test_unknown_or_malformed_job_ids_are_not_found(jobs_on, world, login_as):
    client = login_as(world.owner)
    for path in (f"/jobs/{secrets.token_hex(16)}", "/jobs/not-a-job", "/jobs/../etc/status"):
        assert client.get(path).status_code == 404, path


def test_anonymous_is_sent_to_sign_in(jobs_on, client):
    response = client.get(f"/jobs/{secrets.token_hex(16)}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_person_who_may_not_read_the_unit_cannot_queue_its_dossier(jobs_on, world, login_as):
    client = login_as(world.owner)
    assert client.post(f"/units/{world.unit.id}/dossier.pdf/job").status_code == 403


def test_midyear_snapshots_run_as_a_job_in_batches_with_progress(jobs_on, world, make_task, login_as, db,
                                                                 monkeypatch):
    tasks = [make_task(TaskState.APPROVED) for _ in range(5)]
    db.session.commit()
    monkeypatch.setattr(job_kinds, "MIDYEAR_BATCH", 2)
    seen = []
    save = jobs.save_record
    monkeypatch.setattr(jobs, "save_record", lambda record: (seen.append((record.state, record.progress)),
                                                            save(record)))
    client = login_as(world.secretariat)
    job_id = _job_id(client.post(f"/years/{world.year.id}/midyear"))

    record = jobs.get_job(job_id)
    assert record.state == "done", record.error
    assert record.summary == f"Sơ kết 6 tháng năm {world.year.year}: đã chốt số liệu 5 việc."
    running = [p for state, p in seen if state == "running"]
    assert running == sorted(running) and running[0] == 0 and 40 in running and 80 in running, running
    assert seen[-1] == ("done", 100)
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MidYearReview.id))) == len(tasks)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "midyear.snapshot")).all()
    assert len(events) == 5 and {e.actor_id for e in events} == {world.secretariat.id}
    # run again: nothing more to take
    again = jobs.get_job(_job_id(client.post(f"/years/{world.year.id}/midyear")))
    assert again.summary.endswith("đã chốt số liệu 0 việc.")


def test_a_failing_job_writes_nothing_and_says_why(jobs_on, world, make_task, login_as, db, monkeypatch):
    task = make_task(TaskState.APPROVED)
    db.session.commit()

    def half_then_crash(ctx, year_id):
        job_kinds.monitoring.take_mid_year_snapshots(ctx.actor, db.session.get(type(world.year), year_id))
        ctx.save("x.pdf", b"%PDF-", "application/pdf")
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(jobs.KINDS, "midyear", jobs.JobKind("midyear", _l("Six-month review snapshots"),
                                                            half_then_crash, writes=True))
    client = login_as(world.secretariat)
    job_id = _job_id(client.post(f"/years/{world.year.id}/midyear"))
    record = jobs.get_job(job_id)
    assert record.state == "failed" and record.file is None
    assert record.error == "Không hoàn thành được việc này. Chưa có gì được lưu; vui lòng thử lại."
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Không thực hiện được:" in page and record.error in page and "/download" not in page
    assert client.get(f"/jobs/{job_id}/download").status_code == 404
    db.session.expire_all()
    assert db.session.scalar(select(func.count(MidYearReview.id)).where(MidYearReview.task_id == task.id)) == 0
    assert not (jobs.job_files().folder / job_id).exists()


def test_a_refusal_at_run_time_is_shown_in_words(jobs_on, world, login_as, db, monkeypatch):
    """The asker's rights are checked again when the job runs (they may have changed while it waited)."""
    def refuse(ctx, **params):
        raise Conflict(_l("The mid-year review of this task has not been taken yet."))

    monkeypatch.setitem(jobs.KINDS, "refuse", jobs.JobKind("refuse", _l("Six-month review snapshots"), refuse))
    db.session.commit()
    record = jobs.enqueue(world.owner, "refuse")
    assert jobs.get_job(record.id).error == "Chưa chốt số liệu sơ kết 6 tháng của việc này."
    # a queued job of a unit the asker can no longer read
    queued = jobs.JobRecord(id=secrets.token_hex(16), kind="dossier.unit", person_id=world.owner.id,
                            params={"unit_id": world.unit.id, "fmt": "pdf"}, locale="en",
                            created_at=clock.now().isoformat())
    jobs.save_record(queued)
    db.session.commit()
    jobs.run_job(queued.id)
    assert jobs.get_job(queued.id).error == "You may not see this unit's dossier."
    assert jobs.get_job(queued.id).state == "failed"


def test_a_job_runs_once(jobs_on, world, db, monkeypatch):
    calls = []
    monkeypatch.setitem(jobs.KINDS, "count", jobs.JobKind("count", _l("Unit dossier"),
                                                          lambda ctx: calls.append(1) or "ok"))
    record = jobs.enqueue(None, "count")
    jobs.run_job(record.id)  # delivered a second time
    assert calls == [1] and jobs.get_job(record.id).summary == "ok"


def test_with_jobs_off_the_long_works_run_in_the_request(app, world, make_task, login_as, db):
    assert not app.config["JOBS_ENABLED"]  # the default under TESTING
    make_task(TaskState.APPROVED)
    db.session.commit()
    client = login_as(world.standing)
    page = client.get(f"/units/{world.unit.id}/dossier").get_data(as_text=True)
    assert f'href="/units/{world.unit.id}/dossier.pdf"' in page and "dossier.pdf/job" not in page
    response = client.post(f"/units/{world.unit.id}/dossier.pdf/job")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/units/{world.unit.id}/dossier.pdf")
    response = client.post(f"/years/{world.year.id}/midyear")
    assert response.status_code == 302 and response.headers["Location"].endswith("/attention")
    assert db.session.scalar(select(func.count(MidYearReview.id))) == 1


def test_cli_queues_reminders_and_midyear(jobs_on, world, make_task, db):
    make_task(TaskState.APPROVED)
    db.session.commit()
    runner = jobs_on.test_cli_runner()
    result = runner.invoke(args=["midyear", str(world.year.year), "--queue"])
    job_id = re.search(r"Job ([0-9a-f]{32}) queued", result.output).group(1)
    record = jobs.get_job(job_id)
    assert record.state == "done" and record.person_id is None and "1" in record.summary
    result = runner.invoke(args=["remind", "--queue"])
    job_id = re.search(r"Job ([0-9a-f]{32}) queued", result.output).group(1)
    assert jobs.get_job(job_id).state == "done"
    shown = runner.invoke(args=["jobs", "show", job_id])
    assert '"kind": "remind"' in shown.output and '"state": "done"' in shown.output


def test_progress_reports_percent_or_counts(app):
    record = jobs.JobRecord(id=secrets.token_hex(16), kind="x", person_id=None, params={}, locale="vi",
                            created_at=clock.now().isoformat())
    ctx = jobs.JobContext(record, None, False, jobs.job_files())
    ctx.progress(3, 4)
    assert jobs.get_job(record.id).progress == 75
    ctx.progress(12.5)
    assert jobs.get_job(record.id).progress == 12
    ctx.progress(10, 10)  # 100 only once the work is committed
    assert jobs.get_job(record.id).progress == 99
