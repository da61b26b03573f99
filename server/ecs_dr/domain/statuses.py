"""ECS resource statuses, spelled exactly as the ECS API returns them.

The values are ECS's own strings (mixed case, `In_use`, lower-case snapshot statuses), so a
status read from a response converts with `Enum(value)` and a typo in code fails at import or
in the waiter-spec test instead of making a wait loop forever.
"""

from __future__ import annotations

from enum import StrEnum


class InstanceStatus(StrEnum):
    PENDING = "Pending"
    STARTING = "Starting"
    RUNNING = "Running"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


class DiskStatus(StrEnum):
    AVAILABLE = "Available"
    ATTACHING = "Attaching"
    IN_USE = "In_use"
    DETACHING = "Detaching"
    CREATING = "Creating"
    REINITING = "ReIniting"


class SnapshotStatus(StrEnum):
    """DescribeSnapshots statuses; ECS never returns `error` (the runbook's mistake)."""

    PROGRESSING = "progressing"
    ACCOMPLISHED = "accomplished"
    FAILED = "failed"


class SnapshotGroupStatus(StrEnum):
    PROGRESSING = "progressing"
    ACCOMPLISHED = "accomplished"
    FAILED = "failed"


class ImageStatus(StrEnum):
    """Every DescribeImages status: a poll that omits `CreateFailed` never sees a failure."""

    CREATING = "Creating"
    WAITING = "Waiting"
    AVAILABLE = "Available"
    UNAVAILABLE = "UnAvailable"
    CREATE_FAILED = "CreateFailed"
    DEPRECATED = "Deprecated"


class VSwitchStatus(StrEnum):
    PENDING = "Pending"
    AVAILABLE = "Available"
