"""Scenario A, full-instance recovery into another zone: each tool's logic in one place.

Read-only steps answer at once. Each mutation is two calls: `prepare_*` reads the cloud, asks
for the decisions still open and returns the exact plan with its confirmation; `execute_*`
creates (ClientToken from the step recorder, so a resumed step never creates twice), tags the
resource with its operation, waits, reports progress and returns the result.
"""

from ecs_dr.cloud.ecs import REAL_TIME, Timing
from ecs_dr.workflows.dr_instance import (
    execute_dr_instance,
    prepare_dr_instance,
    verify_dr_instance,
)
from ecs_dr.workflows.images import execute_full_image, prepare_full_image
from ecs_dr.workflows.snapshots import (
    execute_snapshot,
    execute_snapshot_group,
    prepare_snapshot,
    prepare_snapshot_group,
)
from ecs_dr.workflows.source import describe_source, describe_target_instance
from ecs_dr.workflows.target_zone import check_target_zone
from ecs_dr.workflows.vswitches import execute_vswitch, prepare_vswitch

__all__ = [
    "REAL_TIME",
    "Timing",
    "check_target_zone",
    "describe_source",
    "describe_target_instance",
    "execute_dr_instance",
    "execute_full_image",
    "execute_snapshot",
    "execute_snapshot_group",
    "execute_vswitch",
    "prepare_dr_instance",
    "prepare_full_image",
    "prepare_snapshot",
    "prepare_snapshot_group",
    "prepare_vswitch",
    "verify_dr_instance",
]
