"""Waiters as data (botocore's `waiter.py` and waiters-2.json) and the one loop that runs them.

Three pieces, as in botocore:
- `Describe` (how to find one kind of resource: the Describe action, its request for one id,
  where the item is in the answer, its status enum and progress), declared beside that kind's
  describe function in `cloud/ecs/*`;
- `WaiterSpec` (botocore's SingleWaiterConfig): only acceptors (which status is success, which
  is failure, which status or error code means "keep polling") and delays. Every status is a
  member of `domain.statuses`, and the failure statuses are complete: a waiter that does not
  know `CreateFailed` loops forever;
- `wait()`, the one loop for every kind, and `Waiter`, a Describe and a spec with what the
  waited resource becomes (an `Image`, a `VSwitch`, ...).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

import structlog

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
Observer = Callable[[Any], None]
"""Called with the resource's SDK item after each poll that found it, before the callback."""
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
T = TypeVar("T")

log = structlog.get_logger("ecs_dr.cloud.waiters")


def _no_progress(item: Any) -> int | None:
    return None


@dataclass(frozen=True)
class Describe:
    """How to find one kind of resource and read its status and progress."""

    action: str
    request_type: type[Any]
    id_param: str
    # ECS takes some id filters as a JSON array string (DiskIds), others as a list or a value.
    id_format: Literal["value", "list", "json_list"]
    items_path: tuple[str, ...]
    id_field: str
    statuses: type[StrEnum]
    request_extra: Mapping[str, Any] = field(default_factory=dict)
    progress: Callable[[Any], int | None] = _no_progress

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
class Acceptor:
    """What an observation means: `state` when the resource's status (matcher `status`) or the
    Describe call's error code (matcher `error`) is one of `expected`."""

    state: Literal["success", "failure", "retry"]
    matcher: Literal["status", "error"]
    expected: frozenset[str]


def accept(
    state: Literal["success", "failure", "retry"],
    *expected: str,
    matcher: Literal["status", "error"] = "status",
) -> Acceptor:
    return Acceptor(state, matcher, frozenset(expected))


@dataclass(frozen=True)
class WaiterSpec:
    """How to wait: acceptors and delays; the Describe it polls comes from the caller."""

    name: str
    acceptors: tuple[Acceptor, ...]
    initial_delay_s: float
    max_delay_s: float
    timeout_s: float
    # Right after a create, a resource may be missing from Describe results for a while.
    absent_grace_s: float = 30.0

    def _expected(self, state: str, matcher: str) -> frozenset[str]:
        chosen = [a.expected for a in self.acceptors if (a.state, a.matcher) == (state, matcher)]
        return frozenset[str]().union(*chosen)

    @property
    def success(self) -> frozenset[str]:
        return self._expected("success", "status")

    @property
    def failure(self) -> frozenset[str]:
        return self._expected("failure", "status")

    @property
    def pending(self) -> frozenset[str]:
        return self._expected("retry", "status")

    @property
    def retry_codes(self) -> frozenset[str]:
        """Error codes of the Describe call that mean "not visible yet, poll again"."""
        return self._expected("retry", "error")


IMAGE_AVAILABLE = WaiterSpec(
    name="image",
    acceptors=(
        accept("success", ImageStatus.AVAILABLE),
        accept(
            "failure", ImageStatus.CREATE_FAILED, ImageStatus.UNAVAILABLE, ImageStatus.DEPRECATED
        ),
        accept("retry", ImageStatus.CREATING, ImageStatus.WAITING),
    ),
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=2 * 3600.0,
)

SNAPSHOT_ACCOMPLISHED = WaiterSpec(
    name="snapshot",
    acceptors=(
        accept("success", SnapshotStatus.ACCOMPLISHED),
        accept("failure", SnapshotStatus.FAILED),
        accept("retry", SnapshotStatus.PROGRESSING),
    ),
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=3 * 3600.0,
)

# A snapshot that has stopped progressing, either way: a disk takes a new snapshot only then.
SNAPSHOT_SETTLED = WaiterSpec(
    name="snapshot (accomplished or failed)",
    acceptors=(
        accept("success", SnapshotStatus.ACCOMPLISHED, SnapshotStatus.FAILED),
        accept("retry", SnapshotStatus.PROGRESSING),
    ),
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=3 * 3600.0,
)

