"""The creating step tools' paths through their workflows, and their table by tool name.

Each `MutatingTool` binds a workflow's `prepare_*` and `execute_*` (the arguments come from
`prepare_*`'s signature); the tools in recovery.py (Scenario A) and disks.py (Scenario B) run
them. `STEP_TOOLS` is what resume_recovery continues an operation of such a tool with, keyed by
the tool name its operations are journaled under.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecs_dr.tools.mutation import MutatingTool
from ecs_dr.workflows import scenario_a, scenario_b
from ecs_dr.workflows.scenario_a import (
    DrInstancePlan,
    DrInstanceResult,
    ImagePlan,
    ImageResult,
    SnapshotGroupPlan,
    SnapshotPlan,
    SnapshotResult,
    SnapshotSetResult,
    VSwitchPlan,
    VSwitchResult,
)
from ecs_dr.workflows.scenario_b import (
    AttachDiskPlan,
    AttachResult,
    CreateDiskPlan,
    NewDiskResult,
)

# --- Scenario A ------------------------------------------------------------------------------


def _after_group(result: SnapshotSetResult) -> str:
    ids = [s.snapshot_id for s in result.snapshots]
    source = (
        f"snapshot_group_id={result.snapshot_group_id!r}"
        if result.snapshot_group_id
        else f"snapshot_ids={ids!r}"
    )
    return f"create_full_image(instance_id={result.instance_id!r}, {source})"


GROUP = MutatingTool(
    "create_snapshot_group",
    prepare=scenario_a.prepare_snapshot_group,
    execute=scenario_a.execute_snapshot_group,
    plan_type=SnapshotGroupPlan,
    result=SnapshotSetResult,
    next_step=_after_group,
)


def _after_snapshot(result: SnapshotResult) -> str:
    if not result.instance_id:
        return ""
    return (
        f"create_full_image(instance_id={result.instance_id!r}, snapshot_id={result.snapshot_id!r})"
    )


SNAPSHOT = MutatingTool(
    "create_snapshot",
    prepare=scenario_a.prepare_snapshot,
    execute=scenario_a.execute_snapshot,
    plan_type=SnapshotPlan,
    result=SnapshotResult,
    next_step=_after_snapshot,
)


def _after_image(result: ImageResult) -> str:
    return (
        f"run_dr_instance(instance_id={result.instance_id!r}, image_id={result.image_id!r}, "
        "target_zone_id=<the zone checked with check_target_zone>)"
    )


IMAGE = MutatingTool(
    "create_full_image",
    prepare=scenario_a.prepare_full_image,
    execute=scenario_a.execute_full_image,
    plan_type=ImagePlan,
    result=ImageResult,
    next_step=_after_image,
)

VSWITCH = MutatingTool(
    "create_vswitch",
    prepare=scenario_a.prepare_vswitch,
    execute=scenario_a.execute_vswitch,
    plan_type=VSwitchPlan,
    result=VSwitchResult,
    next_step=lambda result: f"run_dr_instance(..., vswitch_id={result.vswitch_id!r})",
)

DR_INSTANCE = MutatingTool(
    "run_dr_instance",
    prepare=scenario_a.prepare_dr_instance,
    execute=scenario_a.execute_dr_instance,
    plan_type=DrInstancePlan,
    result=DrInstanceResult,
    next_step=lambda result: (
        "Show the markdown comparison to the user."
        if result.all_match
        else "Some rows do not match (match=false): show them to the user."
    ),
)

# --- Scenario B ------------------------------------------------------------------------------

NEW_DISK = MutatingTool(
    "create_disk_from_snapshot",
    prepare=scenario_b.prepare_disk_from_snapshot,
    execute=scenario_b.execute_disk_from_snapshot,
    plan_type=CreateDiskPlan,
    result=NewDiskResult,
    next_step=lambda result: (
        f"attach_disk(disk_id={result.disk_id!r}, target_instance_id={result.target_instance_id!r})"
    ),
)

ATTACH = MutatingTool(
    "attach_disk",
    prepare=scenario_b.prepare_attach_disk,
    execute=scenario_b.execute_attach_disk,
    plan_type=AttachDiskPlan,
    result=AttachResult,
    next_step=lambda _: (
        "Show the markdown layout and the reminder to the user; do not suggest OS commands."
    ),
)

STEP_TOOLS: Mapping[str, MutatingTool[Any, Any]] = {
    step.tool: step for step in (GROUP, SNAPSHOT, IMAGE, VSWITCH, DR_INSTANCE, NEW_DISK, ATTACH)
}
"""Every creating step tool, by tool name (the kind of the operations it journals)."""
