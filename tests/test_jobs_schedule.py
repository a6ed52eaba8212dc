"""What the job worker does on its own: the periodic tasks (the reminders once a day at 07:00 in Vietnam, the sweep
of old result files) registered on their schedule, the reminders sent once a day however often they are
scheduled, and the sweep deleting the files of jobs finished more than JOBS_KEEP_DAYS days ago (their pages then
say so, in Vietnamese and English), keeping the files still in use. The queue here is in-process (``memory://``);
tests/test_jobs_backends.py runs the schedule in a real worker on Redis and PostgreSQL."""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry import clock, queue
from registry.models import Notification, TaskState
from registry.services import job_kinds, jobs, notifications
from tests.test_notifications import RecordingMailer


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


@pytest.fixture
def jobs_on(app, monkeypatch, tmp_path):
    """Jobs on, on a queue of this test's own (its day marks start empty), files in ``tmp_path``."""
    monkeypatch.setitem(app.config, "JOBS_ENABLED", True)
    monkeypatch.setitem(app.config, "JOBS_URL", f"memory://{secrets.token_hex(4)}")
    monkeypatch.setitem(app.config, "JOBS_FILES", str(tmp_path / "job-files"))
    return app


def _job_id(response) -> str:
    assert response.status_code == 302, response.status_code
    match = re.search(r"/jobs/([0-9a-f]{32})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


# -- the schedule -----------------------------------------------------------------------------------------------

def test_no_periodic_task_in_tests_unless_a_schedule_is_set(jobs_on):
    assert jobs_on.config["JOBS_REMINDERS_CRON"] is None and jobs_on.config["JOBS_SWEEP_CRON"] is None
    assert queue.periodic_tasks() == {}


def test_the_periodic_tasks_run_on_their_schedule_in_vietnam_time(jobs_on, monkeypatch):
    monkeypatch.setitem(jobs_on.config, "JOBS_REMINDERS_CRON", "0 7 * * *")
    monkeypatch.setitem(jobs_on.config, "JOBS_SWEEP_CRON", "30 2 * * *")
    tasks = queue.periodic_tasks()
    assert set(tasks) == {"registry.reminders", "registry.sweep_files"}
    due = tasks["registry.reminders"]
    # huey asks with naive UTC times: 07:00 in Vietnam is 00:00 UTC
    assert due(datetime(2026, 3, 15, 0, 0)) and due(utc(2026, 3, 15, 0, 0))
    assert not due(datetime(2026, 3, 15, 7, 0)) and not due(datetime(2026, 3, 15, 0, 1))
    sweep = tasks["registry.sweep_files"]
    assert sweep(datetime(2026, 3, 14, 19, 30)) and not sweep(datetime(2026, 3, 15, 2, 30))
    # each runs its registered function
    assert jobs.PERIODIC["registry.reminders"].run is job_kinds.daily_reminders
    assert jobs.PERIODIC["registry.sweep_files"].run is jobs.sweep_report

    monkeypatch.setitem(jobs_on.config, "JOBS_SWEEP_CRON", "off")
    assert set(queue.periodic_tasks()) == {"registry.reminders"}
    monkeypatch.setitem(jobs_on.config, "JOBS_REMINDERS_CRON", "7 * *")
    with pytest.raises(ValueError, match="5 crontab fields"):
        queue.periodic_tasks()
    monkeypatch.setitem(jobs_on.config, "JOBS_REMINDERS_CRON", "0 25 * * *")
    with pytest.raises(ValueError):
        queue.periodic_tasks()


def test_the_reminders_go_out_once_a_day(jobs_on, frozen_now, world, make_task, db, monkeypatch):
    world.owner.email = "chu@phuong.example.vn"
    task = make_task(TaskState.APPROVED)
    db.session.commit()
    mailer = RecordingMailer()
    monkeypatch.setattr(notifications.Mailer, "from_config", classmethod(lambda cls, config: mailer))

    frozen_now(utc(2026, 3, 31, 1, 0))  # 08:00 in Vietnam; the Q1 note (05/04) is due in 5 days
    first = job_kinds.daily_reminders()
    assert first is not None
    record = jobs.get_job(first.id)
    assert (record.state, record.kind, record.person_id) == ("done", "remind", None), record.error
    assert record.summary == f"1 lời nhắc mới, đã gửi {len(mailer.sent)} thư điện tử."
    assert any("05/04/2026" in body for _to, _subject, body in mailer.sent), mailer.sent
    sent = len(mailer.sent)

    def count() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count(Notification.id)).where(
            Notification.task_id == task.id, Notification.kind.in_(["note.due", "note.overdue"])))

    assert count() == 1
    frozen_now(utc(2026, 3, 31, 16, 59))  # 23:59 the same day in Vietnam: scheduled again, nothing runs
    assert job_kinds.daily_reminders() is None
    assert count() == 1 and len(mailer.sent) == sent

    frozen_now(utc(2026, 3, 31, 17, 1))  # 00:01 the next day in Vietnam: it runs, and sends nothing twice
    again = job_kinds.daily_reminders()
    assert again is not None and jobs.get_job(again.id).summary == "0 lời nhắc mới, đã gửi 0 thư điện tử."
    assert count() == 1 and len(mailer.sent) == sent

    frozen_now(utc(2026, 4, 6, 1, 0))  # the note is overdue now: one more reminder
    late = job_kinds.daily_reminders()
    assert jobs.get_job(late.id).summary.startswith("1 lời nhắc mới")
    assert count() == 2 and len(mailer.sent) > sent


# -- the sweep of old result files ------------------------------------------------------------------------------

