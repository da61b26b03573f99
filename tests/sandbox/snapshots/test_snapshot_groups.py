"""Snapshot-consistent groups through the official SDK: CreateSnapshotGroup,
DescribeSnapshotGroups, DeleteSnapshotGroup. The tests share the module's demo and lab
sandboxes, reset before each.
"""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S, Backend
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
    add_image_using,
    create_disk,
    described_groups,
    described_snapshots,
    ecs_error,
    round_trips,
    snapshot,
    snapshot_group,
)


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
    assert all(s.available for s in described_groups(ecs)[0].snapshots.snapshot)
    sandbox.advance_clock(325 - 5)  # the 500 GiB disk: 30 + 0.6 * 500 s
    assert described_groups(ecs)[0].status == "progressing"
    sandbox.advance_clock(5)
    assert described_groups(ecs)[0].status == "accomplished"
    assert {s.snapshot_id for s in described_snapshots(ecs)} == {m["SnapshotId"] for m in members}


def test_snapshot_group_refuses_a_non_essd_disk_until_it_is_excluded(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: snapshot_group(ecs, instance_id=LEGACY_INSTANCE)) == (
        "DiskCategory.OperationNotSupported",
        400,
    )
    assert described_snapshots(ecs) == []
    snapshot_group(ecs, instance_id=LEGACY_INSTANCE, exclude_disk_id=[LEGACY_DATA])
    assert [s.source_disk_type for s in described_snapshots(ecs)] == ["system"]


def test_snapshot_group_checks_instance_and_disk_ids(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: snapshot_group(ecs, instance_id="i-bp1nosuchinstance00")) == (
        "InvalidInstanceId.NotFound",
        404,
    )
    assert ecs_error(
        lambda: snapshot_group(ecs, instance_id=DB_INSTANCE, disk_id=[LEGACY_DATA])
    ) == (
        "InvalidDiskId.NotFound",
        404,
    )
    both: dict[str, Any] = {
        "instance_id": DB_INSTANCE,
        "disk_id": [DB_DATA],
        "exclude_disk_id": [DB_LOG],
    }
    assert ecs_error(lambda: snapshot_group(ecs, **both)) == (
        "InvalidParam.ExcludeDiskIdsAndDiskIds.Conflict",
        400,
    )
    everything: dict[str, Any] = {
        "instance_id": WEB_INSTANCE,
        "exclude_disk_id": [WEB_SYSTEM],
    }
    assert ecs_error(lambda: snapshot_group(ecs, **everything)) == ("InvalidInstance.NoDisk", 403)
    assert ecs_error(
        lambda: snapshot_group(ecs, region="eu-nowhere-1", instance_id=DB_INSTANCE)
    ) == (
        "InvalidRegionId.NotFound",
        404,
    )
    assert described_groups(ecs) == [] and described_snapshots(ecs) == []


