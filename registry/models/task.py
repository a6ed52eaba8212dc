"""Tasks (Form A registrations) with their indicators, milestones and Standing Committee adjustments."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from registry.models.base import UTCDateTime, db, enum_column, utcnow
from registry.text import fold

if TYPE_CHECKING:
    from registry.models.monitoring import Assessment, MidYearReview
    from registry.models.org import OrgUnit
    from registry.models.person import Person
    from registry.models.progress import EvidenceFile, ProgressNote
    from registry.models.review import SelfAssessment, Verdict
    from registry.models.year import Field, Year


class TaskKind(enum.Enum):
    HARD = "hard"  #: việc khó
    BREAKTHROUGH = "breakthrough"  #: việc đột phá, đổi mới
    MASS_MOBILISATION = "mass_mobilisation"  #: mô hình "Dân vận khéo"


class Ownership(enum.Enum):
    INDIVIDUAL = "individual"
    COLLECTIVE = "collective"  #: an org unit, acting through its head


class Authority(enum.Enum):
    OWN = "own"  #: tự giải quyết
    SUPERIOR = "superior"  #: cần cấp trên


class TaskState(enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"
    IN_PROGRESS = "in_progress"
    SELF_ASSESSED = "self_assessed"
    REVIEWED = "reviewed"
    WITHDRAWN = "withdrawn"


#: states in which a task is under way: its owner reports on it and may self-assess, its monitor assesses it (the
#: one definition: the policy table, the services and the templates read it)
UNDER_WAY = (TaskState.APPROVED, TaskState.IN_PROGRESS)
#: states in which the decision columns (reference, date, approver, monitor) must be filled
DECIDED_STATES = (*UNDER_WAY, TaskState.SELF_ASSESSED, TaskState.REVIEWED)
#: states of a registration that is approved and still waits for its verdict
AWAITING_VERDICT = (*UNDER_WAY, TaskState.SELF_ASSESSED)
#: states of a registration sent to the Standing Committee and not decided yet
AWAITING_DECISION = (TaskState.SUBMITTED, TaskState.RETURNED)
#: states of a registration that does not count as registered: still a draft, or withdrawn
NOT_REGISTERED = (TaskState.DRAFT, TaskState.WITHDRAWN)
#: states of a task that is finished with (a unit merged away keeps it: it stays with the unit it was registered
#: with)
CLOSED_STATES = (TaskState.REVIEWED, TaskState.WITHDRAWN)
#: states in which a task and everything under it is locked (a verdict was recorded)
LOCKED_STATES = frozenset({TaskState.REVIEWED})
_decided_sql = ", ".join(f"'{s.value}'" for s in DECIDED_STATES)


class Task(db.Model):
    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint(
            "(ownership = 'collective') = (owner_unit_id IS NOT NULL)", name="collective_has_unit"
        ),
        CheckConstraint(
            f"state NOT IN ({_decided_sql}) OR (decision_ref IS NOT NULL AND decision_date IS NOT NULL"
            " AND approved_by_id IS NOT NULL AND monitor_id IS NOT NULL)",
            name="decided_has_decision",
        ),
        CheckConstraint("monitor_id IS NULL OR monitor_id <> owner_id", name="monitor_not_owner"),
        CheckConstraint("approved_by_id IS NULL OR approved_by_id <> owner_id", name="approver_not_owner"),
        CheckConstraint(
            "approved_by_id IS NULL OR monitor_id IS NULL OR approved_by_id <> monitor_id",
            name="approver_not_monitor",
        ),
        CheckConstraint("state <> 'submitted' OR submitted_at IS NOT NULL", name="submitted_has_time"),
        CheckConstraint("state <> 'draft' OR submitted_at IS NULL", name="draft_never_submitted"),
        CheckConstraint("(carried_from_id IS NULL) = (carry_reason IS NULL)", name="carry_has_reason"),
        CheckConstraint("(entered_by_id IS NULL) = (entered_at IS NULL)", name="entered_later_complete"),
        CheckConstraint("(decision_entered_by_id IS NULL) = (decision_entered_at IS NULL)",
                        name="decision_entered_later_complete"),
        # covering indexes: the year's counts (reports, the home page's states, a year's list) and the scope of a
        # committee (queue, attention lists) read these columns from the index alone, not the wide rows; the
        # search reads the folded titles from its own index (a LIKE '%…%' scans them all)
        Index("ix_tasks_year_scope", "year_id", "state", "committee_id", "owner_id", "monitor_id", "kind",
              "field_id", "org_unit_id"),
        Index("ix_tasks_unit_year", "org_unit_id", "year_id"),  # a unit's tasks, of a year or of every year
        Index("ix_tasks_committee_scope", "committee_id", "year_id", "state", "owner_id", "monitor_id"),
        Index("ix_tasks_search_scope", "search_text", "committee_id", "owner_id", "monitor_id"),
        # the list sorted by a column (deadline, owner, field, state, code): its ids read from the index alone
        Index("ix_tasks_list_sort", "deadline", "committee_id", "owner_id", "monitor_id", "owner_unit_id",
              "field_id", "state", "year_id", "id"),
        # the task a registration was carried into (every task page asks): the unique index on carried_from_id
        # holds mostly NULLs, so that SQLite, once ANALYZE has run, reckons a lookup in it costs a whole scan
        Index("ix_tasks_carried_from", "carried_from_id", sqlite_where=text("carried_from_id IS NOT NULL"),
              postgresql_where=text("carried_from_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year_id: Mapped[int] = mapped_column(ForeignKey("years.id"))
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind, "task_kind"))
    ownership: Mapped[Ownership] = mapped_column(enum_column(Ownership, "ownership"))
    #: the person who answers for the task: the individual, or the head acting for a collective
    owner_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    #: the collective owner; set exactly when ownership is collective
    owner_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: the unit the task belongs to (the collective, or the owner's unit when registered); used for filters
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_units.id"))
    #: the Party committee the task is registered with: its Standing Committee decides it (registry.policy)
    committee_id: Mapped[int] = mapped_column(ForeignKey("org_units.id"))
    field_id: Mapped[int] = mapped_column(ForeignKey("fields.id"), index=True)
    state: Mapped[TaskState] = mapped_column(enum_column(TaskState, "task_state"), default=TaskState.DRAFT)

    title: Mapped[str] = mapped_column(String(500))
    situation: Mapped[str] = mapped_column(Text, default="")  #: thực trạng, lý do lựa chọn
    goal: Mapped[str] = mapped_column(Text, default="")  #: mục tiêu
    deliverable: Mapped[str] = mapped_column(Text, default="")  #: sản phẩm cụ thể
    measures: Mapped[str] = mapped_column(Text, default="")  #: giải pháp
    deadline: Mapped[date | None]  #: thời hạn hoàn thành
    coordinating_units: Mapped[str] = mapped_column(Text, default="")  #: đơn vị phối hợp
    authority: Mapped[Authority] = mapped_column(enum_column(Authority, "authority"), default=Authority.OWN)
    resources: Mapped[str] = mapped_column(Text, default="")  #: nguồn lực
    support_requested: Mapped[str] = mapped_column(Text, default="")  #: đề xuất hỗ trợ
    locality: Mapped[str] = mapped_column(String(300), default="")  #: địa bàn
    reference_documents: Mapped[str] = mapped_column(Text, default="")  #: văn bản liên quan
    is_committed: Mapped[bool] = mapped_column(default=False)  #: the owner ticked the commitment
    #: the title lower-cased without diacritics, kept in step with ``title``, for search
    search_text: Mapped[str] = mapped_column(String(600), default="")

    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_ref: Mapped[str | None] = mapped_column(String(100))  #: e.g. "Quyết định số 12-QĐ/QU"
    decision_date: Mapped[date | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    #: the Standing Committee's latest comment when it returned the registration
    return_comment: Mapped[str | None] = mapped_column(Text)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
    #: the unfinished task of an earlier year that this registration carries over
    carried_from_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"), unique=True)
    carry_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: nhập bổ sung: the secretariat who entered the registration afterwards for a closed year, and when (real
    #: time); ``submitted_at`` is then the registration date of the paper register
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: the same for the Standing Committee's decision (``decision_date`` and ``decided_at`` are then its date)
    decision_entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decision_entered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: optimistic-locking counter (ETag for the API)
    version: Mapped[int] = mapped_column(default=1)

    year: Mapped[Year] = relationship()
    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
    owner_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[owner_unit_id])
    org_unit: Mapped[OrgUnit | None] = relationship(foreign_keys=[org_unit_id])
    #: loaded with the task: every permission question about it reads the committee's path. "unnested": when
    #: the task itself is joined from an outer join (a note's or a recommendation's task), the committee is
    #: joined after it, not right-nested as "LEFT JOIN (tasks JOIN org_units)", which SQLite materialises
    #: over every task
    committee: Mapped[OrgUnit] = relationship(foreign_keys=[committee_id], lazy="joined", innerjoin="unnested")
    field: Mapped[Field] = relationship()
    approved_by: Mapped[Person | None] = relationship(foreign_keys=[approved_by_id])
    monitor: Mapped[Person | None] = relationship(foreign_keys=[monitor_id])
    entered_by: Mapped[Person | None] = relationship(foreign_keys=[entered_by_id])
    decision_entered_by: Mapped[Person | None] = relationship(foreign_keys=[decision_entered_by_id])
    indicators: Mapped[list[Indicator]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="Indicator.position"
    )
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="Milestone.position"
    )
    adjustments: Mapped[list[TaskAdjustment]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskAdjustment.id"
    )
    notes: Mapped[list[ProgressNote]] = relationship(back_populates="task", order_by="ProgressNote.quarter")
    files: Mapped[list[EvidenceFile]] = relationship(order_by="EvidenceFile.id", viewonly=True)
    assessments: Mapped[list[Assessment]] = relationship(back_populates="task", order_by="Assessment.id")
    mid_year_review: Mapped[MidYearReview | None] = relationship(back_populates="task")
    self_assessment: Mapped[SelfAssessment | None] = relationship(back_populates="task")
    verdicts: Mapped[list[Verdict]] = relationship(back_populates="task", order_by="Verdict.id")
    carried_from: Mapped[Task | None] = relationship(remote_side=[id], back_populates="carried_into",
                                                     foreign_keys=[carried_from_id])
    carried_into: Mapped[Task | None] = relationship(back_populates="carried_from", foreign_keys=[carried_from_id])

    __mapper_args__ = {"version_id_col": version}

    @validates("title")
    def _keep_search_text(self, key: str, value: str) -> str:
        self.search_text = fold(value)
        return value

    @property
    def code(self) -> str:
        """A human reference such as ``2026-000123``."""
        return f"{self.year.year}-{self.id:06d}" if self.id else ""

    @property
    def current_verdict(self) -> Verdict | None:
        return next((v for v in self.verdicts if v.is_current), None)

    @property
    def owner_label(self) -> str:
        """The owner as printed: the person, or the collective with its head."""
        if self.owner_unit is not None:  # the unit's name in the task's year (a renamed unit keeps its old one)
            return f"{self.owner_unit.name_in(self.year.year)} ({self.owner.full_name})"
        return self.owner.full_name

    def __repr__(self) -> str:
        return f"<Task {self.id} {self.state.value}>"


class Indicator(db.Model):
    """A measurable target (chỉ tiêu): unit, baseline and target value."""

    __tablename__ = "indicators"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(50))  #: hộ, ha, m², % …
    baseline: Mapped[float | None]
    target: Mapped[float]

    task: Mapped[Task] = relationship(back_populates="indicators")

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "unit": self.unit, "baseline": self.baseline, "target": self.target}


class Milestone(db.Model):
    """A dated step (mốc tiến độ) of a task."""

    __tablename__ = "milestones"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date]

    task: Mapped[Task] = relationship(back_populates="milestones")

    def as_dict(self) -> dict[str, Any]:
        return {"description": self.description, "due_on": self.due_on.isoformat()}


class TaskAdjustment(db.Model):
    """A Standing Committee adjustment (điều chỉnh) with its reason; ``changes`` keeps before and after."""

    __tablename__ = "task_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    adjusted_by_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    adjusted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    #: {field: {"before": …, "after": …}} for every changed field, indicators and milestones as lists
    changes: Mapped[dict] = mapped_column(JSON)

    task: Mapped[Task] = relationship(back_populates="adjustments")
    adjusted_by: Mapped[Person] = relationship()
