"""Waiters as data (botocore's waiters-2.json idea) and the one loop that runs them.

A `WaiterSpec` says which Describe action to poll, how to find the resource and its status in
the body, which statuses mean success, failure or "keep polling", which error codes mean
"not visible yet", and how long to wait. Every status is a member of `domain.statuses`, and
the failure statuses are complete: a waiter that does not know `CreateFailed` loops forever.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

import structlog
from alibabacloud_ecs20140526 import models as ecs
from alibabacloud_vpc20160428 import models as vpc

from ecs_dr.cloud.errors import CloudError, WaiterFailed, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.disks import ATTACHABLE_STATUSES, INSTANCE_SETTLE_WAIT_S
from ecs_dr.domain.statuses import (
    DiskStatus,
    ImageStatus,
    InstanceStatus,
    SnapshotGroupStatus,
    SnapshotStatus,
    VSwitchStatus,
)

ProgressCallback = Callable[[str, int | None, float], Awaitable[None]]
"""Called after each observation with (status, progress percent or None, elapsed seconds)."""
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

log = structlog.get_logger("ecs_dr.cloud.waiters")


def _no_progress(item: Any) -> int | None:
    return None


def _percent(text: object) -> int | None:
    """ECS reports progress as text like `45%`."""
    try:
        return int(str(text).strip().rstrip("%"))
    except ValueError:
        return None


def _progress_field(item: Any) -> int | None:
    return _percent(item.progress) if item.progress is not None else None


def _group_progress(item: Any) -> int | None:
    """A snapshot group has no progress of its own, and is done when its slowest snapshot
    is: the least of its snapshots' progress."""
    snapshots = item.snapshots.snapshot if item.snapshots else None
    values = [p for p in (_percent(s.progress) for s in snapshots or ()) if p is not None]
    return min(values) if values else None


# The shortest pause between two polls of a resource that reports its progress: near its
# end, one more poll costs less than seeing it done a few seconds late.
MIN_POLL_DELAY_S = 1.0
# ECS reports whole percents: at `p%` the resource is somewhere within that percent, so its end
# is aimed at the middle of the last one, not at its far edge (up to 1% of the duration late).
HALF_PERCENT = 0.5
Reading = tuple[float, int]
"""When (clock seconds) a poll saw which progress (percent)."""


def poll_delay(
    backoff_s: float, max_delay_s: float, first: Reading | None, latest: Reading | None
) -> float:
    """The pause before the next poll. Once the progress has moved since the first reading,
    until the end the rate seen so far predicts (between MIN_POLL_DELAY_S and `max_delay_s`),
    so a resource is seen soon after it is done rather than up to a backoff later; until then,
    and for a resource with no progress, the backoff with 20% jitter."""
    if first is not None and latest is not None and latest[1] > first[1] > 0:
        if latest[1] >= 100:
            return MIN_POLL_DELAY_S
        rate = (latest[1] - first[1]) / max(latest[0] - first[0], 1e-9)
        remaining = (100 - latest[1] - HALF_PERCENT) / rate
        return min(max(remaining, MIN_POLL_DELAY_S), max_delay_s)
    return backoff_s * random.uniform(0.8, 1.2)


@dataclass(frozen=True)
class WaiterSpec:
    """How to wait for one kind of resource."""

    name: str
    action: str
    request_type: type[Any]
    id_param: str
    # ECS takes some id filters as a JSON array string (DiskIds), others as a list or a value.
    id_format: Literal["value", "list", "json_list"]
    items_path: tuple[str, ...]
    id_field: str
    statuses: type[StrEnum]
    success: frozenset[str]
    failure: frozenset[str]
    pending: frozenset[str]
    request_extra: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[Any], int | None] = _no_progress
    retry_codes: frozenset[str] = frozenset()
    # Right after a create, a resource may be missing from Describe results for a while.
    absent_grace_s: float = 30.0
    initial_delay_s: float = 2.0
    max_delay_s: float = 15.0
    timeout_s: float = 600.0

    def request(self, resource_id: str) -> Any:
        ids: object = {
            "value": resource_id,
            "list": [resource_id],
            "json_list": json.dumps([resource_id]),
        }[self.id_format]
        return self.request_type(**{self.id_param: ids, **self.request_extra})

    def find(self, body: Any, resource_id: str) -> Any | None:
        """The resource's item in a response body, or None when it is not listed."""
        node = body
        for attribute in self.items_path:
            node = getattr(node, attribute, None) if node is not None else None
        for item in node or ():
            if getattr(item, self.id_field, None) == resource_id:
                return item
        return None


@dataclass(frozen=True)
class WaitResult:
    status: str
    item: Any
    """The SDK model of the resource as last described (image, snapshot, disk, ...)."""
    elapsed_s: float


