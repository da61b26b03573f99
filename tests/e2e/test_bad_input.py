"""Bad input gets a clear tool error naming the problem and what is valid, and creates nothing.

None of the cases changes the cloud, so one server serves them all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcp_types import TextContent

from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    PUBLIC_IMAGE,
    SHANGHAI_INSTANCE,
    TARGET_INSTANCE,
    TARGET_SYSTEM,
)
from tests.support.mcp import mcp_session


@dataclass(frozen=True)
class Case:
    tool: str
    arguments: dict[str, Any]
    mentions: list[str]
    id: str


CASES = [
    Case(
        "describe_source",
        {"instance_id": "i-bp1doesnotexist0001"},
        ["i-bp1doesnotexist0001", "searched cn-hangzhou, cn-shanghai"],
        id="unknown instance",
    ),
    Case(
        "create_snapshot",
        {"disk_id": "d-bp1doesnotexist0001"},
        ["d-bp1doesnotexist0001"],
        id="unknown disk",
    ),
    Case(
        "check_target_zone",
        {"instance_id": DB_INSTANCE, "target_zone_id": "cn-hangzhou-h"},
        ["zone of i-bp1proddb0000000001 itself", "cn-hangzhou-i"],
        id="the source's own zone",
    ),
    Case(
        "check_target_zone",
        {"instance_id": DB_INSTANCE, "target_zone_id": "cn-shanghai-e"},
        ["not a zone of cn-hangzhou", "cn-hangzhou-j"],
        id="a zone of another region",
    ),
    Case(
        "check_target_zone",
        {"instance_id": DB_INSTANCE, "target_zone_id": "cn-hangzhou-z"},
        ["cn-hangzhou-z", "cn-hangzhou-i"],
        id="unknown zone",
    ),
    Case(
        "run_dr_instance",
        {
            "instance_id": DB_INSTANCE,
            "image_id": "m-bp1doesnotexist0001",
            "target_zone_id": "cn-hangzhou-i",
        },
        ["m-bp1doesnotexist0001"],
        id="unknown image",
    ),
    Case(
        "run_dr_instance",
        {"instance_id": DB_INSTANCE, "image_id": PUBLIC_IMAGE, "target_zone_id": "cn-hangzhou-i"},
        [PUBLIC_IMAGE],
        id="an image not built from this source",
    ),
    Case(
        "run_dr_instance",
        {
            "instance_id": DB_INSTANCE,
            "image_id": PUBLIC_IMAGE,
            "target_zone_id": "cn-hangzhou-i",
            "instance_name": "http://db",
        },
        ["http://"],
        id="an instance name ECS would reject",
    ),
    Case(
        "check_target_zone",
        {
            "instance_id": DB_INSTANCE,
            "target_zone_id": "cn-hangzhou-j",
            "decisions": {"vswitch_cn-hangzhou-j": "make one"},
        },
        ["'make one' is not one of the options", "create_vswitch", "zone:cn-hangzhou-i"],
        id="a decision value not among the options",
    ),
    Case(
        "create_full_image",
        {"instance_id": DB_INSTANCE},
        ["snapshot_group_id"],
        id="an image without snapshots",
    ),
    Case(
        "create_disk_from_snapshot",
        {"snapshot_id": "s-bp1doesnotexist0001", "target_instance_id": TARGET_INSTANCE},
        ["s-bp1doesnotexist0001", "searched cn-hangzhou, cn-shanghai"],
        id="unknown snapshot",
    ),
    Case(
        "attach_disk",
        {"disk_id": DB_DATA, "target_instance_id": TARGET_INSTANCE},
        ["attached to another instance, i-bp1proddb0000000001", "create_disk_from_snapshot"],
        id="a disk attached to another instance",
    ),
    Case(
        "attach_disk",
        {"disk_id": TARGET_SYSTEM, "target_instance_id": SHANGHAI_INSTANCE},
        ["is in cn-shanghai", "cn-hangzhou"],
        id="a target in another region",
    ),
    Case(
        "plan_recovery",
        {"scenario": "full_instance", "source_instance_id": [], "target_zone_id": "cn-hangzhou-i"},
        ["source_instance_id", "at least 1"],
        id="an empty fleet",
    ),
    Case(
        "get_operation",
        {"operation_id": "op-0000000000000000"},
        ["unknown operation id", "list_operations"],
        id="unknown operation",
    ),
]


async def test_bad_input_is_refused_with_what_is_valid_and_creates_nothing(
    tmp_path: Path,
) -> None:
    # One server for every case: starting one per case would cost more than the cases.
    async with mcp_session(tmp_path) as served:
        for case in CASES:
            result = await served.client.call_tool(case.tool, case.arguments)
            assert result.is_error, (case.id, result.structured_content)
            content = result.content[0]
            assert isinstance(content, TextContent)
            for mention in case.mentions:
                assert mention in content.text, (case.id, content.text)
            assert "Traceback" not in content.text
        created = [a for a in served.sandbox.actions() if a.startswith(("Create", "Run", "Attach"))]
        assert created == []


# What pydantic's own text carries and an agent must never read.
INTERNALS = re.compile(
    r"validation error|Arguments\b|function-after|functools|0x[0-9a-f]+|pydantic|\[type="
)


async def test_a_bad_argument_is_one_paragraph_with_status_failed_and_a_next_step(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        result = await served.client.call_tool(
            "check_target_zone",
            {"instance_id": "d-bp1paydbprimary", "target_zone_id": "cn-hangzhou-i"},
        )
        assert result.is_error
        content = result.content[0]
        assert isinstance(content, TextContent)
        assert "instance_id" in content.text and "'d-bp1paydbprimary'" in content.text
        assert "\n" not in content.text
        assert not INTERNALS.search(content.text), content.text
        structured = result.structured_content or {}
        assert structured["status"] == "failed"
        assert "check_target_zone" in structured["next_step"]
        assert not INTERNALS.search(json.dumps(structured)), structured


async def test_omit_region_id_is_advised_only_when_region_id_was_passed(tmp_path: Path) -> None:
    unknown = "i-bp1doesnotexist0001"
    async with mcp_session(tmp_path) as served:
        without = await served.client.call_tool("describe_source", {"instance_id": unknown})
        given = await served.client.call_tool(
            "describe_source", {"instance_id": unknown, "region_id": "cn-hangzhou"}
        )
    texts = [c.text for r in (without, given) for c in r.content if isinstance(c, TextContent)]
    advice = "omit region_id so that every region is searched"
    assert without.is_error and given.is_error
    assert advice not in texts[0]
    assert advice in texts[1]


async def test_every_input_schema_refuses_arguments_the_tool_does_not_take(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        tools = (await served.client.list_tools()).tools
    assert tools
    for tool in tools:
        assert tool.input_schema["additionalProperties"] is False, tool.name


async def test_a_failure_in_the_tool_body_is_one_paragraph_with_status_failed_and_a_next_step(
    tmp_path: Path,
) -> None:
    unknown = "i-bp1doesnotexist0001"
    async with mcp_session(tmp_path) as served:
        result = await served.client.call_tool(
            "describe_source", {"instance_id": unknown, "region_id": "cn-hangzhou"}
        )
        refused = await served.client.call_tool(
            "get_operation", {"operation_id": "op-0123456789abcdef"}
        )
    for answer in (result, refused):
        assert answer.is_error
        (content,) = answer.content
        assert isinstance(content, TextContent)
        assert not content.text.startswith("Error executing tool"), content.text
        assert "\n" not in content.text
        structured = answer.structured_content or {}
        assert structured["status"] == "failed"
        assert structured["error"] and structured["error"] in content.text
        assert structured["next_step"] in content.text
    # The cloud's words and the advice that follows them are apart.
    assert unknown in result.structured_content["error"]
    advice = "omit region_id so that every region is searched"
    assert advice in result.structured_content["next_step"]
    assert advice not in result.structured_content["error"]
