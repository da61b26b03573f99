"""Snapshot and snapshot-consistent group actions through the official SDK: CreateSnapshot,
DescribeSnapshots, DeleteSnapshot, CreateSnapshotGroup, DescribeSnapshotGroups,
DeleteSnapshotGroup. The tests share the module's demo and lab sandboxes, reset before each.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S, Backend
from ecs_dr.sandbox.models.lifecycle import Lifecycle
from ecs_dr.sandbox.models.resources import DiskDeviceMapping, Image
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    LEGACY_DATA,
    LEGACY_INSTANCE,
    REGION,
    WEB_INSTANCE,
    WEB_SYSTEM,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle
from tests.support.sdk_calls import (
    SETTLE_S,
    create_disk,
    ecs_error,
    round_trips,
    snapshot,
    token_pages,
)


@pytest.fixture
def sandbox(demo: RunningSandbox) -> SandboxHandle:
    """The module's demo sandbox, reset for this test; `ecs` is pointed at it."""
    return demo.handle


@pytest.fixture
def backend(demo: RunningSandbox) -> Backend:
    return demo.backend


def snapshots(ecs: Client, region: str = REGION, **kwargs: Any) -> list[Any]:
    request = models.DescribeSnapshotsRequest(region_id=region, page_size=100, **kwargs)
    return list(ecs.describe_snapshots(request).body.snapshots.snapshot)


def one_snapshot(ecs: Client, snapshot_id: str) -> Any:
    [found] = snapshots(ecs, snapshot_ids=json.dumps([snapshot_id]))
    return found


def group(ecs: Client, region: str = REGION, **kwargs: Any) -> str:
    request = models.CreateSnapshotGroupRequest(region_id=region, **kwargs)
    return str(ecs.create_snapshot_group(request).body.snapshot_group_id)


def groups(ecs: Client, region: str = REGION, **kwargs: Any) -> list[Any]:
    request = models.DescribeSnapshotGroupsRequest(region_id=region, **kwargs)
    return list(ecs.describe_snapshot_groups(request).body.snapshot_groups.snapshot_group)


def add_image(backend: Backend, snapshot_id: str) -> None:
    """CreateImage belongs to another family; an image referencing the snapshot is enough here."""
    with backend.lock:
        backend.regions[REGION].images["m-bp1drillimage000001"] = Image(
            image_id="m-bp1drillimage000001",
            image_name="drill",
            mappings=[DiskDeviceMapping("/dev/xvda", "system", snapshot_id, 40)],
            lifecycle=Lifecycle.fixed("Available"),
            created_at=backend.now(),
        )


