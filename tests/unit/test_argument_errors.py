"""A call's bad arguments, as the paragraph an agent reads (tools/argument_errors.py), and
the advice after a NotFound (tools/common.py)."""

from __future__ import annotations

import re

import pytest
from mcp.server.mcpserver.tools import Tool
from pydantic import ValidationError

from ecs_dr.cloud.errors import NotFound
from ecs_dr.tools import TOOLS
from ecs_dr.tools.argument_errors import SHOWN_ARGUMENTS, next_call, refused_arguments
from ecs_dr.tools.common import next_step

# What pydantic's own text carries and an agent must never read.
INTERNALS = re.compile(
    r"validation error|Arguments\b|function-after|functools|0x[0-9a-f]+|pydantic|errors\.pydantic"
    r"|input_value|\[type="
)
TOOL_BY_NAME = {entry.name: Tool.from_function(entry.fn, name=entry.name) for entry in TOOLS}


def _refusal(tool: str, arguments: dict[str, object]) -> str:
    checked = TOOL_BY_NAME[tool]
    with pytest.raises(ValidationError) as refused:
        checked.fn_metadata.validate_arguments(arguments)
    return refused_arguments(tool, refused.value, checked.parameters)


def test_a_name_where_an_id_goes_is_refused_with_the_argument_and_the_rule() -> None:
    # Instance arguments also take an exact name; a disk argument takes ids only.
    text = _refusal("create_snapshot", {"disk_id": "pay-db-primary"})
    assert "disk_id" in text
    assert "'pay-db-primary' is not a disk id" in text
    assert "a disk id is d-" in text
    assert "nothing was done" in text
    assert not INTERNALS.search(text), text


def test_an_instance_argument_neither_id_nor_name_is_refused_pointing_at_find_instances() -> None:
    text = _refusal(
        "check_target_zone", {"instance_id": "pay db primary", "target_zone_id": "cn-hangzhou-i"}
    )
    assert "instance_id" in text and "find_instances(name=...)" in text
    assert "nothing was done" in text
    assert not INTERNALS.search(text), text


def test_a_missing_argument_says_it_is_required_and_what_it_takes() -> None:
    text = _refusal("check_target_zone", {"target_zone_id": "cn-hangzhou-i"})
    assert "instance_id is required" in text
    assert "Instance id (i-bp1...) or exact name" in text
    assert not INTERNALS.search(text), text


def test_a_value_of_the_wrong_type_is_refused_without_quoting_it() -> None:
    text = _refusal("list_operations", {"limit": "x" * 5_000})
    assert "limit: input should be a valid integer" in text
    assert "xxxxx" not in text
    assert not INTERNALS.search(text), text


def test_a_member_of_a_list_argument_is_refused_by_its_rule_not_by_the_union() -> None:
    text = _refusal("plan_recovery", {"scenario": "disks", "source_instance_id": ["d-bp1x"]})
    assert "source_instance_id: 'd-bp1x' is a disk id" in text
    assert not INTERNALS.search(text), text


def test_a_choice_outside_the_literal_lists_the_valid_ones() -> None:
    text = _refusal("plan_recovery", {"scenario": "all", "source_instance_id": "i-bp1x"})
    assert "'full_instance' or 'disks'" in text


def test_every_wrong_argument_is_named_up_to_a_bound() -> None:
    text = _refusal("describe_source", {"instance_id": 5, "region_id": "X"})
    assert "instance_id:" in text and "region_id:" in text
    assert next_call("describe_source", ["a", "b", "c", "d", "e"]).count(",") == (
        SHOWN_ARGUMENTS - 1
    )


def test_omit_region_id_is_advised_after_a_not_found_only_when_region_id_was_given() -> None:
    missing = NotFound("InvalidInstanceId.NotFound", "no instance i-bp1x in cn-hangzhou")
    assert "omit region_id" in next_step(missing, region_id_given=True)
    assert "omit region_id" not in next_step(missing, region_id_given=False)