SNAPSHOT_GROUP_ACCOMPLISHED = WaiterSpec(
    name="snapshot group",
    acceptors=(
        accept("success", SnapshotGroupStatus.ACCOMPLISHED),
        accept("failure", SnapshotGroupStatus.FAILED),
        accept("retry", SnapshotGroupStatus.PROGRESSING),
    ),
    initial_delay_s=5.0,
    max_delay_s=30.0,
    timeout_s=3 * 3600.0,
)

_DISK_TRANSITIONAL = (
    DiskStatus.CREATING,
    DiskStatus.ATTACHING,
    DiskStatus.DETACHING,
    DiskStatus.REINITING,
)

# After CreateDisk.
DISK_AVAILABLE = WaiterSpec(
    name=f"disk ({DiskStatus.AVAILABLE})",
    acceptors=(
        accept("success", DiskStatus.AVAILABLE),
        accept("failure", DiskStatus.IN_USE),
        accept("retry", *_DISK_TRANSITIONAL),
    ),
    initial_delay_s=2.0,
    max_delay_s=10.0,
    timeout_s=900.0,
)

# After AttachDisk, which answers before the disk leaves Available.
DISK_IN_USE = WaiterSpec(
    name=f"disk ({DiskStatus.IN_USE})",
    acceptors=(
        accept("success", DiskStatus.IN_USE),
        accept("retry", *_DISK_TRANSITIONAL, DiskStatus.AVAILABLE),
    ),
    initial_delay_s=2.0,
    max_delay_s=10.0,
    timeout_s=900.0,
)

INSTANCE_RUNNING = WaiterSpec(
    name="instance",
    acceptors=(
        accept("success", InstanceStatus.RUNNING),
        accept("failure", InstanceStatus.STOPPING, InstanceStatus.STOPPED),
        accept("retry", InstanceStatus.PENDING, InstanceStatus.STARTING),
        # Right after RunInstances ECS may not know the id yet, or leave it out of the results.
        accept("retry", "InvalidInstanceId.NotFound", matcher="error"),
    ),
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
    acceptors=(
        accept("success", *ATTACHABLE_STATUSES),
        accept("retry", InstanceStatus.PENDING, InstanceStatus.STARTING, InstanceStatus.STOPPING),
    ),
    initial_delay_s=3.0,
    max_delay_s=15.0,
    timeout_s=INSTANCE_SETTLE_WAIT_S,
)

