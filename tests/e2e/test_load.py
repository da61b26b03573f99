"""Load on one server, through one `mcp` client session over stdio: fifty read-only tool calls
at once, each answering what it answers alone; ten full-instance recoveries executed at
once, each ending with its own snapshot group, image and DR instance and hearing only its own
progress; and one plan executed five times at once, which runs once.

The world holds ten sources of different shapes (two to five disks, ESSD PL0-PL2 and
cloud_auto, with and without a public IP) in one zone, a target zone that can take them all,
a zone without a VSwitch and a zone out of stock (so that some read-only answers are
choice prompts). The gateway admits few requests at a time, so the calls queue inside the
server, not only on the wire.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types

from tests.support.decisions import confirmed
from tests.support.load_world import (
    NO_STOCK_ZONE,
    NO_VSWITCH_ZONE,
    RECOVERIES_TIMEOUT_S,
    REGION,
    SOURCES,
    TARGET_ZONE,
    followed,
    planned,
    server_env,
    source_id,
    write_world,
)
from tests.support.mcp import Session, mcp_session
from tests.support.recoveries import TAG_OPERATION

MUTATING = ("Create", "Run", "Allocate", "Attach", "Modify", "Delete", "Stop", "Reboot", "Tag")
PLANS_TIMEOUT_S = 20.0
READS_TIMEOUT_S = 30.0
# Ids of every kind a progress message can name (sources, DR instances, snapshots and their
# groups, images, disks, operations).
RESOURCE_ID = re.compile(r"\b(?:i|ssg|s|m|d|op)-[0-9a-z]{12,}\b")
TAG_SOURCE = "ecs-dr:source-instance"


def canonical(result: dict[str, Any]) -> str:
    """The result as sorted JSON, the plan id it stored (if any) named `<plan_id>`.

    A plan_recovery call that completes stores a new plan under a new id each time, which
    also appears in its next_step; nothing else in any of these results may differ.
    """
    text = json.dumps(result, sort_keys=True)
    plan_id = result.get("plan_id")
    return text.replace(plan_id, "<plan_id>") if isinstance(plan_id, str) else text


def text_of(result: types.CallToolResult) -> str:
    """The text an agent reads in a tool's answer (an error's message)."""
    content = result.content[0]
    assert isinstance(content, types.TextContent)
    return content.text


def changed_fields(first: str, second: str | None) -> list[str]:
    """The top-level fields in which two canonical results differ (a failure's diagnosis)."""
    before, after = json.loads(first), json.loads(second or "{}")
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


async def test_fifty_read_only_calls_at_once_each_answer_what_the_same_call_answers_alone(
    tmp_path: Path,
) -> None:
    sources = write_world(tmp_path / "world.json")
    async with mcp_session(tmp_path, env=server_env(tmp_path / "world.json")) as served:
        # One recovery first: list_operations and describe_target_instance have it to show.
        plan_id = await planned(served, sources[0])
        recovered = await followed(
            served,
            "execute_recovery",
            await confirmed(served, "execute_recovery", {"plan_id": plan_id}),
            [],
        )
        assert recovered["status"] == "completed", recovered
        dr_instance = recovered["result"]["dr_instance_id"]
        zones = (TARGET_ZONE, NO_VSWITCH_ZONE, NO_STOCK_ZONE)
        calls: list[tuple[str, dict[str, Any]]] = []
        for n, source in enumerate(sources):
            zone = zones[n % len(zones)]
            calls += [
                ("describe_source", {"instance_id": source}),
                ("check_target_zone", {"instance_id": source, "target_zone_id": zone}),
                ("describe_target_instance", {"instance_id": dr_instance if n == 0 else source}),
                ("list_operations", {}),
                (
                    "plan_recovery",
                    {
                        "scenario": "full_instance",
                        "source_instance_id": source,
                        "target_zone_id": zone,
                    },
                ),
            ]
        assert len(calls) == 50

        mutations = [a for a in served.sandbox.actions() if a.startswith(MUTATING)]
        with anyio.fail_after(READS_TIMEOUT_S):
            alone = [canonical(await served.call(tool, arguments)) for tool, arguments in calls]
        # Calls with different arguments answer differently: an answer delivered to the
        # wrong caller cannot go unnoticed.
        distinct = {
            a for (tool, _), a in zip(calls, alone, strict=True) if tool != "list_operations"
        }
        assert len(distinct) == len(calls) - len(sources)
        statuses = Counter(json.loads(a)["status"] for a in alone)
        assert statuses["needs_decision"] > 0 and statuses["completed"] > 0, statuses

        together: list[str | None] = [None] * len(calls)

        async def call(index: int) -> None:
            tool, arguments = calls[index]
            together[index] = canonical(await served.call(tool, arguments))

        with anyio.fail_after(READS_TIMEOUT_S):
            async with anyio.create_task_group() as group:
                for index in range(len(calls)):
                    group.start_soon(call, index)

        differing = [
            (tool, arguments, changed_fields(first, second))
            for (tool, arguments), first, second in zip(calls, alone, together, strict=True)
            if first != second
        ]
        assert differing == []
        assert [a for a in served.sandbox.actions() if a.startswith(MUTATING)] == mutations


def cloud_resources(state: dict[str, Any], n: int, outcome: dict[str, Any]) -> set[str]:
    """Every resource the n-th source's recovery made, as the sandbox holds them: each carries
    its operation and its source, and the DR instance copies this source's disks."""
    source, result = SOURCES[n], outcome["result"]
    dr, image, group = result["dr_instance_id"], result["image_id"], result["snapshot_group_id"]
    snapshots = set(result["snapshot_ids"])
    dr_disks = {d["disk_id"]: d for d in state["disks"].values() if d["instance_id"] == dr}
    tagged: dict[str, set[str]] = {}
    for entry in state["tags"]:
        if entry["tags"].get(TAG_OPERATION) == outcome["operation_id"]:
            assert entry["tags"][TAG_SOURCE] == source_id(n), entry
            tagged.setdefault(entry["resource_type"], set()).add(entry["resource_id"])
    assert tagged == {
        "snapshotgroup": {group},
        "snapshot": snapshots,
        "image": {image},
        "instance": {dr},
        "disk": set(dr_disks),
    }
    assert set(state["snapshot_groups"][group]["snapshot_ids"]) == snapshots
    assert {state["snapshots"][s]["source_disk_id"] for s in snapshots} == {
        f"d-bp1load{n:02d}disk{k:07d}" for k in range(len(source.disks))
    }
    assert {m["snapshot_id"] for m in state["images"][image]["mappings"]} == snapshots
    kept = sorted(
        (d["device"], d["category"], d["size"], d["performance_level"]) for d in dr_disks.values()
    )
    assert kept == [
        (f"/dev/xvd{chr(ord('a') + k)}", category, size, level)
        for k, (category, size, level) in enumerate(source.disks)
    ]
    instance = state["instances"][dr]
    assert (instance["zone_id"], instance["image_id"]) == (TARGET_ZONE, image)
    assert instance["internet_max_bandwidth_out"] == source.bandwidth_out
    assert bool(instance["public_ip"]) is (source.bandwidth_out > 0)
    return {source_id(n), outcome["operation_id"], dr, image, group, *snapshots, *dr_disks}


def assert_result_is_its_own(n: int, outcome: dict[str, Any]) -> None:
    """The result names the n-th source and compares it with its own DR instance and image."""
    result, name = outcome["result"], SOURCES[n].name
    assert result["source_instance_id"] == source_id(n)
    assert result["all_match"] is True, result["comparison"]
    rows = {row["item"]: (row["source"], row["dr"]) for row in result["comparison"]}
    assert rows["Instance ID"] == (source_id(n), result["dr_instance_id"])
    assert rows["Name"] == (name, f"recovery-{name}")
    assert rows["Image"][1] == result["image_id"]


async def assert_journal_is_its_own(
    served: Session, n: int, plan_id: str, outcome: dict[str, Any]
) -> None:
    """get_operation lists the plan's three creates, each with this recovery's resource."""
    result = outcome["result"]
    found = await served.call("get_operation", {"operation_id": outcome["operation_id"]})
    record = found["operation"]
    assert record["arguments"]["plan_id"] == plan_id
    steps = {s["action"]: s for s in record["steps"]}
    assert {action: s["resource_id"] for action, s in steps.items()} == {
        "CreateSnapshotGroup": result["snapshot_group_id"],
        "CreateImage": result["image_id"],
        "RunInstances": result["dr_instance_id"],
    }
    assert steps["CreateSnapshotGroup"]["parameters"]["InstanceId"] == source_id(n)
    image_parameters = steps["CreateImage"]["parameters"]
    mapped = {v for k, v in image_parameters.items() if k.endswith(".SnapshotId")}
    assert mapped == set(result["snapshot_ids"])
    assert steps["RunInstances"]["parameters"]["ImageId"] == result["image_id"]


def assert_heard_only_its_own(n: int, heard: list[tuple[float, str]], owned: set[str]) -> int:
    """What the n-th recovery's calls heard of its progress never goes back and names only its
    own resources and no other source; returns how many resources it named. Which reports they
    hear depends on when they follow (one made between two wait_operation calls reaches nobody,
    so on a loaded machine a recovery may hear none); every report names a resource."""
    values = [progress for progress, _ in heard]
    messages = [message for _, message in heard]
    named = {i for message in messages for i in RESOURCE_ID.findall(message)}
    assert named <= owned, named - owned
    # Within a call progress strictly increases (a repeat is sent one ulp above the last);
    # a later call relays the operation's own value again, at most that ulp below.
    assert all(b >= a or math.isclose(a, b) for a, b in itertools.pairwise(values)), heard
    others = [s.name for m, s in enumerate(SOURCES) if m != n]
    assert [m for m in messages if any(name in m for name in others)] == []
    return len(named)


async def test_ten_recoveries_at_once_each_create_and_report_only_their_own_resources(
    tmp_path: Path,
) -> None:
    sources = write_world(tmp_path / "world.json")
    async with mcp_session(tmp_path, env=server_env(tmp_path / "world.json")) as served:
        with anyio.fail_after(PLANS_TIMEOUT_S):
            plans = [await planned(served, source) for source in sources]
        outcomes: dict[str, dict[str, Any]] = {}
        heard: dict[str, list[tuple[float, str]]] = {source: [] for source in sources}

        # Each user confirms their plan first; then the ten executions start at once.
        confirmations = [
            await confirmed(served, "execute_recovery", {"plan_id": plan_id}) for plan_id in plans
        ]

        async def recover(source: str, arguments: dict[str, Any]) -> None:
            outcomes[source] = await followed(served, "execute_recovery", arguments, heard[source])

        with anyio.fail_after(RECOVERIES_TIMEOUT_S):
            async with anyio.create_task_group() as group:
                for source, arguments in zip(sources, confirmations, strict=True):
                    group.start_soon(recover, source, arguments)

        assert {s: o["status"] for s, o in outcomes.items()} == dict.fromkeys(sources, "completed")
        state = served.sandbox.state()["regions"][REGION]
        owned: dict[str, set[str]] = {}
        named: list[int] = []
        for n, source in enumerate(sources):
            assert_result_is_its_own(n, outcomes[source])
            owned[source] = cloud_resources(state, n, outcomes[source])
            await assert_journal_is_its_own(served, n, plans[n], outcomes[source])
            named.append(assert_heard_only_its_own(n, heard[source], owned[source]))
        # Progress was heard, so the check above is not vacuous.
        assert any(named), heard

        # Nothing is shared, and each source got one snapshot group, image and instance.
        everything = [r for resources in owned.values() for r in resources]
        assert len(everything) == len(set(everything))
        groups = Counter(g["instance_id"] for g in state["snapshot_groups"].values())
        assert groups == dict.fromkeys(sources, 1)
        assert len(state["images"]) == len(sources)
        created = set(state["instances"]) - set(sources)
        assert created == {o["result"]["dr_instance_id"] for o in outcomes.values()}


async def test_one_plan_executed_five_times_at_once_runs_once(tmp_path: Path) -> None:
    sources = write_world(tmp_path / "world.json")
    async with mcp_session(tmp_path, env=server_env(tmp_path / "world.json")) as served:
        with anyio.fail_after(PLANS_TIMEOUT_S):
            plan_id = await planned(served, sources[1])
        answers: list[types.CallToolResult] = []
        arguments = await confirmed(served, "execute_recovery", {"plan_id": plan_id})

        async def execute() -> None:
            answers.append(await served.client.call_tool("execute_recovery", arguments))

        with anyio.fail_after(RECOVERIES_TIMEOUT_S):
            async with anyio.create_task_group() as group:
                for _ in range(5):
                    group.start_soon(execute)

        (ran,) = [a.structured_content or {} for a in answers if not a.is_error]
        refusals = [text_of(a) for a in answers if a.is_error]
        assert len(refusals) == 4
        assert all(ran["operation_id"] in refusal for refusal in refusals), refusals
        done = await followed(served, "wait_operation", {"operation_id": ran["operation_id"]}, [])
        assert done["status"] == "completed", done
        creates = Counter(a for a in served.sandbox.actions() if a.startswith(("Create", "Run")))
        assert creates == {"CreateSnapshotGroup": 1, "CreateImage": 1, "RunInstances": 1}
