"""The task states that go together are written once, next to ``TaskState`` (registry/models/task.py), and read
from there by the policy table, the services and the templates."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from registry import policy
from registry.models import TaskState
from registry.models.task import (
    AWAITING_DECISION,
    AWAITING_VERDICT,
    CLOSED_STATES,
    DECIDED_STATES,
    LOCKED_STATES,
    NOT_REGISTERED,
    UNDER_WAY,
)
from registry.services import admin, dossier, rating, reports

REGISTRY = Path(__file__).resolve().parents[1] / "registry"


def literal_state_groups(source: str) -> list[tuple[str, ...]]:
    """The tuples, lists and sets written out of two or more ``TaskState`` members (``S`` in the policy)."""
    groups = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)) and len(node.elts) >= 2:
            members = [e.attr for e in node.elts if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name)
                       and e.value.id in ("TaskState", "S")]
            if len(members) == len(node.elts):
                groups.append(tuple(sorted(members)))
    return groups


def test_the_states_of_a_task_under_way_are_written_once():
    under_way = ("APPROVED", "IN_PROGRESS")
    written = sorted(str(path.relative_to(REGISTRY)) for path in REGISTRY.rglob("*.py")
                     for group in literal_state_groups(path.read_text(encoding="utf-8")) if group == under_way)
    assert written == ["models/task.py"]
    spelled = [str(path.relative_to(REGISTRY)) for path in (REGISTRY / "templates").rglob("*.html")
               if re.search(r"""['"]approved['"]\s*,\s*['"]in_progress['"]""", path.read_text(encoding="utf-8"))]
    assert spelled == []


def test_the_policy_and_the_decision_constraint_read_the_one_definition():
    assert UNDER_WAY == (TaskState.APPROVED, TaskState.IN_PROGRESS)
    assert policy.UNDER_WAY is UNDER_WAY
    for action in ("report", "self_assess", "assess"):
        assert policy.rule(action).from_states is UNDER_WAY, action
    assert DECIDED_STATES == (*UNDER_WAY, TaskState.SELF_ASSESSED, TaskState.REVIEWED)


def test_the_other_groups_are_written_once_too():
    """The groups the dossier, the reports, the rating, the unit merge and the lock read: defined in the model,
    not written out again anywhere else."""
    groups = {"NOT_REGISTERED": NOT_REGISTERED, "AWAITING_DECISION": AWAITING_DECISION,
              "CLOSED_STATES": CLOSED_STATES}
    for name, group in groups.items():
        members = tuple(sorted(state.name for state in group))
        written = sorted(str(path.relative_to(REGISTRY)) for path in REGISTRY.rglob("*.py")
                         for found in literal_state_groups(path.read_text(encoding="utf-8")) if found == members)
        assert written == ["models/task.py"], name
    assert AWAITING_VERDICT == (*UNDER_WAY, TaskState.SELF_ASSESSED)
    assert policy.LOCKED_STATES is LOCKED_STATES == {TaskState.REVIEWED}
    assert dossier.NOT_REGISTERED is reports.NOT_REGISTERED is rating.NOT_REGISTERED is NOT_REGISTERED
    assert dossier.AWAITING_VERDICT is rating.AWAITING_VERDICT is AWAITING_VERDICT
    assert admin.CLOSED_STATES is CLOSED_STATES


def test_no_task_state_is_left_unreachable():
    """Every state is one an action leads to (the policy table's targets), or the first one (a new draft)."""
    reached = {rule.to_state for rule in policy.RULES.values() if rule.to_state is not None}
    assert set(TaskState) == reached | {TaskState.DRAFT}, set(TaskState) - reached - {TaskState.DRAFT}


def test_the_finder_sees_a_group_written_out():
    assert literal_state_groups("X = (TaskState.APPROVED, TaskState.IN_PROGRESS)") == [("APPROVED", "IN_PROGRESS")]
    assert literal_state_groups("X = {S.IN_PROGRESS, S.APPROVED}") == [("APPROVED", "IN_PROGRESS")]
    assert literal_state_groups("X = (TaskState.APPROVED, other)") == []