# The VPC API's CreateVSwitch is asynchronous: Pending, then Available.
VSWITCH_AVAILABLE = WaiterSpec(
    name="vswitch",
    acceptors=(
        accept("success", VSwitchStatus.AVAILABLE),
        accept("retry", VSwitchStatus.PENDING),
    ),
    initial_delay_s=1.0,
    max_delay_s=5.0,
    timeout_s=300.0,
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Timing:
    """How waits pass time: real sleeps in the server, a virtual clock in tests, and on a
    sandbox cloud time running faster than real time (`scaled`)."""

    sleep: Sleep = asyncio.sleep
    clock: Clock = time.monotonic
    now: Callable[[], datetime] = _utc_now
    timeout_s: float | None = None

    @classmethod
    def scaled(
        cls,
        scale: float,
        *,
        now: Callable[[], datetime] = _utc_now,
        real_sleep: Sleep = asyncio.sleep,
        real_clock: Clock = time.monotonic,
    ) -> Timing:
        """Waits on a cloud whose time runs `scale` (> 0) times faster than `real_clock`.

        A wait's polls, backoff and deadline are all stated in cloud seconds, so the sleeps
        and the clock the deadline is measured on scale alike: a 20-minute instance wait
        ends after 1200/scale real seconds, as it would on ECS after 20 minutes.
        """

        async def sleep(seconds: float) -> None:
            await real_sleep(seconds / scale)

        def clock() -> float:
            return real_clock() * scale

        return cls(sleep=sleep, clock=clock, now=now)


REAL_TIME = Timing()

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
class WaitResult:
    status: str
    item: Any
    """The SDK model of the resource as last described (image, snapshot, disk, ...)."""
    elapsed_s: float


async def wait(
    gateway: EcsGateway,
    describe: Describe,
    spec: WaiterSpec,
    resource_id: str,
    *,
    region_id: str | None = None,
    on_progress: ProgressCallback | None = None,
    observers: Sequence[Observer] = (),
    timing: Timing = REAL_TIME,
) -> WaitResult:
    """Poll `describe` until the resource reaches a success status of `spec`, with backoff.

    Raises WaiterFailed (a failure status, or the resource stayed invisible past the grace
    time), WaiterTimeout, or the gateway's CloudError for any error `spec` does not retry.
    """
    region = gateway.region(region_id)
    started = timing.clock()
    deadline = started + (spec.timeout_s if timing.timeout_s is None else timing.timeout_s)
    delay = spec.initial_delay_s
    status: str | None = None
    absent_since: float | None = None
    first: Reading | None = None
    while True:
        item = await _describe(gateway, describe, spec, region, resource_id)
        now = timing.clock()
        elapsed = now - started
        latest: Reading | None = None
        if item is None:
            absent_since = now if absent_since is None else absent_since
            if now - absent_since > spec.absent_grace_s:
                raise WaiterFailed(
                    spec.name,
                    resource_id,
                    None,
                    f"{spec.name} {resource_id} is not listed by {describe.action} in {region} "
                    f"after {now - absent_since:.0f} s; it was deleted or never created",
                    action=describe.action,
                    region_id=region,
                )
        else:
            absent_since = None
            status = str(getattr(item, "status", None))
            progress = describe.progress(item)
            if progress is not None:
                latest = (now, progress)
                first = first if first is not None and first[1] > 0 else latest
            for observe in observers:
                observe(item)
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
                    action=describe.action,
                    region_id=region,
                )
            if status not in spec.pending:
                log.warning("waiter.unknown_status", waiter=spec.name, status=status)
        remaining = deadline - now
        if remaining <= 0:
            raise WaiterTimeout(
                spec.name, resource_id, status, elapsed, action=describe.action, region_id=region
            )
        await timing.sleep(min(poll_delay(delay, spec.max_delay_s, first, latest), remaining))
        delay = min(delay * 2, spec.max_delay_s)


async def failure_status(
    gateway: EcsGateway,
    describe: Describe,
    spec: WaiterSpec,
    resource_id: str,
    *,
    region_id: str | None = None,
) -> str | None:
    """The terminal failure status the resource is in now (an image CreateFailed, a snapshot
    failed: it will never reach success), or None, also when it is not listed."""
    region = gateway.region(region_id)
    item = await _describe(gateway, describe, spec, region, resource_id)
    status = None if item is None else str(getattr(item, "status", None))
    return status if status in spec.failure else None


async def _describe(
    gateway: EcsGateway, describe: Describe, spec: WaiterSpec, region: str, resource_id: str
) -> Any:
    try:
        body = await gateway.call(region, describe.action, describe.request(resource_id))
    except CloudError as error:
        if error.code in spec.retry_codes:
            return None
        raise
    return describe.find(body, resource_id)


@dataclass(frozen=True)
class Waiter(Generic[T]):
    """A Describe, a spec, and what the resource becomes once it succeeded (`finish` takes the
    gateway, the region, the item as last described and the timing).

    Called as `waiter(gw, region_id, resource_id, on_progress=..., timing=...)`; raises
    WaiterFailed, WaiterTimeout, or the CloudError of a call that failed.
    """

    describe: Describe
    spec: WaiterSpec
    finish: Callable[[EcsGateway, str, Any, Timing], Awaitable[T]]

    async def __call__(
        self,
        gw: EcsGateway,
        region_id: str,
        resource_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        timing: Timing = REAL_TIME,
    ) -> T:
        waited = await wait(
            gw,
            self.describe,
            self.spec,
            resource_id,
            region_id=region_id,
            on_progress=on_progress,
            timing=timing,
        )
        return await self.finish(gw, region_id, waited.item, timing)

    async def failed(self, gw: EcsGateway, region_id: str, resource_id: str) -> str | None:
        """The terminal failure status the resource is in now, or None: whether waiting for
        it again is pointless."""
        return await failure_status(gw, self.describe, self.spec, resource_id, region_id=region_id)