def _age(folder: Path, moment: datetime) -> None:
    """Make the files of ``folder`` look written at ``moment``."""
    for path in [folder, *folder.iterdir()]:
        os.utime(path, (moment.timestamp(), moment.timestamp()))


def test_the_sweep_deletes_old_result_files_and_the_page_says_so(jobs_on, frozen_now, world, login_as, db):
    frozen_now(utc(2026, 3, 2, 3, 0))
    client = login_as(world.standing)
    old = _job_id(client.post(f"/units/{world.unit.id}/dossier.pdf/job"))
    frozen_now(utc(2026, 3, 9, 3, 0))
    recent = _job_id(client.post(f"/units/{world.unit.id}/dossier.docx/job"))
    files = jobs.job_files()
    old_record = jobs.get_job(old)
    assert old_record.state == "done" and files.open_path(old_record.file).read_bytes()[:5] == b"%PDF-"

    # an uploaded sheet waiting for its import job, a folder no job names, a recent one no job names
    waiting_upload = files.save(secrets.token_hex(16), b"sheet")
    waiting = jobs.JobRecord(id=secrets.token_hex(16), kind="import.registrations", person_id=world.secretariat.id,
                             params={"upload": waiting_upload, "filename": "a.xlsx"}, locale="vi",
                             created_at=utc(2026, 3, 1).isoformat())
    jobs.save_record(waiting)
    orphan, young_orphan = secrets.token_hex(16), secrets.token_hex(16)
    files.save(orphan, b"left behind")
    files.save(young_orphan, b"just written")
    for folder, moment in ((old, utc(2026, 3, 2, 3)), (recent, utc(2026, 3, 9, 3)),
                           (waiting_upload.partition("/")[0], utc(2026, 3, 1)), (orphan, utc(2026, 3, 1)),
                           (young_orphan, utc(2026, 3, 9, 3))):
        _age(files.folder / folder, moment)

    frozen_now(utc(2026, 3, 10, 3, 0))  # the old file is 8 days old, the recent one 1 day
    result = jobs_on.test_cli_runner().invoke(args=["jobs", "sweep"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("1 result files of finished jobs deleted, 1 folders of files no job uses "
                                     "deleted.")
    assert not (files.folder / old).exists() and not (files.folder / orphan).exists()
    for kept in (recent, waiting_upload.partition("/")[0], young_orphan):
        assert (files.folder / kept).is_dir(), kept
    expired = jobs.get_job(old)
    assert (expired.state, expired.file, expired.expired_at) == ("expired", None, utc(2026, 3, 10, 3).isoformat())
    assert expired.filename == old_record.filename and expired.summary == old_record.summary
    assert jobs.get_job(waiting.id).state == "queued"

    # the page of the expired job says so instead of offering a broken link
    page = client.get(f"/jobs/{old}").get_data(as_text=True)
    assert f"Tệp {old_record.filename} không còn được lưu: tệp kết quả bị xóa sau 7 ngày" in page
    assert "đã xóa ngày 10/03/2026" in page and "/download" not in page
    assert 'data-job-state="expired"' in page
    assert client.get(f"/jobs/{old}/status").get_json() == {
        "state": "expired", "progress": 100, "note": "", "summary": old_record.summary, "error": "",
        "finished": True, "download": None}
    assert client.get(f"/jobs/{old}/download").status_code == 404
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = client.get(f"/jobs/{old}").get_data(as_text=True)
    assert f"The file {old_record.filename} is no longer kept: result files are deleted 7 days after" in page
    # the recent one still downloads
    response = client.get(f"/jobs/{recent}/download")
    data = response.get_data()
    response.close()
    assert response.status_code == 200 and data[:2] == b"PK"

    # sweeping again changes nothing; the periodic task is the same sweep
    assert jobs.PERIODIC["registry.sweep_files"].run() == ("0 result files of finished jobs deleted, 0 folders "
                                                           "of files no job uses deleted.")
    frozen_now(utc(2026, 3, 17, 3, 0))
    assert jobs.sweep_files().expired == [recent]
    assert not (files.folder / recent).exists() and jobs.get_job(recent).state == "expired"


def test_the_sweep_keeps_files_for_the_configured_days_and_forgets_old_day_marks(jobs_on, frozen_now, monkeypatch):
    monkeypatch.setitem(jobs_on.config, "JOBS_KEEP_DAYS", 30)
    frozen_now(utc(2026, 3, 1, 3, 0))
    record = jobs.JobRecord(id=secrets.token_hex(16), kind="dossier.unit", person_id=None, params={}, locale="vi",
                            created_at=clock.now().isoformat(), state="done", progress=100,
                            finished_at=clock.now().isoformat(), filename="a.pdf", mimetype="application/pdf")
    record.file = jobs.job_files().save(record.id, b"%PDF-")
    jobs.save_record(record)
    assert jobs.once_today("reminders") and not jobs.once_today("reminders")
    frozen_now(utc(2026, 3, 25, 3, 0))
    assert jobs.sweep_files().expired == []  # 24 days old
    assert jobs.once_today("reminders")
    frozen_now(utc(2026, 4, 1, 3, 0))
    assert jobs.sweep_files().expired == [record.id]
    assert not (jobs.job_files().folder / record.id).exists()
    assert jobs.get_job(record.id).expired_on == utc(2026, 4, 1, 3, 0)
    marks = {key for key in queue.get_huey().storage.result_items() if key.startswith(jobs.DAY_MARK)}
    assert marks == {"day:reminders:2026-03-25"}  # the mark of 01/03 is older than 30 days
