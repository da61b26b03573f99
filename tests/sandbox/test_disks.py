"""Disk actions through the official SDK: DescribeDisks, CreateDisk, AttachDisk, DeleteDisk.

The tests share the module's demo-world sandbox, reset before each (`demo` in conftest.py);
`lab` serves the cases the demo world has not (`helpers.lab_world`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    ENTRY_INSTANCE,
    LEGACY_DATA,
    REGION,
    SHANGHAI_SYSTEM,
    TARGET_INSTANCE,
    TARGET_SYSTEM,
)
from tests.support.sandboxes import RunningSandbox, SandboxHandle
from tests.support.sdk_calls import create_disk, ecs_error, round_trips, snapshot, token_pages


@pytest.fixture
def sandbox(demo: RunningSandbox) -> SandboxHandle:
    """The module's demo sandbox, reset for this test; `ecs` is pointed at it."""
    return demo.handle


def describe(ecs: Client, region: str = REGION, **kwargs: Any) -> list[Any]:
    request = models.DescribeDisksRequest(region_id=region, page_size=100, **kwargs)
    return list(ecs.describe_disks(request).body.disks.disk)


def one_disk(ecs: Client, disk_id: str, region: str = REGION) -> Any:
    [disk] = describe(ecs, region, disk_ids=json.dumps([disk_id]))
    return disk


def attach(ecs: Client, instance_id: str, disk_id: str, **kwargs: Any) -> Any:
    return ecs.attach_disk(
        models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id, **kwargs)
    )