IMAGE = WaiterSpec(
    name="image",
    action="DescribeImages",
    request_type=ecs.DescribeImagesRequest,
    id_param="image_id",
    id_format="value",
    # DescribeImages hides every image that is not Available unless Status names it.
    request_extra={"status": ",".join(ImageStatus)},
    items_path=("images", "image"),
    id_field="image_id",
    statuses=ImageStatus,
    success=frozenset({ImageStatus.AVAILABLE}),
    failure=frozenset({ImageStatus.CREATE_FAILED, ImageStatus.UNAVAILABLE, ImageStatus.DEPRECATED}),
    pending=frozenset({ImageStatus.CREATING, ImageStatus.WAITING}),
    progress=_progress_field,
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=2 * 3600.0,
)

SNAPSHOT = WaiterSpec(
    name="snapshot",
    action="DescribeSnapshots",
    request_type=ecs.DescribeSnapshotsRequest,
    id_param="snapshot_ids",
    id_format="json_list",
    items_path=("snapshots", "snapshot"),
    id_field="snapshot_id",
    statuses=SnapshotStatus,
    success=frozenset({SnapshotStatus.ACCOMPLISHED}),
    failure=frozenset({SnapshotStatus.FAILED}),
    pending=frozenset({SnapshotStatus.PROGRESSING}),
    progress=_progress_field,
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=3 * 3600.0,
)

SNAPSHOT_GROUP = WaiterSpec(
    name="snapshot group",
    action="DescribeSnapshotGroups",
    request_type=ecs.DescribeSnapshotGroupsRequest,
    id_param="snapshot_group_id",
    id_format="list",
    items_path=("snapshot_groups", "snapshot_group"),
    id_field="snapshot_group_id",
    statuses=SnapshotGroupStatus,
    success=frozenset({SnapshotGroupStatus.ACCOMPLISHED}),
    failure=frozenset({SnapshotGroupStatus.FAILED}),
    pending=frozenset({SnapshotGroupStatus.PROGRESSING}),
    progress=_group_progress,
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=3 * 3600.0,
)

# A snapshot that has stopped progressing, either way: a disk takes a new snapshot only then.
SNAPSHOT_SETTLED = dataclasses.replace(
    SNAPSHOT,
    name="snapshot (accomplished or failed)",
    success=frozenset({SnapshotStatus.ACCOMPLISHED, SnapshotStatus.FAILED}),
    failure=frozenset(),
)

INSTANCE = WaiterSpec(
    name="instance",
    action="DescribeInstances",
    request_type=ecs.DescribeInstancesRequest,
    id_param="instance_ids",
    id_format="json_list",
    items_path=("instances", "instance"),
    id_field="instance_id",
    statuses=InstanceStatus,
    success=frozenset({InstanceStatus.RUNNING}),
    failure=frozenset({InstanceStatus.STOPPING, InstanceStatus.STOPPED}),
    pending=frozenset({InstanceStatus.PENDING, InstanceStatus.STARTING}),
    # Right after RunInstances ECS may not know the id yet, or leave it out of the results.
    retry_codes=frozenset({"InvalidInstanceId.NotFound"}),
    absent_grace_s=120.0,
    initial_delay_s=3.0,
    # An instance reports no progress: a short cap keeps it from being seen Running late.
    max_delay_s=5.0,
    timeout_s=1200.0,
)

# An instance that can take a disk (AttachDisk needs Running or Stopped): nothing fails the
# wait but time, since a Stopping instance ends Stopped and a Starting one Running.
INSTANCE_SETTLED = WaiterSpec(
    name="instance (Running or Stopped)",
    action="DescribeInstances",
    request_type=ecs.DescribeInstancesRequest,
    id_param="instance_ids",
    id_format="json_list",
    items_path=("instances", "instance"),
    id_field="instance_id",
    statuses=InstanceStatus,
    success=frozenset(ATTACHABLE_STATUSES),
    failure=frozenset(),
    pending=frozenset({InstanceStatus.PENDING, InstanceStatus.STARTING, InstanceStatus.STOPPING}),
    initial_delay_s=3.0,
    max_delay_s=15.0,
    timeout_s=INSTANCE_SETTLE_WAIT_S,
)

# The VPC API's CreateVSwitch is asynchronous: Pending, then Available.
VSWITCH = WaiterSpec(
    name="vswitch",
    action="DescribeVSwitches",
    request_type=vpc.DescribeVSwitchesRequest,
    id_param="v_switch_id",
    id_format="value",
    items_path=("v_switches", "v_switch"),
    id_field="v_switch_id",
    statuses=VSwitchStatus,
    success=frozenset({VSwitchStatus.AVAILABLE}),
    failure=frozenset(),
    pending=frozenset({VSwitchStatus.PENDING}),
    initial_delay_s=1.0,
    max_delay_s=5.0,
    timeout_s=300.0,
)


