"""Dossiers and the audit trail through the API: the per-person and per-collective dossier, the audit events
(all of them, or one task's) and the verification of the chain.

The same checks as the pages (``registry.blueprints.dossier.views``): ``can_view_person_dossier``,
``can_view_unit_dossier``, ``can_view_task`` for a task's events, ``can_read_audit_log`` for the whole trail and
its verification.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app

from registry import policy
from registry.api import schemas
from registry.api.auth import api_actor
from registry.api.common import api_blueprint, visible_task
from registry.api.errors import documented
from registry.api.pagination import paginate
from registry.extensions import db
from registry.models import OrgUnit, Person
from registry.services import dossier as dossier_service
from registry.services.verify import verify_all
from registry.storage import file_storage

blp = api_blueprint("api_dossier", __name__, "/api/v1",
                    "Dossiers across the years, the audit trail and its verification.")


# -- dossiers ---------------------------------------------------------------------------------------------------

@blp.route("/people/<id:person_id>/dossier")
@blp.response(200, schemas.PersonDossierSchema)
@documented(blp, 403, 404)
def person_dossier(person_id: int):
    """A person's dossier: registrations and outcome counts by year

    Their individual tasks are counted; collective tasks they answered for as a unit's head are listed under
    `others`. For the person themself, the Standing Committee, the secretariat and inspectors.
    """
    person = db.get_or_404(Person, person_id)
    policy.require_can(api_actor(), "view_person_dossier", person)
    return schemas.dossier_data(dossier_service.person_dossier(api_actor(), person), person=person)


@blp.route("/org-units/<id:unit_id>/dossier")
@blp.response(200, schemas.OrgUnitDossierSchema)
@documented(blp, 403, 404)
def unit_dossier(unit_id: int):
    """A collective's dossier: registrations and outcome counts by year

    For those who read every task, the unit's head, and whoever answered for one of its tasks.
    """
    unit = db.get_or_404(OrgUnit, unit_id)
    policy.require_can(api_actor(), "view_unit_dossier", unit)
    return schemas.dossier_data(dossier_service.unit_dossier(api_actor(), unit), org_unit=unit)


# -- the audit trail --------------------------------------------------------------------------------------------

def _require_audit_reader() -> None:
    policy.require_can(api_actor(), "read_audit")


@blp.route("/audit-events")
@blp.arguments(schemas.AuditArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.AuditEventPageSchema)
@documented(blp, 403)
def audit_events(args: dict[str, Any]):
    """The whole audit trail, newest first, filtered and paged (secretariat and inspectors)"""
    _require_audit_reader()
    filters = dossier_service.AuditFilters(action=args.get("action") or "", actor=args.get("actor") or "",
                                           since=args.get("since"), until=args.get("until"),
                                           task_id=args.get("task"))
    return paginate(dossier_service.audit_events(api_actor(), filters), args)


@blp.route("/tasks/<id:task_id>/audit-events")
@blp.arguments(schemas.PageArgs, location="query", unknown=ma.RAISE)
@blp.response(200, schemas.AuditEventPageSchema)
@documented(blp, 403, 404)
def task_audit_events(args: dict[str, Any], task_id: int):
    """Every audit event of one task, newest first, paged (whoever sees the task)"""
    return paginate(dossier_service.task_audit(visible_task(task_id)), args)


@blp.route("/audit/verification")
@blp.response(200, schemas.VerificationSchema)
@documented(blp, 403)
def verification():
    """Verify the audit trail now (secretariat and inspectors)

    Checks the hash chain, its HMACs, the verdict seals, the stored evidence files and every audited row, and
    answers with the first problem found (its sequence number and kind), or ok, and every row that does not
    match the trail.
    """
    _require_audit_reader()
    report = verify_all(current_app.config["AUDIT_KEY"], file_storage(current_app.config))
    return {"ok": report.ok, "events": report.events, "seq": report.seq, "kind": report.kind,
            "rows": [{"kind": p.kind, "table": p.table, "id": p.id, "seq": p.seq} for p in report.rows]}
