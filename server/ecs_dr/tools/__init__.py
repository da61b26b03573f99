"""MCP tool adapters: parse arguments, call a workflow, run the decision protocol, shape a
result. No business rule lives here."""

from __future__ import annotations

from ecs_dr.tools.account import describe_account
from ecs_dr.tools.cleanup import cleanup_recovery, find_orphans
from ecs_dr.tools.disks import attach_disk, create_disk_from_snapshot
from ecs_dr.tools.inspect import (
    check_target_zone,
    describe_source,
    describe_target_instance,
    find_instances,
    verify_dr_instance,
)
from ecs_dr.tools.operations import (
    cancel_operation,
    get_operation,
    list_operations,
    wait_operation,
)
from ecs_dr.tools.orchestration import execute_recovery, plan_recovery, resume_recovery
from ecs_dr.tools.recovery import (
    create_full_image,
    create_snapshot,
    create_snapshot_group,
    create_vswitch,
    run_dr_instance,
)
from ecs_dr.tools.recovery_points import create_recovery_point, list_recovery_points
from ecs_dr.tools.registry import ToolEntry
from ecs_dr.tools.reports import drill_report

TOOLS: tuple[ToolEntry, ...] = (
    ToolEntry(find_instances, "Find instances by name, zone or status", read_only=True),
    ToolEntry(describe_source, "Describe the source instance", read_only=True),
    ToolEntry(check_target_zone, "Check a target zone", read_only=True),
    ToolEntry(describe_target_instance, "Describe a target instance", read_only=True),
    ToolEntry(verify_dr_instance, "Compare a DR instance with its source", read_only=True),
    ToolEntry(wait_operation, "Follow a long operation", read_only=True),
    ToolEntry(get_operation, "Show one operation", read_only=True),
    ToolEntry(list_operations, "List operations", read_only=True),
    ToolEntry(drill_report, "Report a recovery's RTO and RPO", read_only=True),
    ToolEntry(find_orphans, "Find resources the journal does not know", read_only=True),
    ToolEntry(plan_recovery, "Plan a recovery (changes nothing)", read_only=True),
    ToolEntry(list_recovery_points, "List a source's recovery points", read_only=True),
    ToolEntry(describe_account, "Show the account", read_only=True),
    ToolEntry(create_snapshot_group, "Snapshot every disk at once"),
    ToolEntry(create_snapshot, "Snapshot one disk"),
    ToolEntry(create_full_image, "Build the recovery image"),
    ToolEntry(create_vswitch, "Create a VSwitch"),
    ToolEntry(run_dr_instance, "Launch the DR instance"),
    ToolEntry(create_disk_from_snapshot, "Create a disk from a snapshot"),
    ToolEntry(attach_disk, "Attach a disk to an instance"),
    ToolEntry(create_recovery_point, "Take a recovery point ahead of a disaster"),
    ToolEntry(execute_recovery, "Execute a recovery plan"),
    ToolEntry(resume_recovery, "Resume an interrupted recovery"),
    ToolEntry(cancel_operation, "Stop an operation before its next create", idempotent=True),
    ToolEntry(cleanup_recovery, "Delete what one operation created", destructive=True),
)