def disk_spec(target: Literal[DiskStatus.AVAILABLE, DiskStatus.IN_USE]) -> WaiterSpec:
    """Wait for a disk to be `Available` (after CreateDisk) or `In_use` (after AttachDisk)."""
    transitional = {
        DiskStatus.CREATING,
        DiskStatus.ATTACHING,
        DiskStatus.DETACHING,
        DiskStatus.REINITING,
    }
    if target is DiskStatus.IN_USE:
        # AttachDisk answers before the disk leaves Available.
        pending, failure = transitional | {DiskStatus.AVAILABLE}, set[DiskStatus]()
    else:
        pending, failure = transitional, {DiskStatus.IN_USE}
    return WaiterSpec(
        name=f"disk ({target})",
        action="DescribeDisks",
        request_type=ecs.DescribeDisksRequest,
        id_param="disk_ids",
        id_format="json_list",
        items_path=("disks", "disk"),
        id_field="disk_id",
        statuses=DiskStatus,
        success=frozenset({target}),
        failure=frozenset(failure),
        pending=frozenset(pending),
        initial_delay_s=2.0,
        max_delay_s=10.0,
        timeout_s=900.0,
    )


DISK_AVAILABLE = disk_spec(DiskStatus.AVAILABLE)
DISK_IN_USE = disk_spec(DiskStatus.IN_USE)

WAITERS: Mapping[str, WaiterSpec] = {
    spec.name: spec
    for spec in (
        IMAGE,
        SNAPSHOT,
        SNAPSHOT_SETTLED,
        SNAPSHOT_GROUP,
        DISK_AVAILABLE,
        DISK_IN_USE,
        INSTANCE,
        INSTANCE_SETTLED,
        VSWITCH,
    )
}


async def wait_for(
    gateway: EcsGateway,
    spec: WaiterSpec,
    resource_id: str,
    *,
    region_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    timeout_s: float | None = None,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
) -> WaitResult:
    """Poll until the resource reaches a success status, with backoff.

    Raises WaiterFailed (a failure status, or the resource stayed invisible past the grace
    time), WaiterTimeout, or the gateway's CloudError for any error not in `retry_codes`.
    """
    region = gateway.region(region_id)
    started = clock()
    deadline = started + (spec.timeout_s if timeout_s is None else timeout_s)
    delay = spec.initial_delay_s
    status: str | None = None
    absent_since: float | None = None
    first: Reading | None = None
    while True:
        item = await _describe(gateway, spec, region, resource_id)
        now = clock()
        elapsed = now - started
        latest: Reading | None = None
        if item is None:
            absent_since = now if absent_since is None else absent_since
            if now - absent_since > spec.absent_grace_s:
                raise WaiterFailed(
                    spec.name,
                    resource_id,
                    None,
                    f"{spec.name} {resource_id} is not listed by {spec.action} in {region} "
                    f"after {now - absent_since:.0f} s; it was deleted or never created",
                    action=spec.action,
                    region_id=region,
                )
        else:
            absent_since = None
            status = str(getattr(item, "status", None))
            progress = spec.progress(item)
            if progress is not None:
                latest = (now, progress)
                first = first if first is not None and first[1] > 0 else latest
            if on_progress is not None:
                await on_progress(status, progress, elapsed)
            if status in spec.success:
                return WaitResult(status=status, item=item, elapsed_s=elapsed)
            if status in spec.failure:
                raise WaiterFailed(
                    spec.name,
                    resource_id,
                    status,
                    f"{spec.name} {resource_id} ended in status {status}; it will not become "
                    f"{'/'.join(sorted(spec.success))}",
                    action=spec.action,
                    region_id=region,
                )
            if status not in spec.pending:
                log.warning("waiter.unknown_status", waiter=spec.name, status=status)
        remaining = deadline - now
        if remaining <= 0:
            raise WaiterTimeout(
                spec.name, resource_id, status, elapsed, action=spec.action, region_id=region
            )
        await sleep(min(poll_delay(delay, spec.max_delay_s, first, latest), remaining))
        delay = min(delay * 2, spec.max_delay_s)


async def failure_status(
    gateway: EcsGateway, spec: WaiterSpec, resource_id: str, *, region_id: str | None = None
) -> str | None:
    """The terminal failure status the resource is in now (an image CreateFailed, a snapshot
    failed: it will never reach success), or None, also when it is not listed."""
    item = await _describe(gateway, spec, gateway.region(region_id), resource_id)
    status = None if item is None else str(getattr(item, "status", None))
    return status if status in spec.failure else None


async def _describe(gateway: EcsGateway, spec: WaiterSpec, region: str, resource_id: str) -> Any:
    try:
        body = await gateway.call(region, spec.action, spec.request(resource_id))
    except CloudError as error:
        if error.code in spec.retry_codes:
            return None
        raise
    return spec.find(body, resource_id)
