"""A name or code already taken is refused with a field message, not a 500: SQLite's ``lower()`` folds
only ASCII, so a Vietnamese capital ("Ă", "Đ") is found by the exact value as well."""

from __future__ import annotations

import pytest

from registry.services import admin
from registry.services.errors import ValidationFailed

pytestmark = pytest.mark.db


@pytest.mark.parametrize("name, again", [("Ăn ở", "Ăn ở"), ("Đất đai", "Đất đai"), ("Land", "LAND")])
def test_a_field_name_taken_is_refused_on_its_field(world, db, name, again):
    admin.save_field(world.secretariat, None, {"name": name})
    db.session.flush()
    with pytest.raises(ValidationFailed) as refused:
        admin.save_field(world.secretariat, None, {"name": again})
    assert "name" in refused.value.errors


def test_a_field_keeps_its_own_name(world, db):
    field = admin.save_field(world.secretariat, None, {"name": "Ăn ở"})
    db.session.flush()
    assert admin.save_field(world.secretariat, field, {"name": "Ăn ở", "sort_order": 3}).sort_order == 3
