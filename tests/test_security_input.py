"""Indicator values that make no sense are refused with a field message, on the page and in the API."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from registry.models import Task
from registry.services import tasks as task_service
from registry.services.errors import ValidationFailed
from tests.conftest import task_input
from tests.test_api_contract import api_as, assert_problem, json_task, token_for  # noqa: F401  - fixtures
from tests.test_task_pages import form_payload


@pytest.mark.parametrize("baseline, target, field, message", [
    (44, -1, "target", "Giá trị không được âm."),
    (-5, 10, "baseline", "Giá trị không được âm."),
    (44, 44, "target", "Chỉ tiêu phải khác giá trị ban đầu."),
    (0, 0, "target", "Chỉ tiêu phải khác giá trị ban đầu."),
])
def test_service_refuses_impossible_indicators(world, db, baseline, target, field, message):
    data = task_input(world.field, world.year,
                      indicators=[{"name": "Hộ", "unit": "hộ", "baseline": baseline, "target": target}])
    with pytest.raises(ValidationFailed) as refused:
        task_service.clean_task_input(data, world.year)
    assert message == str(refused.value.errors[f"indicators.0.{field}"][0])


@pytest.mark.parametrize("baseline, target", [(44, 0), (None, 10), (0, 120), (12.5, 3)])
def test_sensible_indicators_pass(world, db, baseline, target):
    data = task_input(world.field, world.year,
                      indicators=[{"name": "Hộ", "unit": "hộ", "baseline": baseline, "target": target}])
    assert task_service.clean_task_input(data, world.year)["indicators"][0]["target"] == target


def test_page_shows_the_field_message(world, login_as, db):
    client = login_as(world.owner)
    response = client.post("/tasks/new", data=form_payload(world, **{"indicators-0-target": "-120",
                                                                      "indicators-1-baseline": "3"}))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Giá trị không được âm." in page
    assert "Chỉ tiêu phải khác giá trị ban đầu." in page
    assert db.session.scalar(select(Task)) is None


def test_api_names_the_field(api_as, world, db):
    owner = api_as(world.owner)
    base = {**json_task(world), "year": world.year.year}
    negative = {**base, "indicators": [{"name": "Diện tích", "unit": "ha", "baseline": 0, "target": -3}]}
    body = assert_problem(owner.post("tasks", json=negative), 422, "indicators.0.target")
    assert body["errors"]["indicators.0.target"] == ["Giá trị không được âm."]  # Vietnamese by default
    same = {**base, "indicators": [{"name": "Diện tích", "unit": "ha", "baseline": 3, "target": 3}]}
    assert_problem(owner.post("tasks", json=same), 422, "indicators.0.target")
    assert db.session.scalar(select(Task)) is None
