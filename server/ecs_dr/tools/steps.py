"""The creating step tools' paths through their workflows, and their table by tool name.

Each `MutatingTool` binds a workflow's `prepare_*` (its signature gives the tool's arguments)
and `execute_*` (its annotations give the plan and result models), and says what to call once
the result is there. The tools in recovery.py (Scenario A) and disks.py (Scenario B) run them;
resume_recovery continues an operation of one through `STEP_TOOLS`, keyed by the tool name its
operations are journaled under.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ecs_dr.domain.disks import AttachResult, NewDiskResult
from ecs_dr.domain.dr_instance import DrInstanceResult
from ecs_dr.domain.images import ImageResult
from ecs_dr.domain.snapshots import SnapshotResult, SnapshotSetResult
from ecs_dr.domain.vswitches import VSwitchResult
from ecs_dr.tools.mutation import MutatingTool
from ecs_dr.tools.recovery_points import POINT
from ecs_dr.workflows.scenario_a import (
    execute_dr_instance,
    execute_full_image,
    execute_snapshot,
    execute_snapshot_group,
    execute_vswitch,
    prepare_dr_instance,
    prepare_full_image,
    prepare_snapshot,
    prepare_snapshot_group,
    prepare_vswitch,
)
from ecs_dr.workflows.scenario_b import (
    execute_attach_disk,
    execute_disk_from_snapshot,
    prepare_attach_disk,
    prepare_disk_from_snapshot,
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
    "create_snapshot_group", prepare_snapshot_group, execute_snapshot_group, _after_group
)


def _after_snapshot(result: SnapshotResult) -> str:
    if not result.instance_id:
        return ""
    return (
        f"create_full_image(instance_id={result.instance_id!r}, snapshot_id={result.snapshot_id!r})"
    )


SNAPSHOT = MutatingTool("create_snapshot", prepare_snapshot, execute_snapshot, _after_snapshot)


def _after_image(result: ImageResult) -> str:
    return (
        f"run_dr_instance(instance_id={result.instance_id!r}, image_id={result.image_id!r}, "
        "target_zone_id=<the zone checked with check_target_zone>)"
    )


IMAGE = MutatingTool("create_full_image", prepare_full_image, execute_full_image, _after_image)


def _after_vswitch(result: VSwitchResult) -> str:
    return f"run_dr_instance(..., vswitch_id={result.vswitch_id!r})"


VSWITCH = MutatingTool("create_vswitch", prepare_vswitch, execute_vswitch, _after_vswitch)


def _after_dr_instance(result: DrInstanceResult) -> str:
    if result.all_match:
        return "Show the markdown comparison to the user."
    return "Some rows do not match (match=false): show them to the user."


DR_INSTANCE = MutatingTool(
    "run_dr_instance", prepare_dr_instance, execute_dr_instance, _after_dr_instance
)

# --- Scenario B ------------------------------------------------------------------------------


def _after_new_disk(result: NewDiskResult) -> str:
    return (
        f"attach_disk(disk_id={result.disk_id!r}, target_instance_id={result.target_instance_id!r})"
    )


NEW_DISK = MutatingTool(
    "create_disk_from_snapshot",
    prepare_disk_from_snapshot,
    execute_disk_from_snapshot,
    _after_new_disk,
)


def _after_attach(_: AttachResult) -> str:
    return "Show the markdown layout and the reminder to the user; do not suggest OS commands."


ATTACH = MutatingTool("attach_disk", prepare_attach_disk, execute_attach_disk, _after_attach)

STEP_TOOLS: Mapping[str, MutatingTool[Any, Any]] = {
    step.tool: step
    for step in (GROUP, SNAPSHOT, IMAGE, VSWITCH, DR_INSTANCE, NEW_DISK, ATTACH, POINT)
}
"""Every creating step tool, by tool name (the kind of the operations it journals)."""