# --- DescribeDisks -----------------------------------------------------------------------------
def test_describe_disks_answers_the_sdk_model_with_every_key_the_product_reads(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    request = models.DescribeDisksRequest(region_id=REGION, instance_id=DB_INSTANCE)
    _, raw = round_trips(ecs, lambda: ecs.describe_disks(request))
    disks = raw["Disks"]["Disk"]
    assert [d["DiskId"] for d in disks] == [DB_SYSTEM, DB_DATA, DB_LOG]
    system = disks[0]
    for key in ("ZoneId", "Category", "Size", "PerformanceLevel", "Type", "Device", "InstanceId"):
        assert key in system
    assert system["Status"] == "In_use"
    assert (system["Type"], system["Device"], system["PerformanceLevel"]) == (
        "system",
        "/dev/xvda",
        "PL0",
    )
    assert system["DeleteWithInstance"] is True and disks[1]["Portable"] is True
    assert system["CreationTime"] == "2026-01-01T00:00:00Z"
    assert raw["TotalCount"] == 3


def test_describe_disks_filters_by_type_category_zone_status_and_ids(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert [d.disk_id for d in describe(ecs, instance_id=DB_INSTANCE, disk_type="data")] == [
        DB_DATA,
        DB_LOG,
    ]
    assert [d.disk_id for d in describe(ecs, category="cloud_efficiency")] == [LEGACY_DATA]
    assert [d.disk_id for d in describe(ecs, zone_id="cn-hangzhou-i")] == [TARGET_SYSTEM]
    assert describe(ecs, status="Available") == []
    ids = json.dumps([DB_DATA, LEGACY_DATA])
    assert {d.disk_id for d in describe(ecs, disk_ids=ids)} == {DB_DATA, LEGACY_DATA}
    assert describe(ecs, "cn-shanghai", disk_type="system")[0].disk_id == SHANGHAI_SYSTEM


def test_describe_disks_pages_by_page_number_and_by_next_token(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = ecs.describe_disks(
        models.DescribeDisksRequest(region_id=REGION, page_number=2, page_size=4)
    ).body
    assert (first.total_count, first.page_number, len(first.disks.disk)) == (10, 2, 4)
    pages = token_pages(
        lambda token: (
            ecs.describe_disks(
                models.DescribeDisksRequest(region_id=REGION, max_results=5, next_token=token)
            ).body
        )
    )
    seen = [d.disk_id for body in pages for d in body.disks.disk]
    assert len(seen) == len(set(seen)) == 10


def test_describe_disks_needs_a_known_region(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: ecs.describe_disks(models.DescribeDisksRequest())) == (
        "MissingParameter",
        400,
    )
    unknown = models.DescribeDisksRequest(region_id="eu-nowhere-1")
    assert ecs_error(lambda: ecs.describe_disks(unknown)) == ("InvalidRegionId.NotFound", 404)


# --- CreateDisk ------------------------------------------------------------------------------
def test_create_disk_answers_creating_then_available_with_pl1_by_default(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    request = models.CreateDiskRequest(
        region_id=REGION, zone_id="cn-hangzhou-h", disk_category="cloud_essd", size=100
    )
    _, raw = round_trips(ecs, lambda: ecs.create_disk(request))
    disk_id = raw["DiskId"]
    assert disk_id.startswith("d-bp1")
    disk = one_disk(ecs, disk_id)
    assert (disk.status, disk.performance_level, disk.size, disk.type) == (
        "Creating",
        "PL1",
        100,
        "data",
    )
    assert (disk.instance_id, disk.device, disk.zone_id) == ("", "", "cn-hangzhou-h")
    sandbox.advance_clock(15)
    assert one_disk(ecs, disk_id).status == "Available"


def test_create_disk_refuses_an_unknown_zone_and_a_category_the_zone_does_not_sell(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    before = len(describe(ecs))
    assert ecs_error(lambda: create_disk(ecs, zone_id="cn-hangzhou-z", size=40)) == (
        "InvalidZoneId.NotFound",
        404,
    )
    entry_in_l = {"zone_id": "cn-hangzhou-l", "disk_category": "cloud_essd_entry", "size": 40}
    assert ecs_error(lambda: create_disk(ecs, **entry_in_l)) == (
        "InvalidDiskCategory.NotSupported",
        403,
    )
    # Without DiskCategory ECS means `cloud`, which no demo zone sells any more.
    default = models.CreateDiskRequest(region_id=REGION, zone_id="cn-hangzhou-h", size=40)
    assert ecs_error(lambda: ecs.create_disk(default)) == ("InvalidDiskCategory.NotSupported", 403)
    assert len(describe(ecs)) == before


def test_create_disk_takes_zone_or_instance_never_both_and_needs_a_size(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    both = {"zone_id": "cn-hangzhou-h", "instance_id": DB_INSTANCE, "size": 40}
    assert ecs_error(lambda: create_disk(ecs, **both)) == (
        "InvalidParam.ZoneIdAndInstanceId.Conflict",
        403,
    )
    neither = models.CreateDiskRequest(region_id=REGION, disk_category="cloud_essd", size=40)
    assert ecs_error(lambda: ecs.create_disk(neither)) == ("MissingParameter", 400)
    assert ecs_error(lambda: create_disk(ecs)) == ("MissingParameter", 400)


def test_create_disk_enforces_performance_level_and_category_size_ranges(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    pl2_too_small = {"size": 100, "performance_level": "PL2"}
    assert ecs_error(lambda: create_disk(ecs, **pl2_too_small)) == (
        "OperationDenied.PerformanceLevelNotMatch",
        403,
    )
    assert ecs_error(lambda: create_disk(ecs, size=40, performance_level="PL9")) == (
        "InvalidPerformanceLevel.Malformed",
        400,
    )
    ssd_too_small = {"disk_category": "cloud_ssd", "size": 10}
    assert ecs_error(lambda: create_disk(ecs, **ssd_too_small)) == ("InvalidDiskSize.TooSmall", 403)
    pl2 = one_disk(ecs, create_disk(ecs, size=500, performance_level="PL2"))
    assert pl2.performance_level == "PL2"
    auto = one_disk(ecs, create_disk(ecs, size=40, disk_category="cloud_auto"))
    assert auto.performance_level is None


def test_create_disk_from_an_essd_snapshot_waits_for_instant_access(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)
    essd = {"snapshot_id": snapshot_id}
    assert ecs_error(lambda: create_disk(ecs, **essd)) == ("InvalidSnapshotId.NotReady", 403)
    sandbox.advance_clock(6)  # instant access, upload still in progress
    disk = one_disk(ecs, create_disk(ecs, **essd))
    assert (disk.source_snapshot_id, disk.size) == (snapshot_id, 100)
    efficiency = {"snapshot_id": snapshot_id, "disk_category": "cloud_efficiency"}
    assert ecs_error(lambda: create_disk(ecs, **efficiency)) == ("InvalidSnapshotId.NotReady", 403)
    sandbox.advance_clock(120)  # accomplished
    assert one_disk(ecs, create_disk(ecs, **efficiency)).category == "cloud_efficiency"


def test_create_disk_refuses_unknown_and_failed_snapshots(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: create_disk(ecs, snapshot_id="s-bp1nosuchsnapshot00")) == (
        "InvalidSnapshotId.NotFound",
        404,
    )
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshot", "status": "failed"})
    failed = snapshot(ecs, DB_DATA)
    sandbox.advance_clock(600)
    assert ecs_error(lambda: create_disk(ecs, snapshot_id=failed)) == (
        "InvalidSnapshotId.NotReady",
        403,
    )


def test_a_snapshot_larger_than_size_wins_and_a_larger_size_is_kept(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)  # 100 GiB source
    sandbox.advance_clock(200)
    assert one_disk(ecs, create_disk(ecs, snapshot_id=snapshot_id, size=50)).size == 100
    assert one_disk(ecs, create_disk(ecs, snapshot_id=snapshot_id, size=300)).size == 300


def test_create_disk_with_the_same_client_token_creates_one_disk(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    before = len(describe(ecs))
    first = create_disk(ecs, size=40, client_token="token-disk-1")
    assert ecs_error(lambda: create_disk(ecs, size=40, client_token="token-disk-1")) == (
        "LastTokenProcessing",
        403,
    )
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    assert create_disk(ecs, size=40, client_token="token-disk-1") == first
    assert len(describe(ecs)) == before + 1
    assert ecs_error(lambda: create_disk(ecs, size=41, client_token="token-disk-1")) == (
        "IdempotentParameterMismatch",
        400,
    )


def test_create_disk_tags_show_in_describe_disks_and_filter_it(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    tag = models.CreateDiskRequestTag(key="ecs-dr", value="drill-1")
    disk_id = create_disk(ecs, size=40, tag=[tag])
    create_disk(ecs, size=40)
    [disk] = describe(ecs, tag=[models.DescribeDisksRequestTag(key="ecs-dr", value="drill-1")])
    assert disk.disk_id == disk_id
    assert [(t.tag_key, t.tag_value) for t in disk.tags.tag] == [("ecs-dr", "drill-1")]
    assert describe(ecs, tag=[models.DescribeDisksRequestTag(key="ecs-dr")]) != []


def test_create_disk_fault_sets_the_final_status(sandbox: SandboxHandle, ecs: Client) -> None:
    sandbox.add_fault({"kind": "outcome", "action": "CreateDisk", "status": "ReIniting"})
    disk_id = create_disk(ecs, size=40)
    sandbox.advance_clock(60)
    assert one_disk(ecs, disk_id).status == "ReIniting"


def test_create_disk_on_an_instance_lands_in_its_zone_and_attaches(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, instance_id=TARGET_INSTANCE, size=40)
    sandbox.advance_clock(60)
    disk = one_disk(ecs, disk_id)
    assert (disk.zone_id, disk.instance_id, disk.device, disk.status) == (
        "cn-hangzhou-i",
        TARGET_INSTANCE,
        "/dev/xvdb",
        "In_use",
    )


def test_multi_attach_is_only_for_cloud_essd(sandbox: SandboxHandle, ecs: Client) -> None:
    shared = one_disk(ecs, create_disk(ecs, size=40, multi_attach="Enabled"))
    assert shared.multi_attach == "Enabled"
    auto = {"size": 40, "disk_category": "cloud_auto", "multi_attach": "Enabled"}
    assert ecs_error(lambda: create_disk(ecs, **auto)) == ("InvalidParameter", 400)


# --- AttachDisk ------------------------------------------------------------------------------
def test_attach_disk_takes_the_next_free_device_and_goes_attaching_then_in_use(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, size=40)
    sandbox.advance_clock(15)
    round_trips(ecs, lambda: attach(ecs, DB_INSTANCE, disk_id, delete_with_instance=True))
    disk = one_disk(ecs, disk_id)
    assert (disk.status, disk.instance_id, disk.device) == ("Attaching", DB_INSTANCE, "/dev/xvdd")
    assert disk.delete_with_instance is True
    sandbox.advance_clock(5)
    assert one_disk(ecs, disk_id).status == "In_use"
    assert [a.device for a in one_disk(ecs, disk_id).attachments.attachment] == ["/dev/xvdd"]


def test_attach_disk_honours_a_free_well_formed_device(sandbox: SandboxHandle, ecs: Client) -> None:
    disk_id = create_disk(ecs, size=40)
    sandbox.advance_clock(15)
    assert ecs_error(lambda: attach(ecs, DB_INSTANCE, disk_id, device="/dev/sdb")) == (
        "InvalidDevice.Malformed",
        400,
    )
    assert ecs_error(lambda: attach(ecs, DB_INSTANCE, disk_id, device="/dev/xvdc")) == (
        "InvalidDevice.InUse",
        403,
    )
    attach(ecs, DB_INSTANCE, disk_id, device="/dev/xvdk")
    assert one_disk(ecs, disk_id).device == "/dev/xvdk"


def test_attach_disk_refuses_unknown_instance_and_disk(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: attach(ecs, "i-bp1nosuchinstance00", DB_DATA)) == (
        "InvalidInstanceId.NotFound",
        404,
    )
    assert ecs_error(lambda: attach(ecs, DB_INSTANCE, "d-bp1nosuchdisk000000")) == (
        "InvalidDiskId.NotFound",
        404,
    )


def test_attach_disk_needs_an_available_disk_in_the_same_zone(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, size=40)
    assert ecs_error(lambda: attach(ecs, DB_INSTANCE, disk_id)) == (
        "IncorrectDiskStatus",
        403,
    )  # Creating
    sandbox.advance_clock(15)
    assert ecs_error(lambda: attach(ecs, TARGET_INSTANCE, disk_id)) == (
        "ResourcesNotInSameZone",
        403,
    )
    assert ecs_error(lambda: attach(ecs, DB_INSTANCE, LEGACY_DATA)) == ("IncorrectDiskStatus", 403)
    assert one_disk(ecs, disk_id).status == "Available"


def test_cloud_essd_entry_attaches_only_to_u1_and_e_types(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, size=40, disk_category="cloud_essd_entry")
    sandbox.advance_clock(15)
    assert ecs_error(lambda: attach(ecs, DB_INSTANCE, disk_id)) == (
        "InvalidInstanceType.NotSupportDiskCategory",
        403,
    )
    attach(ecs, ENTRY_INSTANCE, disk_id)
    assert one_disk(ecs, disk_id).device == "/dev/xvdc"


def test_attach_disk_needs_a_running_or_stopped_instance(lab: RunningSandbox) -> None:
    disk_id = create_disk(lab.ecs, zone_id="cn-hangzhou-a", size=40)
    lab.handle.advance_clock(15)
    assert ecs_error(lambda: attach(lab.ecs, "i-hzstopping", disk_id)) == (
        "IncorrectInstanceStatus",
        400,
    )


def test_attach_disk_stops_at_the_instance_types_data_disk_limit(lab: RunningSandbox) -> None:
    disk_id = create_disk(lab.ecs, zone_id="cn-hangzhou-a", size=40)
    lab.handle.advance_clock(15)
    # ecs.one.large holds 1 data disk and has it; ecs.g7.large holds 16 and i-hzmany has 16.
    assert ecs_error(lambda: attach(lab.ecs, "i-hzone", disk_id)) == (
        "InstanceDiskLimitExceeded",
        403,
    )
    assert ecs_error(lambda: attach(lab.ecs, "i-hzmany", disk_id)) == (
        "InstanceDiskLimitExceeded",
        403,
    )
    attach(lab.ecs, "i-hzbig", disk_id)
    assert one_disk(lab.ecs, disk_id).device == "/dev/xvdd"


# --- DeleteDisk ------------------------------------------------------------------------------
def test_delete_disk_releases_an_available_disk_and_its_tags(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    tag = models.CreateDiskRequestTag(key="ecs-dr", value="drill-2")
    disk_id = create_disk(ecs, size=40, tag=[tag])
    assert ecs_error(lambda: ecs.delete_disk(models.DeleteDiskRequest(disk_id=disk_id))) == (
        "IncorrectDiskStatus.Initializing",
        403,
    )
    sandbox.advance_clock(15)
    round_trips(ecs, lambda: ecs.delete_disk(models.DeleteDiskRequest(disk_id=disk_id)))
    assert describe(ecs, disk_ids=json.dumps([disk_id])) == []
    tagged = [t for r in sandbox.state()["regions"].values() for t in r["tags"]]
    assert all(t["resource_id"] != disk_id for t in tagged)


def test_delete_disk_refuses_attached_and_unknown_disks(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: ecs.delete_disk(models.DeleteDiskRequest(disk_id=DB_SYSTEM))) == (
        "IncorrectDiskStatus",
        403,
    )
    unknown = models.DeleteDiskRequest(disk_id="d-bp1nosuchdisk000000")
    assert ecs_error(lambda: ecs.delete_disk(unknown)) == ("InvalidDiskId.NotFound", 404)
