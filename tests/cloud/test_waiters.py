"""Waiters against the sandbox on virtual time: nothing here sleeps for real."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models as ecs

from ecs_dr.cloud.apis import sdk_method_name
from ecs_dr.cloud.ecs import WAITERS, Timing, wait_instance
from ecs_dr.cloud.ecs.images import IMAGES
from ecs_dr.cloud.ecs.instances import DISKS, INSTANCES
from ecs_dr.cloud.ecs.network import VSWITCHES
from ecs_dr.cloud.ecs.snapshots import SNAPSHOT_GROUPS, SNAPSHOTS
from ecs_dr.cloud.errors import WaiterFailed, WaiterTimeout
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.waiters import (
    DISK_AVAILABLE,
    DISK_IN_USE,
    IMAGE_AVAILABLE,
    INSTANCE_RUNNING,
    MIN_POLL_DELAY_S,
    SNAPSHOT_ACCOMPLISHED,
    SNAPSHOT_GROUP_ACCOMPLISHED,
    VSWITCH_AVAILABLE,
    Waiter,
    poll_delay,
    wait,
)
from ecs_dr.domain.statuses import ImageStatus, InstanceStatus, SnapshotStatus
from ecs_dr.sandbox.clock import VirtualClock
from tests.support.demo_world import (
    DB_INSTANCE,
    PROD_SG,
    PROD_VPC,
    PUBLIC_IMAGE,
    TARGET_INSTANCE,
    TARGET_VSWITCH,
    WEB_INSTANCE,
    WEB_SYSTEM,
)
from tests.support.sandboxes import SandboxHandle, VirtualTime


class Progress:
    """Records what a waiter reports, as an MCP progress notifier would receive it."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, int | None, float]] = []

    async def __call__(self, status: str, percent: int | None, elapsed_s: float) -> None:
        self.reports.append((status, percent, elapsed_s))


@pytest.mark.parametrize("waiter", list(WAITERS.values()), ids=list(WAITERS))
def test_every_waiter_spec_action_exists_on_the_sdk_client_and_every_status_is_a_domain_enum_member(
    waiter: Waiter[Any],
) -> None:
    describe, spec = waiter.describe, waiter.spec
    assert sdk_method_name(describe.action).startswith("describe_")
    assert hasattr(describe.request_type(), describe.id_param)
    for name in describe.request_extra:
        assert hasattr(describe.request_type(), name)
    members = set(describe.statuses)
    success, failure, pending = (spec.accepts(s) for s in ("success", "failure", "retry"))
    assert success | failure | pending <= members
    assert not success & failure
    assert not success & pending
    assert not failure & pending


def test_every_image_status_is_asked_for_since_describe_images_hides_the_rest() -> None:
    request = IMAGES.request("m-1")

    assert set(request.status.split(",")) == set(ImageStatus)
    assert IMAGE_AVAILABLE.accepts("success") | IMAGE_AVAILABLE.accepts(
        "failure"
    ) | IMAGE_AVAILABLE.accepts("retry") == set(ImageStatus)


def test_terminal_statuses_of_snapshots_and_images_are_all_known() -> None:
    assert SNAPSHOT_ACCOMPLISHED.accepts("failure") == {SnapshotStatus.FAILED}
    assert SNAPSHOT_GROUP_ACCOMPLISHED.accepts("success") == {SnapshotStatus.ACCOMPLISHED}
    assert {ImageStatus.CREATE_FAILED, ImageStatus.UNAVAILABLE} <= IMAGE_AVAILABLE.accepts(
        "failure"
    )


async def create_snapshot(gateway: EcsGateway, disk_id: str) -> str:
    body = await gateway.call(
        None, "CreateSnapshot", ecs.CreateSnapshotRequest(disk_id=disk_id, snapshot_name="t")
    )
    return str(body.snapshot_id)


async def accomplished_snapshot(gateway: EcsGateway, time: VirtualTime) -> str:
    snapshot_id = await create_snapshot(gateway, WEB_SYSTEM)
    await wait(gateway, SNAPSHOTS, SNAPSHOT_ACCOMPLISHED, snapshot_id, timing=time.timing())
    return snapshot_id


