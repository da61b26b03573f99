"""Waiters as data (botocore's `waiter.py` and waiters-2.json) and the one loop that runs them.

A `Describe` (how to find one kind of resource, `cloud.polls`) is declared beside that kind's
describe function in `cloud/ecs/*`; a `WaiterSpec` holds only acceptors and delays, every status
a member of `domain.statuses` and the failure statuses complete (a waiter that does not know
`CreateFailed` loops forever); `wait()` runs any spec against any Describe, its polls shared
with the other waits of the kind (`cloud.polls`); a `Waiter` adds what the waited resource
becomes (an `Image`, a `VSwitch`, ...).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import structlog

from ecs_dr.cloud.errors import CloudError, WaiterFailed, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.polls import Describe, Watch, poll_batcher
from ecs_dr.cloud.timing import REAL_TIME, Timing
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
T = TypeVar("T")

log = structlog.get_logger("ecs_dr.cloud.waiters")


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
class Delays:
    """The first pause between two polls (it doubles up to `max_s`) and when the wait ends;
    `first_s`, when set, is the pause before the first poll of a resource that is never ready
    sooner."""

    initial_s: float
    max_s: float
    timeout_s: float
    first_s: float | None = None


@dataclass(frozen=True)
class WaiterSpec:
    """How to wait: acceptors and delays; the Describe it polls comes from the caller."""

    name: str
    acceptors: tuple[Acceptor, ...]
    delays: Delays
    # Right after a create, a resource may be missing from Describe results for a while.
    absent_grace_s: float = 30.0
    # A resource waited on because it was just created or changed is never there yet when
    # polled at once: its first poll comes after the first pause. A wait for a resource that
    # may be there already (settled) polls at once.
    polled_at_once: bool = False

    def accepts(
        self,
        state: Literal["success", "failure", "retry"],
        matcher: Literal["status", "error"] = "status",
    ) -> frozenset[str]:
        """The statuses (or the Describe call's error codes) that mean `state`: `retry` ones
        keep the wait polling, an error code meaning "not visible yet"."""
        chosen = [a.expected for a in self.acceptors if (a.state, a.matcher) == (state, matcher)]
        return frozenset[str]().union(*chosen)


# Snapshots and images report their progress; they take minutes to hours.
UPLOAD = Delays(initial_s=5.0, max_s=30.0, timeout_s=3 * 3600.0)

IMAGE_AVAILABLE = WaiterSpec(
    "image",
    (
        accept("success", ImageStatus.AVAILABLE),
        accept(
            "failure", ImageStatus.CREATE_FAILED, ImageStatus.UNAVAILABLE, ImageStatus.DEPRECATED
        ),
        accept("retry", ImageStatus.CREATING, ImageStatus.WAITING),
    ),
    Delays(initial_s=5.0, max_s=30.0, timeout_s=2 * 3600.0),
)


def _accomplished(name: str, status: type[SnapshotStatus | SnapshotGroupStatus]) -> WaiterSpec:
    """A snapshot or a group: `accomplished` (100%, zone-redundant), or `failed` for good."""
    return WaiterSpec(
        name,
        (
            accept("success", status.ACCOMPLISHED),
            accept("failure", status.FAILED),
            accept("retry", status.PROGRESSING),
        ),
        UPLOAD,
    )


SNAPSHOT_ACCOMPLISHED = _accomplished("snapshot", SnapshotStatus)
SNAPSHOT_GROUP_ACCOMPLISHED = _accomplished("snapshot group", SnapshotGroupStatus)
# A snapshot that has stopped progressing, either way: a disk takes a new snapshot only then.
SNAPSHOT_SETTLED = WaiterSpec(
    "snapshot (accomplished or failed)",
    (
        accept("success", SnapshotStatus.ACCOMPLISHED, SnapshotStatus.FAILED),
        accept("retry", SnapshotStatus.PROGRESSING),
    ),
    UPLOAD,
    polled_at_once=True,
)

# Creating, Attaching, Detaching, ReIniting: on the way to one of the two steady statuses.
_DISK_TRANSITIONAL = [s for s in DiskStatus if s not in (DiskStatus.AVAILABLE, DiskStatus.IN_USE)]
_DISK_DELAYS = Delays(initial_s=2.0, max_s=10.0, timeout_s=900.0)
# After CreateDisk.
DISK_AVAILABLE = WaiterSpec(
    f"disk ({DiskStatus.AVAILABLE})",
    (
        accept("success", DiskStatus.AVAILABLE),
        accept("failure", DiskStatus.IN_USE),
        accept("retry", *_DISK_TRANSITIONAL),
    ),
    _DISK_DELAYS,
)
# After AttachDisk, which answers before the disk leaves Available.
DISK_IN_USE = WaiterSpec(
    f"disk ({DiskStatus.IN_USE})",
    (
        accept("success", DiskStatus.IN_USE),
        accept("retry", *_DISK_TRANSITIONAL, DiskStatus.AVAILABLE),
    ),
    _DISK_DELAYS,
)

INSTANCE_RUNNING = WaiterSpec(
    "instance",
    (
        accept("success", InstanceStatus.RUNNING),
        accept("failure", InstanceStatus.STOPPING, InstanceStatus.STOPPED),
        accept("retry", InstanceStatus.PENDING, InstanceStatus.STARTING),
        # Right after RunInstances ECS may not know the id yet, or leave it out of the results.
        accept("retry", "InvalidInstanceId.NotFound", matcher="error"),
    ),
    # An instance reports no progress. ECS takes tens of seconds from RunInstances to Running:
    # the first poll comes when the runbook's second does (30 s on), then a short pause keeps
    # it from being seen late.
    Delays(initial_s=6.0, max_s=6.0, timeout_s=1200.0, first_s=30.0),
    absent_grace_s=120.0,
)
# An instance that can take a disk (AttachDisk needs Running or Stopped): nothing fails the
# wait but time, since a Stopping instance ends Stopped and a Starting one Running.
INSTANCE_SETTLED = WaiterSpec(
    "instance (Running or Stopped)",
    (
        accept("success", *ATTACHABLE_STATUSES),
        accept("retry", InstanceStatus.PENDING, InstanceStatus.STARTING, InstanceStatus.STOPPING),
    ),
    Delays(initial_s=3.0, max_s=15.0, timeout_s=INSTANCE_SETTLE_WAIT_S),
    polled_at_once=True,
)

# The VPC API's CreateVSwitch is asynchronous: Pending, then Available.
VSWITCH_AVAILABLE = WaiterSpec(
    "vswitch",
    (accept("success", VSwitchStatus.AVAILABLE), accept("retry", VSwitchStatus.PENDING)),
    Delays(initial_s=1.0, max_s=5.0, timeout_s=300.0),
)


# The shortest pause between two polls of a resource that reports its progress: near its
# end, one more poll costs less than seeing it done a few seconds late.
MIN_POLL_DELAY_S = 1.0
# ECS reports whole percents: at `p%` the resource is somewhere within that percent, so its end
# is aimed at the middle of the last one, not at its far edge (up to 1% of the duration late).
HALF_PERCENT = 0.5
# A rate is steady when its last interval's is within this fraction of the rate seen since the
# first reading (ECS reports whole percents, so a short interval's rate is coarse).
STEADY_RATE = 0.25
# How far ahead of what it has seen a steady rate is trusted: T seconds of it, 2T more.
STEADY_AHEAD = 2.0
Reading = tuple[float, int]
"""When (clock seconds) a poll saw which progress (percent)."""


def poll_delay(
    backoff_s: float,
    max_delay_s: float,
    first: Reading | None,
    latest: Reading | None,
    previous: Reading | None = None,
) -> float:
    """The pause before the next poll. Once the progress has moved since the first reading,
    until the end the rate seen so far predicts (at least MIN_POLL_DELAY_S), so a resource is
    seen soon after it is done rather than up to a backoff later; until then, and for a
    resource with no progress, the backoff with 20% jitter.

    The pause is at most `max_delay_s` unless the rate is steady: the last interval's (from
    `previous`) within STEADY_RATE of the rate since the first reading. A steady rate seen
    over T seconds is trusted to predict up to STEADY_AHEAD x T seconds ahead, so a long
    upload is polled a few times in all (the pauses grow geometrically) rather than every
    `max_delay_s`, and an unsteady one as before."""
    if first is not None and latest is not None and latest[1] > first[1] > 0:
        if latest[1] >= 100:
            return MIN_POLL_DELAY_S
        seen_s = max(latest[0] - first[0], 1e-9)
        rate = (latest[1] - first[1]) / seen_s
        remaining = (100 - latest[1] - HALF_PERCENT) / rate
        longest = max_delay_s
        if previous is not None and first[0] < previous[0] < latest[0]:
            last_rate = (latest[1] - previous[1]) / (latest[0] - previous[0])
            if abs(last_rate - rate) <= STEADY_RATE * rate:
                longest = max(max_delay_s, STEADY_AHEAD * seen_s)
        return min(max(remaining, MIN_POLL_DELAY_S), longest)
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
    with poll_batcher(gateway).watch(region, describe, resource_id) as watch:
        return await _follow(watch, spec, on_progress, observers, timing)


async def _follow(
    watch: Watch,
    spec: WaiterSpec,
    on_progress: ProgressCallback | None,
    observers: Sequence[Observer],
    timing: Timing,
) -> WaitResult:
    """`wait`'s loop: each answer the watch gets is a poll of the resource."""
    describe, region, resource_id = watch.kind.describe, watch.kind.region, watch.resource_id
    started = timing.clock()
    timeout_s = spec.delays.timeout_s if timing.timeout_s is None else timing.timeout_s
    deadline = started + timeout_s
    delay = spec.delays.initial_s
    status: str | None = None
    absent_since: float | None = None
    first: Reading | None = None
    previous: Reading | None = None
    latest: Reading | None = None
    pause_s = 0.0 if spec.polled_at_once else min(spec.delays.first_s or delay, timeout_s)
    while True:
        item = await _observe(watch, spec, pause_s, timing)
        now = timing.clock()
        elapsed = now - started
        previous, latest = latest, None
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
            progress = describe.progress(item) if describe.progress else None
            if progress is not None:
                latest = (now, progress)
                first = first if first is not None and first[1] > 0 else latest
            for observe in observers:
                observe(item)
            if on_progress is not None:
                await on_progress(status, progress, elapsed)
            if status in spec.accepts("success"):
                return WaitResult(status=status, item=item, elapsed_s=elapsed)
            if status in spec.accepts("failure"):
                raise WaiterFailed(
                    spec.name,
                    resource_id,
                    status,
                    f"{spec.name} {resource_id} ended in status {status}; it will not become "
                    f"{'/'.join(sorted(spec.accepts('success')))}",
                    action=describe.action,
                    region_id=region,
                )
            if status not in spec.accepts("retry"):
                log.warning("waiter.unknown_status", waiter=spec.name, status=status)
        remaining = deadline - now
        if remaining <= 0:
            raise WaiterTimeout(
                spec.name, resource_id, status, elapsed, action=describe.action, region_id=region
            )
        pause_s = min(poll_delay(delay, spec.delays.max_s, first, latest, previous), remaining)
        delay = min(delay * 2, spec.delays.max_s)


