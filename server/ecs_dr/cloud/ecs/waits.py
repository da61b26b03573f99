"""Waiting for a created resource: one `Waiter` runs any `WaiterSpec` and turns the waited
item into what the caller needs (an `Image`, a `VSwitch`, ...)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from ecs_dr.cloud.ecs._sdk import items, percent
from ecs_dr.cloud.ecs.images import image_from
from ecs_dr.cloud.ecs.instances import describe_instance, disk_from
from ecs_dr.cloud.ecs.network import vswitch_from
from ecs_dr.cloud.ecs.snapshots import describe_snapshot_group, snapshot_from, snapshot_group_from
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.waiters import (
    DISK_AVAILABLE,
    DISK_IN_USE,
    IMAGE,
    INSTANCE,
    INSTANCE_SETTLED,
    SNAPSHOT,
    SNAPSHOT_GROUP,
    SNAPSHOT_SETTLED,
    VSWITCH,
    Clock,
    ProgressCallback,
    Sleep,
    WaiterSpec,
    failure_status,
    wait_for,
)
from ecs_dr.domain.models import Disk, Image, Instance, Snapshot, SnapshotGroup, VSwitch
from ecs_dr.domain.statuses import SnapshotStatus

T = TypeVar("T")


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


@dataclass(frozen=True)
class Waited:
    """A wait that succeeded: where, which resource, and its SDK item as last described."""

    gw: EcsGateway
    region_id: str
    resource_id: str
    item: Any
    timing: Timing


@dataclass(frozen=True)
class Waiter(Generic[T]):
    """A `WaiterSpec` and what the resource becomes once it succeeded.

    Called as `waiter(gw, region_id, resource_id, on_progress=..., timing=...)`; raises
    WaiterFailed, WaiterTimeout, or the CloudError of a call that failed.
    """

    spec: WaiterSpec
    finish: Callable[[Waited], Awaitable[T]]

    async def __call__(
        self,
        gw: EcsGateway,
        region_id: str,
        resource_id: str,
        *,
        on_progress: ProgressCallback | None = None,
        timing: Timing = REAL_TIME,
    ) -> T:
        waited = await wait_for(
            gw,
            self.spec,
            resource_id,
            region_id=region_id,
            on_progress=on_progress,
            timeout_s=timing.timeout_s,
            sleep=timing.sleep,
            clock=timing.clock,
        )
        return await self.finish(Waited(gw, region_id, resource_id, waited.item, timing))

    async def failed(self, gw: EcsGateway, region_id: str, resource_id: str) -> str | None:
        """The terminal failure status the resource is in now, or None: whether waiting for
        it again is pointless."""
        return await failure_status(gw, self.spec, resource_id, region_id=region_id)


async def _snapshot(done: Waited) -> tuple[Snapshot, datetime]:
    return snapshot_from(done.item), done.timing.now()


async def _image(done: Waited) -> Image:
    return image_from(done.item)


async def _instance(done: Waited) -> Instance:
    return await describe_instance(done.gw, done.region_id, done.resource_id)


async def _vswitch(done: Waited) -> VSwitch:
    return vswitch_from(done.item)


async def _disk(done: Waited) -> Disk:
    return disk_from(done.item)


wait_snapshot = Waiter(SNAPSHOT, _snapshot)
"""Wait for `accomplished` (100%, zone-redundant); returns it and when that was seen."""

wait_snapshot_settled = Waiter(SNAPSHOT_SETTLED, _snapshot)
"""Wait until a snapshot is no longer progressing (accomplished or failed)."""

wait_image = Waiter(IMAGE, _image)
"""Wait for `Available`; CreateFailed, UnAvailable and Deprecated end the wait."""

wait_instance = Waiter(INSTANCE, _instance)
"""Wait for `Running`; returns the instance with its disks as ECS created them."""

wait_vswitch = Waiter(VSWITCH, _vswitch)
"""Wait for `Available`."""

wait_instance_settled = Waiter(INSTANCE_SETTLED, _instance)
"""Wait for `Running` or `Stopped`, the states that take a disk; only time ends it early."""

wait_disk_available = Waiter(DISK_AVAILABLE, _disk)
"""Wait for a new disk to be `Available`."""

wait_disk_in_use = Waiter(DISK_IN_USE, _disk)
"""Wait for an attached disk to be `In_use`."""


async def wait_snapshot_group(
    gw: EcsGateway,
    region_id: str,
    group_id: str,
    *,
    on_progress: ProgressCallback | None = None,
    timing: Timing = REAL_TIME,
) -> tuple[SnapshotGroup, dict[str, datetime]]:
    """Wait for `accomplished`; also returns when each snapshot was first seen at 100%,
    the moment its recovery point became zone-redundant."""
    latest: dict[str, int] = {}
    redundant_at: dict[str, datetime] = {}

    def progress(item: Any) -> int | None:
        for member in items(item.snapshots, "snapshot"):
            latest[member.snapshot_id] = percent(member.progress)
        # The group is done when its slowest snapshot is.
        return min(latest.values()) if latest else None

    async def observe(status: str, overall: int | None, elapsed_s: float) -> None:
        now = timing.now()
        for snapshot_id, value in latest.items():
            if value >= 100:
                redundant_at.setdefault(snapshot_id, now)
        if on_progress is not None:
            await on_progress(status, overall, elapsed_s)

    async def finish(done: Waited) -> tuple[SnapshotGroup, dict[str, datetime]]:
        group = await snapshot_group_from(gw, region_id, done.item)
        at = timing.now()
        return group, {s.snapshot_id: redundant_at.get(s.snapshot_id, at) for s in group.snapshots}

    waiter = Waiter(dataclasses.replace(SNAPSHOT_GROUP, progress=progress), finish)
    return await waiter(gw, region_id, group_id, on_progress=observe, timing=timing)


async def snapshot_group_failed(
    gw: EcsGateway, region_id: str, group_id: str, *, timing: Timing = REAL_TIME
) -> str | None:
    """The terminal failure status the snapshot group is in now (`failed`), or None.

    A failed group is answered only once none of its snapshots is still progressing: the
    group is made again next, and ECS refuses a new snapshot of a disk while one of it is in
    progress (IncorrectDiskStatus.CreatingSnapshot), for as long as that upload lasts."""
    status = await failure_status(gw, SNAPSHOT_GROUP, group_id, region_id=region_id)
    if status is None:
        return None
    group = await describe_snapshot_group(gw, region_id, group_id)
    progressing = [s.snapshot_id for s in group.snapshots if s.status == SnapshotStatus.PROGRESSING]
    await asyncio.gather(
        *(wait_snapshot_settled(gw, region_id, s, timing=timing) for s in progressing)
    )
    return status
