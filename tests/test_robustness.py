"""Whatever a form receives, the answer is a page with messages, never a server error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.models import TaskState

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
junk = st.one_of(st.text(max_size=60), st.sampled_from(["", "0", "-1", "1e309", "nan", "31/02/2026", "2026-13-01",
                                                         "' OR 1=1 --", "<script>x</script>", "\x00", "9" * 30]))

REGISTRATION_FIELDS = ["year_id", "owner_unit_id", "kind", "field_id", "title", "deadline", "authority",
                       "indicators-0-name", "indicators-0-unit", "indicators-0-baseline", "indicators-0-target",
                       "indicators-25-target", "milestones-0-description", "milestones-0-due_on", "is_committed",
                       "action"]


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(REGISTRATION_FIELDS), junk, max_size=len(REGISTRATION_FIELDS)))
def test_registration_form_never_fails(data, world, login_as):
    client = login_as(world.owner)
    response = client.post("/tasks/new", data=data)
    assert response.status_code in (302, 422), response.status_code
    assert "<script>x</script>" not in response.get_data(as_text=True)  # escaped when echoed back


@SETTINGS
@given(data=st.dictionaries(st.sampled_from(["decision_ref", "decision_date", "monitor_id", "comment"]), junk))
def test_decision_forms_never_fail(data, world, login_as, make_task):
    task = make_task(TaskState.SUBMITTED)
    client = login_as(world.standing)
    for action in ("approve", "return"):
        response = client.post(f"/tasks/{task.id}/{action}", data=data)
        assert response.status_code in (302, 409, 422), response.status_code


@pytest.mark.parametrize("url", ["/tasks/?year=x&unit=-1&field=abc&kind=zz&state=%00&owner=9999999999999&page=x",
                                 "/tasks/?q=%25%25%5F&owner_name=%5C", "/tasks/abc", "/tasks/-1",
                                 "/tasks/99999999999999999999"])
def test_odd_urls(url, world, login_as):
    client = login_as(world.secretariat)
    assert client.get(url).status_code in (200, 404)