async def _observe(watch: Watch, spec: WaiterSpec, pause_s: float, timing: Timing) -> Any:
    """The resource's item in the next answer after `pause_s` (None when it is not listed, or
    the call failed with an error `spec` retries)."""
    try:
        body = await watch.next_answer(pause_s, timing.sleep)
    except CloudError as error:
        if error.code in spec.accepts("retry", "error"):
            return None
        raise
    return watch.kind.describe.find(body, watch.resource_id)


async def _describe(
    gateway: EcsGateway, describe: Describe, spec: WaiterSpec, region: str, resource_id: str
) -> Any:
    try:
        body = await gateway.call(region, describe.action, describe.request(resource_id))
    except CloudError as error:
        if error.code in spec.accepts("retry", "error"):
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
        observers: Sequence[Observer] = (),
        timing: Timing = REAL_TIME,
    ) -> T:
        waited = await wait(
            gw,
            self.describe,
            self.spec,
            resource_id,
            region_id=region_id,
            on_progress=on_progress,
            observers=observers,
            timing=timing,
        )
        return await self.finish(gw, region_id, waited.item, timing)

    async def failed(self, gw: EcsGateway, region_id: str, resource_id: str) -> str | None:
        """The terminal failure status the resource is in now (an image CreateFailed, a
        snapshot failed: waiting for it again is pointless), or None, also when not listed."""
        item = await _describe(gw, self.describe, self.spec, gw.region(region_id), resource_id)
        status = None if item is None else str(getattr(item, "status", None))
        return status if status in self.spec.accepts("failure") else None