async def create_image(gateway: EcsGateway, snapshot_id: str, name: str) -> str:
    body = await gateway.call(
        None, "CreateImage", ecs.CreateImageRequest(snapshot_id=snapshot_id, image_name=name)
    )
    return str(body.image_id)


async def test_snapshot_waiter_reports_progress(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    snapshot_id = await create_snapshot(gateway, WEB_SYSTEM)
    progress = Progress()

    result = await wait(
        gateway,
        SNAPSHOTS,
        SNAPSHOT_ACCOMPLISHED,
        snapshot_id,
        on_progress=progress,
        timing=virtual_time.timing(),
    )

    assert result.status == SnapshotStatus.ACCOMPLISHED
    assert result.item.snapshot_id == snapshot_id
    statuses = [status for status, _, _ in progress.reports]
    percents = [percent for _, percent, _ in progress.reports]
    assert statuses[0] == SnapshotStatus.PROGRESSING
    assert statuses[-1] == SnapshotStatus.ACCOMPLISHED
    assert percents[-1] == 100
    assert percents == sorted(p or 0 for p in percents)
    assert [elapsed for _, _, elapsed in progress.reports] == sorted(
        elapsed for _, _, elapsed in progress.reports
    )


async def test_snapshot_group_waiter_reports_the_progress_of_its_snapshots(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    created = await gateway.call(
        None, "CreateSnapshotGroup", ecs.CreateSnapshotGroupRequest(instance_id=DB_INSTANCE)
    )
    progress = Progress()

    result = await wait(
        gateway,
        SNAPSHOT_GROUPS,
        SNAPSHOT_GROUP_ACCOMPLISHED,
        created.snapshot_group_id,
        on_progress=progress,
        timing=virtual_time.timing(),
    )

    assert result.status == SnapshotStatus.ACCOMPLISHED
    assert len(result.item.snapshots.snapshot) == 3
    percents = [percent for _, percent, _ in progress.reports]
    assert percents[-1] == 100
    assert any(0 < (p or 0) < 100 for p in percents)


async def test_waiter_times_out_keeping_the_last_status(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    snapshot_id = await create_snapshot(gateway, WEB_SYSTEM)

    with pytest.raises(WaiterTimeout) as caught:
        await wait(
            gateway,
            SNAPSHOTS,
            SNAPSHOT_ACCOMPLISHED,
            snapshot_id,
            timing=virtual_time.timing(timeout_s=12),
        )

    assert caught.value.last_status == SnapshotStatus.PROGRESSING
    assert caught.value.resource_id == snapshot_id
    assert 12 <= caught.value.elapsed_s <= 12.5
    assert sum(virtual_time.sleeps) <= 12.5


async def test_polls_back_off_up_to_the_spec_maximum(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    snapshot_id = await create_snapshot(gateway, WEB_SYSTEM)

    await wait(gateway, SNAPSHOTS, SNAPSHOT_ACCOMPLISHED, snapshot_id, timing=virtual_time.timing())

    sleeps = virtual_time.sleeps
    assert sleeps[0] <= SNAPSHOT_ACCOMPLISHED.delays.initial_s * 1.2
    assert max(sleeps) <= SNAPSHOT_ACCOMPLISHED.delays.max_s * 1.2
    assert len(sleeps) >= 2


async def test_image_waiter_waits_until_available(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    snapshot_id = await accomplished_snapshot(gateway, virtual_time)
    image_id = await create_image(gateway, snapshot_id, "dr-web")
    progress = Progress()

    result = await wait(
        gateway,
        IMAGES,
        IMAGE_AVAILABLE,
        image_id,
        on_progress=progress,
        timing=virtual_time.timing(),
    )

    assert result.status == ImageStatus.AVAILABLE
    assert progress.reports[0][0] in {ImageStatus.CREATING, ImageStatus.WAITING}


async def test_image_waiter_stops_on_create_failed(
    gateway: EcsGateway, sandbox: SandboxHandle, virtual_time: VirtualTime
) -> None:
    snapshot_id = await accomplished_snapshot(gateway, virtual_time)
    sandbox.add_fault({"kind": "outcome", "action": "CreateImage", "status": "CreateFailed"})
    image_id = await create_image(gateway, snapshot_id, "dr-web-failing")

    with pytest.raises(WaiterFailed) as caught:
        await wait(gateway, IMAGES, IMAGE_AVAILABLE, image_id, timing=virtual_time.timing())

    assert caught.value.status == ImageStatus.CREATE_FAILED
    assert caught.value.resource_id == image_id


async def run_instance(gateway: EcsGateway) -> str:
    created = await gateway.call(
        None,
        "RunInstances",
        ecs.RunInstancesRequest(
            image_id=PUBLIC_IMAGE,
            instance_type="ecs.c7.large",
            zone_id="cn-hangzhou-i",
            v_switch_id=TARGET_VSWITCH,
            security_group_id=PROD_SG,
            system_disk=ecs.RunInstancesRequestSystemDisk(
                category="cloud_essd", size="40", performance_level="PL1"
            ),
            instance_name="recovery-web",
            internet_max_bandwidth_out=0,
        ),
    )
    (instance_id,) = created.instance_id_sets.instance_id_set
    return str(instance_id)


async def test_instance_waiter_follows_a_new_instance_from_pending_to_running(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    instance_id = await run_instance(gateway)
    progress = Progress()

    result = await wait(
        gateway,
        INSTANCES,
        INSTANCE_RUNNING,
        instance_id,
        on_progress=progress,
        timing=virtual_time.timing(),
    )

    assert result.status == InstanceStatus.RUNNING
    assert {status for status, _, _ in progress.reports} <= set(
        INSTANCE_RUNNING.accepts("retry") | INSTANCE_RUNNING.accepts("success")
    )
    assert progress.reports[0][0] in INSTANCE_RUNNING.accepts("retry")
    # A new instance is first polled once it could be Running, then at short intervals.
    first_s = INSTANCE_RUNNING.delays.first_s
    assert first_s is not None and first_s > INSTANCE_RUNNING.delays.max_s
    elapsed = [elapsed_s for _, _, elapsed_s in progress.reports]
    assert elapsed[0] >= first_s
    gaps = [b - a for a, b in itertools.pairwise(elapsed)]
    assert all(gap <= INSTANCE_RUNNING.delays.max_s * 1.2 + 0.5 for gap in gaps), gaps


async def test_a_scaled_cloud_clock_ends_a_wait_after_the_scaled_timeout(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    """On a cloud 3000 times faster than real time, an instance that stays Pending ends its
    20-minute wait after 0.4 real seconds: the deadline is counted in cloud seconds, as the
    polls are."""
    scale = 3000.0
    real = VirtualClock(start=0.0)

    async def real_sleep(seconds: float) -> None:
        real.advance(seconds)
        sandbox.clock.advance(seconds * scale)

    timing = Timing.scaled(scale, real_sleep=real_sleep, real_clock=real.now)
    sandbox.add_fault({"kind": "outcome", "action": "RunInstances", "status": "Pending"})
    instance_id = await run_instance(gateway)

    with pytest.raises(WaiterTimeout) as caught:
        await wait_instance(gateway, sandbox.region_id, instance_id, timing=timing)

    assert caught.value.last_status == InstanceStatus.PENDING
    assert caught.value.elapsed_s == pytest.approx(INSTANCE_RUNNING.delays.timeout_s)
    assert real.now() == pytest.approx(INSTANCE_RUNNING.delays.timeout_s / scale)


async def test_instance_waiter_retries_not_found_right_after_run_instances(
    gateway: EcsGateway, sandbox: SandboxHandle, virtual_time: VirtualTime
) -> None:
    sandbox.add_fault(
        {
            "kind": "error",
            "action": "DescribeInstances",
            "code": "InvalidInstanceId.NotFound",
            "http_status": 404,
            "times": 2,
        }
    )

    result = await wait(
        gateway, INSTANCES, INSTANCE_RUNNING, WEB_INSTANCE, timing=virtual_time.timing()
    )

    assert result.status == InstanceStatus.RUNNING
    assert len([r for r in sandbox.requests() if r["action"] == "DescribeInstances"]) == 3


async def test_instance_waiter_keeps_polling_a_vanished_instance_for_a_bounded_time(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    with pytest.raises(WaiterFailed) as caught:
        await wait(
            gateway,
            INSTANCES,
            INSTANCE_RUNNING,
            "i-bp1neverexisted0001",
            timing=virtual_time.timing(),
        )

    assert caught.value.status is None
    assert (
        INSTANCE_RUNNING.absent_grace_s
        <= sum(virtual_time.sleeps)
        <= INSTANCE_RUNNING.absent_grace_s * 1.5
    )


async def test_disk_waiters_follow_a_disk_from_creation_to_attached(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    snapshot_id = await accomplished_snapshot(gateway, virtual_time)
    created = await gateway.call(
        None,
        "CreateDisk",
        ecs.CreateDiskRequest(
            snapshot_id=snapshot_id,
            zone_id="cn-hangzhou-i",
            disk_category="cloud_essd",
            performance_level="PL1",
            disk_name="dr-disk",
        ),
    )
    available = await wait(
        gateway, DISKS, DISK_AVAILABLE, created.disk_id, timing=virtual_time.timing()
    )
    await gateway.call(
        None,
        "AttachDisk",
        ecs.AttachDiskRequest(disk_id=created.disk_id, instance_id=TARGET_INSTANCE),
    )
    in_use = await wait(gateway, DISKS, DISK_IN_USE, created.disk_id, timing=virtual_time.timing())

    assert (available.status, in_use.status) == ("Available", "In_use")
    assert in_use.item.instance_id == TARGET_INSTANCE


async def test_vswitch_waiter_waits_until_available(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    created = await gateway.call(
        None,
        "CreateVSwitch",
        ecs.CreateVSwitchRequest(
            vpc_id=PROD_VPC, zone_id="cn-hangzhou-j", cidr_block="172.16.250.0/24"
        ),
    )

    result = await wait(
        gateway, VSWITCHES, VSWITCH_AVAILABLE, created.v_switch_id, timing=virtual_time.timing()
    )

    assert result.status == "Available"


# --- when the next poll comes ----------------------------------------------------------------


def test_a_poll_comes_when_the_progress_rate_predicts_the_end() -> None:
    # 20% -> 60% in 40 s: 1% a second, so the remaining 40% end in about 40 s.
    assert 39.0 <= poll_delay(10.0, 60.0, (0.0, 20), (40.0, 60)) <= 40.0


def test_the_end_is_aimed_at_the_middle_of_the_last_reported_percent() -> None:
    # 1% every 4 s and 90% reported: 10% to go ends 36-40 s on, as ECS reports whole percents.
    assert poll_delay(10.0, 60.0, (0.0, 10), (320.0, 90)) == 38.0


def test_a_far_end_is_polled_at_the_waiters_longest_delay() -> None:
    assert poll_delay(10.0, 30.0, (0.0, 1), (10.0, 2)) == 30.0


def test_a_resource_at_100_percent_is_polled_again_soon() -> None:
    assert poll_delay(30.0, 30.0, (0.0, 10), (50.0, 100)) == MIN_POLL_DELAY_S


def test_an_end_predicted_right_now_still_leaves_the_shortest_pause() -> None:
    assert poll_delay(30.0, 30.0, (0.0, 10), (10.0, 99)) == MIN_POLL_DELAY_S


def test_without_moving_progress_the_poll_backs_off_with_jitter() -> None:
    for first, latest in [(None, None), ((0.0, 40), (10.0, 40)), ((0.0, 0), (5.0, 0))]:
        assert 8.0 <= poll_delay(10.0, 30.0, first, latest) <= 12.0


def test_a_steady_rate_is_trusted_twice_as_far_ahead_as_it_was_seen() -> None:
    # 1% every 4 s from 10 s to 90 s, the last 40 s at the same rate: the 90% left end in
    # about 360 s; seen over 80 s, the next poll comes 160 s on rather than at the 30 s cap.
    assert poll_delay(10.0, 30.0, (10.0, 5), (90.0, 25), (50.0, 15)) == 160.0


def test_a_steady_rate_near_its_end_is_polled_at_the_predicted_end() -> None:
    # 0.25% a second for 300 s: the 14.5% left to the middle of the last percent take 58 s.
    assert poll_delay(10.0, 30.0, (0.0, 10), (300.0, 85), (150.0, 47)) == 58.0


def test_an_unsteady_rate_keeps_the_waiters_longest_delay() -> None:
    # The last interval ran at a quarter of the rate since the first reading.
    assert poll_delay(10.0, 30.0, (10.0, 5), (90.0, 45), (50.0, 37)) == 30.0
