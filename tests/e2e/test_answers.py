"""What the model reads, through the `mcp` client: each answer's text is markdown written for
it (status and ids, the table the user should see once, the next step), its structured content
holds each fact once, and tools/list sends lean output schemas. Sizes are the issue's targets
for a Scenario A recovery of a source with four disks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from bench.sizes import A_STRUCTURED_LIMIT, A_TEXT_LIMIT, FOUR_DISK_SOURCE, with_four_disk_source

from ecs_dr.tools.results import lean_schema
from tests.support.decisions import confirmed, decide
from tests.support.demo_world import DEMO_WORLD_FILE, TARGET_ZONE
from tests.support.markdown_tables import parse_table, table_headed, tables_in
from tests.support.mcp import Answer, Session, mcp_session


def keys(value: Any) -> list[str]:
    """Every key of every object in plain data."""
    if isinstance(value, dict):
        return [*value, *(k for item in value.values() for k in keys(item))]
    if isinstance(value, list):
        return [k for item in value for k in keys(item)]
    return []


async def finished(served: Session, result: Answer) -> Answer:
    while result["status"] == "in_progress":
        result = await served.call("wait_operation", {"operation_id": result["operation_id"]})
    return result


async def test_a_four_disk_recovery_answers_in_short_markdown_and_each_fact_once(
    tmp_path: Path,
) -> None:
    world = tmp_path / "world.json"
    shutil.copy(DEMO_WORLD_FILE, world)
    with_four_disk_source(world)
    async with mcp_session(tmp_path, env={"ECS_DR_SANDBOX_WORLD": str(world)}) as served:
        planned, _ = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": FOUR_DISK_SOURCE,
                "target_zone_id": TARGET_ZONE,
            },
        )
        assert planned["status"] == "completed", planned
        assert len(parse_table(table_headed(planned.text, "Step"))[1]) == len(planned["steps"])
        done = await finished(
            served,
            await served.call(
                "execute_recovery",
                await confirmed(served, "execute_recovery", {"plan_id": planned["plan_id"]}),
            ),
        )
    assert done["status"] == "completed", done
    assert len(done.text) <= A_TEXT_LIMIT, len(done.text)
    assert len(json.dumps(dict(done))) <= A_STRUCTURED_LIMIT, len(json.dumps(dict(done)))
    assert done.text.startswith("**completed**")
    assert f"`{done['operation_id']}`" in done.text and f"`{done['dr_instance_id']}`" in done.text
    assert done.text.endswith(f"Next: {done['next_step']}")
    # The comparison: one table in the text, a row per item; once in the structured content.
    (comparison,) = [t for t in tables_in(done.text) if t.startswith("| Item |")]
    rows = done["result"]["comparison"]
    assert len(parse_table(comparison)[1]) == len(rows)
    assert sum(k == "comparison" for k in keys(dict(done))) == 1
    assert not [k for k in keys(dict(done)) if "markdown" in k]
    assert not done.text.lstrip().startswith("{")


async def test_tools_list_sends_lean_output_schemas_that_keep_the_cloud_text_marks(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        listed = await served.client.list_tools()
    for tool in listed.tools:
        schema = tool.output_schema or {}
        assert "status" in schema["properties"], tool.name
        # Nothing left to drop: no title, description or default anywhere in it.
        assert lean_schema(schema) == schema, tool.name
        assert '"$comment": "cloud-text"' in json.dumps(schema), tool.name
