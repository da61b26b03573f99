"""Scenario B, disk-level recovery onto an existing instance: each tool's logic in one place.

As in Scenario A, each mutation is two calls: `prepare_*` reads the cloud, asks for the
decisions still open and returns the exact plan with its confirmation; `execute_*` creates (or
attaches), journals the step, waits, reports progress and returns the result. A snapshot of the
disk comes from Scenario A's `create_snapshot`.
"""

from ecs_dr.workflows.attach import execute_attach_disk, prepare_attach_disk
from ecs_dr.workflows.new_disks import execute_disk_from_snapshot, prepare_disk_from_snapshot

__all__ = [
    "execute_attach_disk",
    "execute_disk_from_snapshot",
    "prepare_attach_disk",
    "prepare_disk_from_snapshot",
]