def test_snapshot_group_of_chosen_disks_covers_only_those(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_group(ecs, instance_id=DB_INSTANCE, disk_id=[DB_DATA, DB_LOG])
    assert [s.source_disk_id for s in described_groups(ecs)[0].snapshots.snapshot] == [
        DB_DATA,
        DB_LOG,
    ]
    snapshot_group(ecs, disk_id=[DB_SYSTEM])  # DiskId.N alone, no InstanceId
    assert len(described_groups(ecs)) == 2


def test_snapshot_group_needs_a_running_or_stopped_instance(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: snapshot_group(lab.ecs, instance_id="i-hzstopping")) == (
        "IncorrectInstanceStatus",
        400,
    )


def test_snapshot_group_refuses_multi_attach_disks_unless_excluded(lab: RunningSandbox) -> None:
    assert ecs_error(lambda: snapshot_group(lab.ecs, instance_id="i-hzshared")) == (
        "InvalidOperation.MultiAttachDisk",
        403,
    )
    snapshot_group(lab.ecs, instance_id="i-hzshared", exclude_disk_id=["d-hzshared-b"])


@pytest.mark.parametrize(("region", "code"), [("cn-hangzhou", "hz"), ("ap-southeast-1", "sg")])
def test_snapshot_group_limits_are_16_disks_and_32_tib_in_every_region(
    lab: RunningSandbox, region: str, code: str
) -> None:
    assert ecs_error(lambda: snapshot_group(lab.ecs, region, instance_id=f"i-{code}many")) == (
        "NumberExceed.TooManyDisks",
        403,
    )
    assert ecs_error(lambda: snapshot_group(lab.ecs, region, instance_id=f"i-{code}big")) == (
        "CapacityExceed.TooManyDisks",
        403,
    )
    snapshot_group(
        lab.ecs, region, instance_id=f"i-{code}many", exclude_disk_id=[f"d-{code}many-q"]
    )


def test_snapshot_group_of_disks_in_two_zones_is_refused(ecs: Client) -> None:
    other_zone = create_disk(ecs, size=40, zone_id="cn-hangzhou-i")
    assert ecs_error(lambda: snapshot_group(ecs, disk_id=[DB_DATA, other_zone])) == (
        "InvalidDiskIds.NotInSameZone",
        400,
    )


def test_snapshot_group_needs_an_instance_or_disk_ids(ecs: Client) -> None:
    assert ecs_error(lambda: snapshot_group(ecs)) == ("MissingParamter.InstanceId", 400)


def test_snapshot_group_waits_for_a_snapshot_of_its_disks_in_progress(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot(ecs, DB_LOG)
    assert ecs_error(lambda: snapshot_group(ecs, instance_id=DB_INSTANCE)) == (
        "IncorrectDiskStatus.CreatingSnapshot",
        403,
    )
    sandbox.advance_clock(SETTLE_S)
    snapshot_group(ecs, instance_id=DB_INSTANCE)


def test_snapshot_group_with_the_same_client_token_creates_one_group(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = snapshot_group(ecs, instance_id=DB_INSTANCE, client_token="token-group-1")
    assert ecs_error(
        lambda: snapshot_group(ecs, instance_id=DB_INSTANCE, client_token="token-group-1")
    ) == (
        "IdempotentProcessing",
        403,
    )
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    assert snapshot_group(ecs, instance_id=DB_INSTANCE, client_token="token-group-1") == first
    assert len(described_groups(ecs)) == 1 and len(described_snapshots(ecs)) == 3


def test_snapshot_group_tags_show_in_describe_and_filter_it(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    tag = models.CreateSnapshotGroupRequestTag(key="ecs-dr", value="op-3")
    tagged = snapshot_group(ecs, instance_id=DB_INSTANCE, tag=[tag])
    snapshot_group(ecs, instance_id=WEB_INSTANCE)
    wanted = models.DescribeSnapshotGroupsRequestTag(key="ecs-dr", value="op-3")
    [found] = described_groups(ecs, tag=[wanted])
    assert found.snapshot_group_id == tagged
    assert [(t.key, t.value) for t in found.tags.tag] == [("ecs-dr", "op-3")]


def test_snapshot_group_fault_fails_the_group(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshotGroup", "status": "failed"})
    snapshot_group(ecs, instance_id=DB_INSTANCE)
    sandbox.advance_clock(400)
    assert described_groups(ecs)[0].status == "failed"
    assert (
        len(described_groups(ecs, status=["failed"])) == 1
        and described_groups(ecs, status=["accomplished"]) == []
    )


def test_describe_snapshot_groups_filters_and_pages_by_next_token(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    made = []
    for _ in range(2):
        made += [
            snapshot_group(ecs, instance_id=DB_INSTANCE),
            snapshot_group(ecs, instance_id=WEB_INSTANCE),
        ]
        sandbox.advance_clock(SETTLE_S)
    assert len(described_groups(ecs, instance_id=WEB_INSTANCE)) == 2
    assert [g.snapshot_group_id for g in described_groups(ecs, snapshot_group_id=made[:2])] == made[
        :2
    ]
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


def test_describe_snapshot_groups_takes_at_most_ten_group_ids(ecs: Client) -> None:
    ten = models.DescribeSnapshotGroupsRequest(
        region_id=REGION, snapshot_group_id=[f"ssg-{n}" for n in range(10)]
    )
    eleven = models.DescribeSnapshotGroupsRequest(
        region_id=REGION, snapshot_group_id=[f"ssg-{n}" for n in range(11)]
    )

    assert ecs.describe_snapshot_groups(ten).body.snapshot_groups.snapshot_group == []
    assert ecs_error(lambda: ecs.describe_snapshot_groups(eleven)) == ("InvalidParameter", 400)


# --- DeleteSnapshotGroup ---------------------------------------------------------------------
def test_delete_snapshot_group_deletes_it_and_its_snapshots(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    group_id = snapshot_group(ecs, instance_id=DB_INSTANCE)
    request = models.DeleteSnapshotGroupRequest(region_id=REGION, snapshot_group_id=group_id)
    _, raw = round_trips(ecs, lambda: ecs.delete_snapshot_group(request))
    statuses = [p["OperationStatus"] for p in raw["OperationProgressSet"]["OperationProgress"]]
    assert statuses == ["Success"] * 3
    assert described_groups(ecs) == [] and described_snapshots(ecs) == []
    assert ecs_error(lambda: ecs.delete_snapshot_group(request)) == (
        "InvalidSnapshotGroupId.NotFound",
        404,
    )


def test_delete_snapshot_group_keeps_a_snapshot_an_image_uses(
    sandbox: SandboxHandle, ecs: Client, backend: Backend
) -> None:
    group_id = snapshot_group(ecs, instance_id=WEB_INSTANCE)
    [member] = described_groups(ecs)[0].snapshots.snapshot
    add_image_using(backend, member.snapshot_id)
    request = models.DeleteSnapshotGroupRequest(region_id=REGION, snapshot_group_id=group_id)
    [progress] = ecs.delete_snapshot_group(request).body.operation_progress_set.operation_progress
    assert (progress.operation_status, progress.error_code) == ("Failed", "SnapshotCreatedImage")
    assert described_groups(ecs) == []
    assert [s.snapshot_id for s in described_snapshots(ecs)] == [member.snapshot_id]
