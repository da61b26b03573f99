"""A plan the journal holds from an earlier version of the server is refused in words, not
with the validation error of its model."""

from __future__ import annotations

import pytest

from ecs_dr.workflows.scenarios import stored_plan


@pytest.mark.parametrize("scenario", ["full_instance", "fleet", "disks"])
def test_a_plan_stored_without_what_this_version_binds_is_refused_asking_to_plan_again(
    scenario: str,
) -> None:
    with pytest.raises(ValueError, match="plan again") as refused:
        stored_plan("plan-0123456789abcdef", scenario, {"region_id": "cn-hangzhou"})

    assert "plan-0123456789abcdef" in str(refused.value)
    assert "validation error" not in str(refused.value)
