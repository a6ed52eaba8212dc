"""All models, importable from one place (Alembic and the services use this)."""

from registry.models.audit import AuditEvent, AuditHead
from registry.models.base import db
from registry.models.commendation import CommendationDecision, CouncilDecision, ProposalState
from registry.models.monitoring import (
    Assessment,
    Judgement,
    MidYearReview,
    Period,
    Recommendation,
    RecommendationStatus,
    SupervisionForm,
)
from registry.models.notification import Notification
from registry.models.org import OrgLevel, OrgUnit, OrgUnitName
from registry.models.person import Person, Role, RoleGrant
from registry.models.public_page import PUBLIC_COLUMNS, PublicPage
from registry.models.progress import (
    EvidenceFile,
    IndicatorValue,
    NoteAmendment,
    ProgressNote,
    ProgressStatus,
)
from registry.models.review import (
    UNFINISHED,
    Commendation,
    Outcome,
    SelfAssessment,
    Verdict,
    VerdictLevel,
)
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
from registry.models.search import SearchDocument, SearchEntry
from registry.models.security import AttemptOutcome, SignInAttempt
from registry.models.token import ApiToken
from registry.models.year import Field, Year

__all__ = [
    "PUBLIC_COLUMNS", "PublicPage",
    "CommendationDecision", "CouncilDecision", "ProposalState",
    "UNFINISHED", "Commendation", "Outcome", "SelfAssessment", "Verdict", "VerdictLevel",
    "ApiToken", "AttemptOutcome", "SearchDocument", "SearchEntry", "SignInAttempt",
    "Assessment", "EvidenceFile", "IndicatorValue", "Judgement", "MidYearReview", "NoteAmendment", "Notification",
    "Period", "ProgressNote", "ProgressStatus", "Recommendation", "RecommendationStatus", "SupervisionForm",
    "AuditEvent", "AuditHead", "Authority", "Field", "Indicator", "Milestone", "OrgLevel", "OrgUnit",
    "OrgUnitName", "Ownership", "Person", "Role", "RoleGrant", "Task", "TaskAdjustment", "TaskKind", "TaskState", "Year", "db",
]
