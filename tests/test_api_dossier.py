"""The API's dossiers and audit trail: per-person and per-unit dossiers, audit events (all, filtered and paged;
per task) and the verification of the chain."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from registry import clock
from registry.models import TaskState
from registry.services import tasks as task_service
from registry.services.evidence import EvidenceStore, attach_evidence
from tests import test_api_contract
from tests.conftest import task_input
from tests.test_api_contract import assert_problem

S = TaskState
#: the contract tests' fixtures: a person's token, and a client sending it
token_for, api_as = test_api_contract.token_for, test_api_contract.api_as
ZERO = {"exceeded": 0, "on_time": 0, "late": 0, "partial": 0, "not_done": 0, "stopped": 0}


def collective(world, unit, title="Việc tập thể của phường"):
    task = task_service.create_task(world.owner, world.year, task_input(world.field, world.year, title=title),
                                    owner_unit_id=unit.id)
    task_service.submit_task(world.owner, task)
    return task_service.approve_task(world.standing, task, decision_ref="12-QĐ/QU", decision_date=clock.today(),
                                     monitor=world.monitor)


@pytest.fixture
def records(world, make_task, make_reviewed_task, make_unit, levels, db):
    """world.owner: an exceeded and a partial verdict, an approved task, a draft; a collective task of a unit
    they head (listed under others, counted for the unit)."""
    unit = make_unit("Phường Quảng An", head=world.owner)
    made = {"exceeded": make_reviewed_task("exceeded"), "partial": make_reviewed_task("partial"),
            "approved": make_task(S.APPROVED), "draft": make_task(), "collective": collective(world, unit)}
    make_task(S.APPROVED, owner=world.other_owner)
    db.session.commit()
    return unit, made


# -- dossiers ---------------------------------------------------------------------------------------------------

def test_person_dossier(api_as, world, records):
    unit, made = records
    response = api_as(world.owner).get(f"people/{world.owner.id}/dossier")
    assert response.status_code == 200
    body = response.get_json()
    assert body["person"] == {"id": world.owner.id, "full_name": "Trần Thị Chủ"}
    assert body["totals"] == {**ZERO, "exceeded": 1, "partial": 1}
    [year] = body["years"]
    assert year["year"] == world.year.year and year["rating_regulation"] == "366-QĐ/TW"
    assert (year["registered"], year["reviewed"], year["awaiting"]) == (3, 2, 1)
    assert year["counts"] == body["totals"]
    assert [t["id"] for t in year["tasks"]] == sorted(made[k].id for k in ("exceeded", "partial", "approved",
                                                                             "draft"))
    assert [t["id"] for t in year["others"]] == [made["collective"].id]
    by_id = {t["id"]: t for t in year["tasks"]}
    exceeded = by_id[made["exceeded"].id]
    assert exceeded["verdict"]["outcome"] == "exceeded" and exceeded["verdict"]["commendation"] == "reward"
    assert exceeded["state"] == "reviewed" and exceeded["code"] == made["exceeded"].code
    assert by_id[made["draft"].id]["verdict"] is None
    assert year["others"][0]["ownership"] == "collective" and year["others"][0]["owner_unit_id"] == unit.id


@pytest.mark.parametrize("who,status", [("owner", 200), ("other_owner", 403), ("monitor", 403),
                                        ("standing", 200), ("secretariat", 200), ("inspector", 200)])
def test_who_reads_a_person_dossier(who, status, api_as, world, records):
    response = api_as(getattr(world, who)).get(f"people/{world.owner.id}/dossier")
    assert response.status_code == status
    if status == 403:
        assert "Việc tập thể" not in response.get_data(as_text=True)


def test_unit_dossier(api_as, world, records):
    unit, made = records
    body = api_as(world.owner).get(f"org-units/{unit.id}/dossier").get_json()
    assert body["org_unit"] == {"id": unit.id, "name": "Phường Quảng An", "code": unit.code}
    [year] = body["years"]
    assert [t["id"] for t in year["tasks"]] == [made["collective"].id] and year["others"] == []
    assert (year["registered"], year["reviewed"], year["awaiting"]) == (1, 0, 1)
    assert body["totals"] == ZERO
    assert api_as(world.inspector).get(f"org-units/{unit.id}/dossier").status_code == 200
    assert_problem(api_as(world.other_owner).get(f"org-units/{unit.id}/dossier"), 403)
    assert_problem(api_as(world.monitor).get(f"org-units/{unit.id}/dossier"), 403)
    # the committee's dossier counts its sub-units' collective registrations (issue 14: one counting rule)
    above = api_as(world.standing).get(f"org-units/{world.unit.id}/dossier").get_json()
    assert [t["id"] for y in above["years"] for t in y["tasks"]] == [made["collective"].id]
    assert above["totals"] == ZERO


def test_unknown_dossiers_are_404(api_as, world):
    api = api_as(world.standing)
    assert_problem(api.get("people/999999/dossier"), 404)
    assert_problem(api.get("org-units/999999/dossier"), 404)


# -- the audit trail --------------------------------------------------------------------------------------------

def test_audit_events_paged_and_filtered(api_as, world, make_task, db):
    api = api_as(world.secretariat)  # event 1: the token is made
    first, second = make_task(S.APPROVED), make_task(S.SUBMITTED)
    db.session.commit()
    page = api.get("audit-events?per_page=2").get_json()
    assert page["total"] == 6 and page["pages"] == 3 and page["per_page"] == 2
    assert [e["seq"] for e in page["items"]] == [6, 5]  # newest first
    assert page["links"]["next"].endswith("page=2") and page["links"]["prev"] is None
    assert [e["seq"] for e in api.get(page["links"]["next"]).get_json()["items"]] == [4, 3]
    event = page["items"][0]
    assert event["action"] == "task.submit" and event["task_id"] == second.id
    assert event["subject_person_id"] == world.owner.id
    assert event["actor"] == {"id": world.owner.id, "full_name": "Trần Thị Chủ"}

    approvals = api.get("audit-events?action=task.approve").get_json()
    assert [e["task_id"] for e in approvals["items"]] == [first.id]
    assert approvals["items"][0]["actor"]["id"] == world.standing.id
    assert approvals["items"][0]["after"]["monitor_id"] == world.monitor.id
    assert api.get("audit-events?actor=pham thuong").get_json()["total"] == 1  # diacritics ignored
    assert api.get("audit-events?actor=standing").get_json()["total"] == 1  # user name
    by_task = api.get(f"audit-events?task={second.id}&per_page=1").get_json()
    assert by_task["total"] == 2 and f"task={second.id}" in by_task["links"]["next"]
    today = clock.today()
    assert api.get(f"audit-events?since={today.isoformat()}&until={today.isoformat()}").get_json()["total"] == 6
    assert api.get(f"audit-events?since={(today + timedelta(days=1)).isoformat()}").get_json()["total"] == 0
    assert_problem(api.get("audit-events?since=15/03/2026"), 422, "since")
    assert_problem(api.get("audit-events?who=x"), 422, "who")
    assert_problem(api.get("audit-events?per_page=500"), 422, "per_page")


def test_audit_dates_are_days_in_vietnam(frozen_now, api_as, world, make_task, db):
    api = api_as(world.inspector)
    frozen_now(datetime(2026, 3, 14, 18, 30, tzinfo=timezone.utc))  # 01:30 on 15/03 in Hà Nội
    make_task()
    db.session.commit()
    assert api.get("audit-events?action=task.create&since=2026-03-15&until=2026-03-15").get_json()["total"] == 1
    assert api.get("audit-events?action=task.create&until=2026-03-14").get_json()["total"] == 0


@pytest.mark.parametrize("who,status", [("secretariat", 200), ("inspector", 200), ("standing", 403),
                                        ("owner", 403), ("monitor", 403)])
def test_who_reads_the_whole_trail(who, status, api_as, world, make_task, db):
    make_task()
    db.session.commit()
    api = api_as(getattr(world, who))
    for path in ("audit-events", "audit/verification"):
        response = api.get(path)
        assert response.status_code == status
        if status == 403:
            assert_problem(response, 403)


def test_task_audit_events(api_as, world, make_task, db):
    task, other = make_task(S.APPROVED), make_task(S.SUBMITTED)
    db.session.commit()
    owner = api_as(world.owner)
    body = owner.get(f"tasks/{task.id}/audit-events").get_json()
    assert [e["action"] for e in body["items"]] == ["task.approve", "task.submit", "task.create"]
    assert body["total"] == 3 and {e["task_id"] for e in body["items"]} == {task.id}
    assert owner.get(f"tasks/{task.id}/audit-events?per_page=1&page=2").get_json()["items"][0]["action"] == \
        "task.submit"
    assert api_as(world.monitor).get(f"tasks/{task.id}/audit-events").status_code == 200
    assert_problem(api_as(world.monitor).get(f"tasks/{other.id}/audit-events"), 403)
    assert_problem(api_as(world.other_owner).get(f"tasks/{task.id}/audit-events"), 403)
    assert_problem(owner.get("tasks/999999/audit-events"), 404)
    assert_problem(owner.get(f"tasks/{task.id}/audit-events?action=x"), 422, "action")


def test_verification(api_as, world, make_reviewed_task, db, app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_DIR", str(tmp_path / "evidence"))
    make_reviewed_task()
    db.session.commit()
    api = api_as(world.inspector)
    report = api.get("audit/verification").get_json()
    assert report == {"ok": True, "events": report["events"], "seq": None, "kind": None, "rows": []}
    assert report["events"] >= 6
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    task = make_reviewed_task(stop_at="self_assessed")
    store = EvidenceStore(Path(app.config["EVIDENCE_DIR"]), app.config["MAX_EVIDENCE_BYTES"])
    evidence = attach_evidence(world.owner, task.notes[0], io.BytesIO(pdf), "bien-ban.pdf", store)
    db.session.commit()
    store.path_of(evidence).write_bytes(pdf + b"tampered")
    broken = api.get("audit/verification").get_json()
    assert broken["ok"] is False and broken["kind"] == "file_changed" and isinstance(broken["seq"], int)
    assert "detail" not in broken
