"""Each read of the source serves every check it can (issue 19.2), through the `mcp` client
over stdio: asking for the confirmation reads nothing of ECS; after the answer the source is
read once before the first create; before RunInstances only the instance and the plan's own
disks are read (by id, so a fleet's reads share calls); and the DR instance is compared with
that reading, not with another."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.support.decisions import decide, first_option
from tests.support.demo_world import DB_INSTANCE, TARGET_ZONE
from tests.support.mcp import mcp_session


def _names_source(request: dict[str, Any]) -> bool:
    """A read of the source instance or its disks (an image name also carries its id)."""
    reads = ("DescribeInstances", "DescribeDisks")
    return request["action"] in reads and DB_INSTANCE in json.dumps(request["parameters"])


async def test_a_recovery_reads_the_source_once_per_check_and_not_to_ask(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        planned, _ = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "full_instance",
                "source_instance_id": DB_INSTANCE,
                "target_zone_id": TARGET_ZONE,
            },
        )
        assert planned["status"] == "completed", planned
        arguments = {"plan_id": planned["plan_id"]}
        before_asking = len(served.sandbox.requests())
        asked = await served.call("execute_recovery", arguments)
        assert asked["status"] == "needs_decision", asked
        asking = served.sandbox.requests()[before_asking:]
        decisions = {p["decision_id"]: first_option(p) for p in asked["decisions"]}
        done = await served.call("execute_recovery", {**arguments, "decisions": decisions})
        while done["status"] == "in_progress":
            done = await served.call("wait_operation", {"operation_id": done["operation_id"]})
        assert done["status"] == "completed", done
        answered = served.sandbox.requests()[before_asking + len(asking) :]

    # The question names the account (STS, asked once per process) and reads no ECS resource.
    assert {r["action"] for r in asking} <= {"GetCallerIdentity"}

    actions = [r["action"] for r in answered]
    first_create = actions.index("CreateSnapshotGroup")
    before_create = [r for r in answered[:first_create] if _names_source(r)]
    assert sorted(r["action"] for r in before_create) == ["DescribeDisks", "DescribeInstances"]

    run = actions.index("RunInstances")
    last_create = len(actions) - 1 - actions[::-1].index("CreateImage")
    before_run = [r for r in answered[last_create:run] if r["action"] == "DescribeDisks"]
    assert len(before_run) == 1 and "DiskIds" in before_run[0]["parameters"], before_run
    assert "InstanceId" not in before_run[0]["parameters"]

    # The comparison takes the source as read before RunInstances.
    assert not [r for r in answered[run:] if _names_source(r)]
    assert done["result"]["all_match"] is True
