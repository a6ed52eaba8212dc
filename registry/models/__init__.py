"""All models, importable from one place (Alembic and the services use this)."""

from registry.models.audit import AuditEvent, AuditHead
from registry.models.base import db
from registry.models.org import OrgLevel, OrgUnit
from registry.models.person import Person, PersonRole, Role
from registry.models.task import (
    Authority,
    Indicator,
    Milestone,
    Ownership,
    Task,
    TaskAdjustment,
    TaskKind,
    TaskState,
)
from registry.models.year import Field, Year

__all__ = [
    "AuditEvent", "AuditHead", "Authority", "Field", "Indicator", "Milestone", "OrgLevel", "OrgUnit",
    "Ownership", "Person", "PersonRole", "Role", "Task", "TaskAdjustment", "TaskKind", "TaskState", "Year", "db",
]
