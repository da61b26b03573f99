"""Batched polling end to end (issue 19.2), through the `mcp` client over stdio: Scenario B
copies two disks, and the waits that start together (both snapshots, then both new disks)
share one Describe call per round instead of one each."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.decisions import decide
from tests.support.demo_world import DB_DATA, DB_INSTANCE, DB_LOG, TARGET_INSTANCE
from tests.support.mcp import mcp_session


async def test_waits_that_start_together_share_their_describe_calls(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        planned, _ = await decide(
            served,
            "plan_recovery",
            {
                "scenario": "disks",
                "source_instance_id": DB_INSTANCE,
                "target_instance_id": TARGET_INSTANCE,
                "disk_ids": [DB_DATA, DB_LOG],
            },
        )
        assert planned["status"] == "completed", planned
        done, _ = await decide(served, "execute_recovery", {"plan_id": planned["plan_id"]})
        assert done["status"] == "completed", done
        requests = served.sandbox.requests()

    # After the creates, the first poll names both resources (a wait that ends leaves later
    # ones); alone, each would have been asked for in a call of its own.
    for create, describe, ids in (
        ("CreateSnapshot", "DescribeSnapshots", "SnapshotIds"),
        ("CreateDisk", "DescribeDisks", "DiskIds"),
    ):
        actions = [r["action"] for r in requests]
        last_create = len(actions) - 1 - actions[::-1].index(create)
        assert actions.count(create) == 2
        first_poll = next(
            r["parameters"]
            for r in requests[last_create:]
            if r["action"] == describe and ids in r["parameters"]
        )
        assert len(json.loads(first_poll[ids])) == 2
