"""The scenario registry: one entry per plan kind, keyed by the plan model's `scenario`, and
the arguments of plan_recovery choose exactly one."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows.point_recovery import NO_RECORDS
from ecs_dr.workflows.scenarios import SCENARIOS, AnyPlan, AnyResult, scenario_for

ONE = "i-bp1proddb0000000001"
TWO = "i-bp1proddb0000000002"


def _arguments(**given: Any) -> dict[str, Any]:
    return {
        "scenario": "full_instance",
        "source_instance_id": ONE,
        "target_instance_id": None,
        "target_zone_id": None,
        "disk_ids": None,
        "instance_name": None,
        "drill": False,
        "region_id": None,
    } | given


def test_each_scenario_is_keyed_by_its_plan_models_scenario() -> None:
    assert set(SCENARIOS) == {"full_instance", "fleet", "disks"}
    for name, scenario in SCENARIOS.items():
        assert scenario.name == name
        assert scenario.plan_type.model_fields["scenario"].default == name


def test_the_output_schema_unions_hold_every_scenarios_models() -> None:
    assert set(get_args(AnyPlan)) == {s.plan_type for s in SCENARIOS.values()}
    assert set(get_args(AnyResult)) == {s.result_type for s in SCENARIOS.values()}


@pytest.mark.parametrize(
    ("scenario", "sources", "expected"),
    [
        ("full_instance", ONE, "full_instance"),
        ("full_instance", [ONE], "full_instance"),
        ("full_instance", [ONE, TWO], "fleet"),
        ("disks", ONE, "disks"),
    ],
)
def test_plan_recovery_arguments_choose_one_scenario(
    scenario: str, sources: str | list[str], expected: str
) -> None:
    chosen = scenario_for(_arguments(scenario=scenario, source_instance_id=sources))
    assert chosen.name == expected


async def test_a_fleet_with_one_instance_name_is_refused_before_anything_is_read() -> None:
    arguments = _arguments(
        source_instance_id=[ONE, TWO], target_zone_id="cn-hangzhou-j", instance_name="dr"
    )
    with pytest.raises(Refusal, match="Leave instance_name out"):
        await scenario_for(arguments).plan(None, arguments, {}, NO_RECORDS)  # type: ignore[arg-type]