# --- CreateSnapshot / DescribeSnapshots ------------------------------------------------------
def test_snapshot_answers_progressing_and_accomplishes_when_the_upload_ends(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    _, raw = round_trips(
        ecs, lambda: ecs.create_snapshot(models.CreateSnapshotRequest(disk_id=DB_DATA))
    )
    snapshot_id = raw["SnapshotId"]
    assert snapshot_id.startswith("s-bp1")
    request = models.DescribeSnapshotsRequest(
        region_id=REGION, snapshot_ids=json.dumps([snapshot_id])
    )
    _, body = round_trips(ecs, lambda: ecs.describe_snapshots(request))
    [first] = body["Snapshots"]["Snapshot"]
    assert (first["Status"], first["Progress"], first["Available"]) == ("progressing", "0%", False)
    assert (first["SourceDiskId"], first["SourceDiskType"], first["SourceDiskSize"]) == (
        DB_DATA,
        "data",
        "100",
    )
    assert first["InstantAccess"] is True and first["CreationTime"] == "2026-01-01T00:00:00Z"
    sandbox.advance_clock(45)  # 30 s + 0.6 s/GiB * 100 GiB = 90 s in all
    half = one_snapshot(ecs, snapshot_id)
    assert (half.status, half.progress, half.remain_time) == ("progressing", "50%", 45)
    sandbox.advance_clock(45)
    done = one_snapshot(ecs, snapshot_id)
    assert (done.status, done.progress, done.available, done.remain_time) == (
        "accomplished",
        "100%",
        True,
        0,
    )


def test_essd_snapshot_is_available_on_instant_access_before_it_is_accomplished(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_SYSTEM)
    sandbox.advance_clock(4)
    assert one_snapshot(ecs, snapshot_id).available is False
    sandbox.advance_clock(1)
    current = one_snapshot(ecs, snapshot_id)
    assert (current.status, current.available) == ("progressing", True)


def test_non_essd_snapshot_is_available_only_when_accomplished(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, LEGACY_DATA)  # cloud_efficiency, 200 GiB: 30 + 1.5 * 200 s
    sandbox.advance_clock(329)
    current = one_snapshot(ecs, snapshot_id)
    assert (current.status, current.available, current.instant_access) == (
        "progressing",
        False,
        False,
    )
    sandbox.advance_clock(1)
    assert one_snapshot(ecs, snapshot_id).available is True


def test_create_snapshot_fault_ends_failed_and_never_available(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshot", "status": "failed"})
    snapshot_id = snapshot(ecs, DB_DATA)
    sandbox.advance_clock(10)
    assert one_snapshot(ecs, snapshot_id).available is False
    sandbox.advance_clock(600)
    failed = one_snapshot(ecs, snapshot_id)
    assert (failed.status, failed.available) == ("failed", False)
    assert failed.progress != "100%"
    assert [s.snapshot_id for s in snapshots(ecs, status="failed")] == [snapshot_id]


def test_create_snapshot_refuses_unknown_never_attached_and_creating_disks(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: snapshot(ecs, "d-bp1nosuchdisk000000")) == (
        "InvalidDiskId.NotFound",
        404,
    )
    disk_id = create_disk(ecs, size=40)
    assert ecs_error(lambda: snapshot(ecs, disk_id)) == ("IncorrectDiskStatus", 403)  # Creating
    sandbox.advance_clock(15)
    assert ecs_error(lambda: snapshot(ecs, disk_id)) == ("IncorrectDiskStatus.NeverAttached", 403)
    assert snapshots(ecs, disk_id=disk_id) == []


def test_create_snapshot_needs_a_running_or_stopped_instance(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: snapshot(lab.ecs, "d-hzstopping-sys")) == (
        "IncorrectInstanceStatus",
        400,
    )


def test_a_disk_takes_no_second_snapshot_while_one_is_in_progress(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot(ecs, DB_DATA)
    assert ecs_error(lambda: snapshot(ecs, DB_DATA)) == (
        "IncorrectDiskStatus.CreatingSnapshot",
        403,
    )
    snapshot(ecs, DB_LOG)  # the limit is per disk
    sandbox.advance_clock(90)  # 100 GiB: 30 + 0.6 * 100 s
    snapshot(ecs, DB_DATA)
    assert len(snapshots(ecs, disk_id=DB_DATA)) == 2


def test_create_snapshot_with_the_same_client_token_creates_one_snapshot(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = snapshot(ecs, DB_DATA, client_token="token-snap-1")
    assert ecs_error(lambda: snapshot(ecs, DB_DATA, client_token="token-snap-1")) == (
        "IdempotentProcessing",
        403,
    )
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    assert snapshot(ecs, DB_DATA, client_token="token-snap-1") == first
    assert len(snapshots(ecs)) == 1
    assert ecs_error(lambda: snapshot(ecs, DB_LOG, client_token="token-snap-1")) == (
        "IdempotentParameterMismatch",
        403,
    )


def test_create_snapshot_tags_show_in_describe_snapshots_and_filter_it(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    tag = models.CreateSnapshotRequestTag(key="ecs-dr", value="op-1")
    tagged = snapshot(ecs, DB_DATA, tag=[tag], snapshot_name="before-drill", description="drill")
    snapshot(ecs, DB_LOG)
    [found] = snapshots(ecs, tag=[models.DescribeSnapshotsRequestTag(key="ecs-dr", value="op-1")])
    assert (found.snapshot_id, found.snapshot_name, found.description) == (
        tagged,
        "before-drill",
        "drill",
    )
    assert [(t.tag_key, t.tag_value) for t in found.tags.tag] == [("ecs-dr", "op-1")]


def test_describe_snapshots_filters_by_disk_instance_type_and_usage(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    system = snapshot(ecs, DB_SYSTEM)
    data = snapshot(ecs, DB_DATA)
    web = snapshot(ecs, WEB_SYSTEM)
    assert {s.snapshot_id for s in snapshots(ecs, instance_id=DB_INSTANCE)} == {system, data}
    assert [s.snapshot_id for s in snapshots(ecs, disk_id=DB_DATA)] == [data]
    assert {s.snapshot_id for s in snapshots(ecs, source_disk_type="System")} == {system, web}
    assert snapshots(ecs, snapshot_type="auto") == []
    sandbox.advance_clock(120)
    create_disk(ecs, snapshot_id=data)
    assert [s.snapshot_id for s in snapshots(ecs, usage="disk")] == [data]
    assert snapshots(ecs, "cn-shanghai") == []


def test_describe_snapshots_pages_by_page_number_and_by_next_token(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    made = []
    for _ in range(3):
        made += [snapshot(ecs, disk) for disk in (DB_SYSTEM, DB_DATA, DB_LOG)]
        sandbox.advance_clock(SETTLE_S)
    page = ecs.describe_snapshots(
        models.DescribeSnapshotsRequest(region_id=REGION, page_number=3, page_size=4)
    ).body
    assert (page.total_count, page.page_number, len(page.snapshots.snapshot)) == (9, 3, 1)
    pages = token_pages(
        lambda token: (
            ecs.describe_snapshots(
                models.DescribeSnapshotsRequest(region_id=REGION, max_results=4, next_token=token)
            ).body
        )
    )
    seen = [s.snapshot_id for body in pages for s in body.snapshots.snapshot]
    assert seen == made


def test_describe_snapshots_needs_a_known_region(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: ecs.describe_snapshots(models.DescribeSnapshotsRequest())) == (
        "MissingParameter",
        400,
    )
    unknown = models.DescribeSnapshotsRequest(region_id="eu-nowhere-1")
    assert ecs_error(lambda: ecs.describe_snapshots(unknown)) == ("InvalidRegionId.NotFound", 404)


# --- DeleteSnapshot --------------------------------------------------------------------------
def test_delete_snapshot_removes_it_and_its_tags(sandbox: SandboxHandle, ecs: Client) -> None:
    tag = models.CreateSnapshotRequestTag(key="ecs-dr", value="op-2")
    snapshot_id = snapshot(ecs, DB_DATA, tag=[tag])
    sandbox.advance_clock(SETTLE_S)
    round_trips(
        ecs, lambda: ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=snapshot_id))
    )
    assert snapshots(ecs) == []
    assert all(t["resource_id"] != snapshot_id for t in sandbox.state()["regions"][REGION]["tags"])


def test_delete_snapshot_of_an_unknown_id_is_not_found(ecs: Client) -> None:
    request = models.DeleteSnapshotRequest(snapshot_id="s-bp1nosuchsnapshot00")
    assert ecs_error(lambda: ecs.delete_snapshot(request)) == ("InvalidSnapshotId.NotFound", 404)


def test_delete_snapshot_of_one_in_progress_is_refused_until_it_is_accomplished(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)
    request = models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True)
    assert ecs_error(lambda: ecs.delete_snapshot(request)) == (
        "IncorrectDiskStatus.CreatingSnapshot",
        400,
    )
    sandbox.advance_clock(SETTLE_S)
    ecs.delete_snapshot(request)
    assert snapshots(ecs) == []


def test_delete_snapshot_refuses_one_a_disk_came_from_unless_forced(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)
    sandbox.advance_clock(10)
    create_disk(ecs, snapshot_id=snapshot_id)
    sandbox.advance_clock(SETTLE_S)
    plain = models.DeleteSnapshotRequest(snapshot_id=snapshot_id)
    assert ecs_error(lambda: ecs.delete_snapshot(plain)) == ("SnapshotCreatedDisk", 403)
    ecs.delete_snapshot(models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True))
    assert snapshots(ecs) == []


def test_delete_snapshot_refuses_one_an_image_uses_even_when_forced(
    sandbox: SandboxHandle, ecs: Client, backend: Backend
) -> None:
    snapshot_id = snapshot(ecs, DB_SYSTEM)
    sandbox.advance_clock(SETTLE_S)
    add_image(backend, snapshot_id)
    forced = models.DeleteSnapshotRequest(snapshot_id=snapshot_id, force=True)
    assert ecs_error(lambda: ecs.delete_snapshot(forced)) == ("SnapshotCreatedImage", 403)
    assert one_snapshot(ecs, snapshot_id).usage == "image"


# --- CreateSnapshotGroup / DescribeSnapshotGroups --------------------------------------------
def test_snapshot_group_snapshots_every_disk_and_accomplishes_with_the_slowest(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    request = models.CreateSnapshotGroupRequest(
        region_id=REGION, instance_id=DB_INSTANCE, name="g1"
    )
    _, raw = round_trips(ecs, lambda: ecs.create_snapshot_group(request))
    group_id = raw["SnapshotGroupId"]
    assert group_id.startswith("ssg-bp1")
    describe = models.DescribeSnapshotGroupsRequest(region_id=REGION, snapshot_group_id=[group_id])
    _, body = round_trips(ecs, lambda: ecs.describe_snapshot_groups(describe))
    [found] = body["SnapshotGroups"]["SnapshotGroup"]
    assert (found["Status"], found["InstanceId"], found["Name"]) == (
        "progressing",
        DB_INSTANCE,
        "g1",
    )
    members = found["Snapshots"]["Snapshot"]
    assert [(m["SourceDiskId"], m["SourceDiskType"]) for m in members] == [
        (DB_SYSTEM, "system"),
        (DB_DATA, "data"),
        (DB_LOG, "data"),
    ]
    assert all(m["Progress"] == "0%" and m["InstantAccess"] for m in members)
    assert found["CreationTime"] == "2026-01-01T00:00:00Z"
    sandbox.advance_clock(5)
    assert all(s.available for s in groups(ecs)[0].snapshots.snapshot)
    sandbox.advance_clock(325 - 5)  # the 500 GiB disk: 30 + 0.6 * 500 s
    assert groups(ecs)[0].status == "progressing"
    sandbox.advance_clock(5)
    assert groups(ecs)[0].status == "accomplished"
    assert {s.snapshot_id for s in snapshots(ecs)} == {m["SnapshotId"] for m in members}


def test_snapshot_group_refuses_a_non_essd_disk_until_it_is_excluded(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: group(ecs, instance_id=LEGACY_INSTANCE)) == (
        "DiskCategory.OperationNotSupported",
        400,
    )
    assert snapshots(ecs) == []
    group(ecs, instance_id=LEGACY_INSTANCE, exclude_disk_id=[LEGACY_DATA])
    assert [s.source_disk_type for s in snapshots(ecs)] == ["system"]


def test_snapshot_group_checks_instance_and_disk_ids(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: group(ecs, instance_id="i-bp1nosuchinstance00")) == (
        "InvalidInstanceId.NotFound",
        404,
    )
    assert ecs_error(lambda: group(ecs, instance_id=DB_INSTANCE, disk_id=[LEGACY_DATA])) == (
        "InvalidDiskId.NotFound",
        404,
    )
    both: dict[str, Any] = {
        "instance_id": DB_INSTANCE,
        "disk_id": [DB_DATA],
        "exclude_disk_id": [DB_LOG],
    }
    assert ecs_error(lambda: group(ecs, **both)) == (
        "InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict",
        400,
    )
    everything: dict[str, Any] = {
        "instance_id": WEB_INSTANCE,
        "exclude_disk_id": [WEB_SYSTEM],
    }
    assert ecs_error(lambda: group(ecs, **everything)) == ("InvalidInstance.NoDisk", 403)
    assert ecs_error(lambda: group(ecs, region="eu-nowhere-1", instance_id=DB_INSTANCE)) == (
        "InvalidRegionId.NotFound",
        404,
    )
    assert groups(ecs) == [] and snapshots(ecs) == []


def test_snapshot_group_of_chosen_disks_covers_only_those(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    group(ecs, instance_id=DB_INSTANCE, disk_id=[DB_DATA, DB_LOG])
    assert [s.source_disk_id for s in groups(ecs)[0].snapshots.snapshot] == [DB_DATA, DB_LOG]
    group(ecs, disk_id=[DB_SYSTEM])  # DiskId.N alone, no InstanceId
    assert len(groups(ecs)) == 2


def test_snapshot_group_needs_a_running_or_stopped_instance(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: group(lab.ecs, instance_id="i-hzstopping")) == (
        "IncorrectInstanceStatus",
        400,
    )


def test_snapshot_group_refuses_multi_attach_disks_unless_excluded(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: group(lab.ecs, instance_id="i-hzshared")) == (
        "InvalidOperation.MultiAttachDisk",
        403,
    )
    group(lab.ecs, instance_id="i-hzshared", exclude_disk_id=["d-hzshared-b"])


@pytest.mark.parametrize(("region", "code"), [("cn-hangzhou", "hz"), ("ap-southeast-1", "sg")])
def test_snapshot_group_limits_are_16_disks_and_32_tib_in_every_region(
    lab: RunningSandbox, region: str, code: str
) -> None:
    assert ecs_error(lambda: group(lab.ecs, region, instance_id=f"i-{code}many")) == (
        "NumberExceed.TooManyDisks",
        403,
    )
    assert ecs_error(lambda: group(lab.ecs, region, instance_id=f"i-{code}big")) == (
        "CapacityExceed.TooManyDisks",
        403,
    )
    group(lab.ecs, region, instance_id=f"i-{code}many", exclude_disk_id=[f"d-{code}many-q"])


def test_snapshot_group_of_disks_in_two_zones_is_refused(ecs: Client) -> None:
    other_zone = create_disk(ecs, size=40, zone_id="cn-hangzhou-i")
    assert ecs_error(lambda: group(ecs, disk_id=[DB_DATA, other_zone])) == (
        "InvalidDiskIds.NotInSameZone",
        400,
    )


def test_snapshot_group_needs_an_instance_or_disk_ids(ecs: Client) -> None:
    assert ecs_error(lambda: group(ecs)) == ("MissingParamter.InstanceId", 400)


def test_snapshot_group_waits_for_a_snapshot_of_its_disks_in_progress(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot(ecs, DB_LOG)
    assert ecs_error(lambda: group(ecs, instance_id=DB_INSTANCE)) == (
        "IncorrectDiskStatus.CreatingSnapshot",
        403,
    )
    sandbox.advance_clock(SETTLE_S)
    group(ecs, instance_id=DB_INSTANCE)


def test_snapshot_group_with_the_same_client_token_creates_one_group(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = group(ecs, instance_id=DB_INSTANCE, client_token="token-group-1")
    assert ecs_error(lambda: group(ecs, instance_id=DB_INSTANCE, client_token="token-group-1")) == (
        "IdempotentProcessing",
        403,
    )
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    assert group(ecs, instance_id=DB_INSTANCE, client_token="token-group-1") == first
    assert len(groups(ecs)) == 1 and len(snapshots(ecs)) == 3


def test_snapshot_group_tags_show_in_describe_and_filter_it(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    tag = models.CreateSnapshotGroupRequestTag(key="ecs-dr", value="op-3")
    tagged = group(ecs, instance_id=DB_INSTANCE, tag=[tag])
    group(ecs, instance_id=WEB_INSTANCE)
    wanted = models.DescribeSnapshotGroupsRequestTag(key="ecs-dr", value="op-3")
    [found] = groups(ecs, tag=[wanted])
    assert found.snapshot_group_id == tagged
    assert [(t.key, t.value) for t in found.tags.tag] == [("ecs-dr", "op-3")]


def test_snapshot_group_fault_fails_the_group(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshotGroup", "status": "failed"})
    group(ecs, instance_id=DB_INSTANCE)
    sandbox.advance_clock(400)
    assert groups(ecs)[0].status == "failed"
    assert len(groups(ecs, status=["failed"])) == 1 and groups(ecs, status=["accomplished"]) == []


def test_describe_snapshot_groups_filters_and_pages_by_next_token(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    made = []
    for _ in range(2):
        made += [group(ecs, instance_id=DB_INSTANCE), group(ecs, instance_id=WEB_INSTANCE)]
        sandbox.advance_clock(SETTLE_S)
    assert len(groups(ecs, instance_id=WEB_INSTANCE)) == 2
    assert [g.snapshot_group_id for g in groups(ecs, snapshot_group_id=made[:2])] == made[:2]
    first = ecs.describe_snapshot_groups(
        models.DescribeSnapshotGroupsRequest(region_id=REGION, max_results=3)
    ).body
    rest = ecs.describe_snapshot_groups(
        models.DescribeSnapshotGroupsRequest(
            region_id=REGION, max_results=3, next_token=first.next_token
        )
    ).body
    pages = first.snapshot_groups.snapshot_group + rest.snapshot_groups.snapshot_group
    assert [g.snapshot_group_id for g in pages] == made and rest.next_token == ""
    bad = models.DescribeSnapshotGroupsRequest(region_id=REGION, status=["error"])
    assert ecs_error(lambda: ecs.describe_snapshot_groups(bad)) == ("InvalidParameter", 400)


# --- DeleteSnapshotGroup ---------------------------------------------------------------------
def test_delete_snapshot_group_deletes_it_and_its_snapshots(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    group_id = group(ecs, instance_id=DB_INSTANCE)
    request = models.DeleteSnapshotGroupRequest(region_id=REGION, snapshot_group_id=group_id)
    _, raw = round_trips(ecs, lambda: ecs.delete_snapshot_group(request))
    statuses = [p["OperationStatus"] for p in raw["OperationProgressSet"]["OperationProgress"]]
    assert statuses == ["Success"] * 3
    assert groups(ecs) == [] and snapshots(ecs) == []
    assert ecs_error(lambda: ecs.delete_snapshot_group(request)) == (
        "InvalidSnapshotGroupId.NotFound",
        404,
    )


def test_delete_snapshot_group_keeps_a_snapshot_an_image_uses(
    sandbox: SandboxHandle, ecs: Client, backend: Backend
) -> None:
    group_id = group(ecs, instance_id=WEB_INSTANCE)
    [member] = groups(ecs)[0].snapshots.snapshot
    add_image(backend, member.snapshot_id)
    request = models.DeleteSnapshotGroupRequest(region_id=REGION, snapshot_group_id=group_id)
    [progress] = ecs.delete_snapshot_group(request).body.operation_progress_set.operation_progress
    assert (progress.operation_status, progress.error_code) == ("Failed", "SnapshotCreatedImage")
    assert groups(ecs) == []
    assert [s.snapshot_id for s in snapshots(ecs)] == [member.snapshot_id]
