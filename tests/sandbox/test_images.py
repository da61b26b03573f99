"""CreateImage, DescribeImages and DeleteImage through the official SDK."""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.backend import CLIENT_TOKEN_PROCESSING_S
from tests.support.demo_world import DB_DISKS, DB_INSTANCE, PUBLIC_IMAGE, REGION
from tests.support.sandboxes import SandboxHandle, StartSandbox
from tests.support.sdk_calls import (
    SETTLE_S,
    ecs_error,
    full_image,
    round_trips,
    run,
    snapshot_disks,
)

Mapping = models.CreateImageRequestDiskDeviceMapping
ALL_STATUSES = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"


def create(ecs: Client, **fields: Any) -> str:
    return str(
        ecs.create_image(models.CreateImageRequest(region_id=REGION, **fields)).body.image_id
    )


def images(ecs: Client, **filters: Any) -> list[Any]:
    request = models.DescribeImagesRequest(region_id=REGION, page_size=100, **filters)
    return list(ecs.describe_images(request).body.images.image)


def image(ecs: Client, image_id: str) -> Any:
    [found] = images(ecs, image_id=image_id, status=ALL_STATUSES)
    return found


@pytest.fixture(scope="module")
def snapped(module_sandboxes: StartSandbox) -> tuple[Client, list[str]]:
    """One world where prod-db-01's three disks have accomplished snapshots (system, data, log),
    for tests whose request is refused and so changes nothing."""
    served = module_sandboxes()
    return served.ecs, snapshot_disks(served.ecs, served.handle, DB_DISKS)


# --- CreateImage and its progression ----------------------------------------------------------
def test_create_image_answers_the_id_at_once_then_goes_creating_to_available(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    system, data, _ = snapshot_disks(ecs, sandbox, DB_DISKS)
    request = models.CreateImageRequest(
        region_id=REGION,
        image_name="prod-db-01-dr",
        disk_device_mapping=[
            Mapping(snapshot_id=system, disk_type="system"),
            Mapping(snapshot_id=data, disk_type="data"),
        ],
    )
    _, raw = round_trips(ecs, lambda: ecs.create_image(request))
    image_id = raw["ImageId"]
    assert image_id.startswith("m-bp1")
    creating = image(ecs, image_id)
    assert (creating.status, creating.progress) == ("Creating", "0%")
    sandbox.advance_clock(70)  # 120 s + 0.2 s per GiB of 140 GiB = 148 s in all
    assert image(ecs, image_id).progress == "47%"
    sandbox.advance_clock(80)
    done = image(ecs, image_id)
    assert (done.status, done.progress) == ("Available", "100%")


def test_create_image_response_round_trips_through_the_sdk(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    request = models.CreateImageRequest(region_id=REGION, snapshot_id=system)
    round_trips(ecs, lambda: ecs.create_image(request))


def test_describe_images_round_trips_exactly_with_the_keys_the_product_reads(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    image_id = full_image(ecs, sandbox)
    request = models.DescribeImagesRequest(region_id=REGION, image_id=image_id)
    _, raw = round_trips(ecs, lambda: ecs.describe_images(request))
    [body] = raw["Images"]["Image"]
    for key in ("ImageId", "ImageName", "Status", "Progress", "Size", "CreationTime", "OSName"):
        assert key in body, key
    for key in ("Platform", "Architecture", "ImageOwnerAlias", "Usage", "Tags"):
        assert key in body, key
    assert (body["Size"], body["ImageOwnerAlias"], body["Usage"]) == (40, "self", "none")
    mappings = body["DiskDeviceMappings"]["DiskDeviceMapping"]
    assert [(m["Device"], m["Type"], m["Size"]) for m in mappings] == [
        ("/dev/xvda", "system", "40"),
        ("/dev/xvdb", "data", "100"),
        ("/dev/xvdc", "data", "500"),
    ]
    assert all(m["SnapshotId"].startswith("s-") for m in mappings)


def test_describe_images_lists_only_available_images_unless_status_is_given(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    image_id = create(ecs, snapshot_id=system)
    assert images(ecs, image_id=image_id) == []
    assert [i.status for i in images(ecs, image_id=image_id, status="Creating")] == ["Creating"]
    sandbox.advance_clock(SETTLE_S)
    assert [i.status for i in images(ecs, image_id=image_id)] == ["Available"]


def test_describe_images_filters_by_owner_name_and_ids(ecs: Client, sandbox: SandboxHandle) -> None:
    image_id = full_image(ecs, sandbox, name="db-full")
    assert PUBLIC_IMAGE in {i.image_id for i in images(ecs, image_owner_alias="system")}
    assert [i.image_id for i in images(ecs, image_owner_alias="self")] == [image_id]
    assert [i.image_id for i in images(ecs, image_name="db-full")] == [image_id]
    both = images(ecs, image_id=f"{image_id},{PUBLIC_IMAGE}")
    assert {i.image_id for i in both} == {image_id, PUBLIC_IMAGE}


def test_describe_images_image_name_is_a_fuzzy_match(ecs: Client, sandbox: SandboxHandle) -> None:
    image_id = full_image(ecs, sandbox, name="prod-db-full")
    for fragment in ("prod-db-full", "DB-FU", "db"):
        assert [i.image_id for i in images(ecs, image_owner_alias="self", image_name=fragment)] == [
            image_id
        ]
    assert images(ecs, image_owner_alias="self", image_name="prod-db-full-2") == []


def test_describe_images_pages(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    for n in range(5):
        create(ecs, snapshot_id=system, image_name=f"img-{n}")
    request = models.DescribeImagesRequest(
        region_id=REGION, image_owner_alias="self", status="Creating", page_number=2, page_size=2
    )
    body = ecs.describe_images(request).body
    assert (body.total_count, body.page_number, body.page_size) == (5, 2, 2)
    assert len(body.images.image) == 2


def test_devices_default_in_order_when_omitted(ecs: Client, sandbox: SandboxHandle) -> None:
    system, data, log = snapshot_disks(ecs, sandbox, DB_DISKS)
    image_id = create(
        ecs,
        disk_device_mapping=[
            Mapping(snapshot_id=data, disk_type="data"),
            Mapping(snapshot_id=system, disk_type="system"),
            Mapping(snapshot_id=log, disk_type="data", device="/dev/xvdb"),
        ],
    )
    mappings = image(ecs, image_id).disk_device_mappings.disk_device_mapping
    assert [(m.device, m.snapshot_id) for m in mappings] == [
        ("/dev/xvda", system),
        ("/dev/xvdb", log),
        ("/dev/xvdc", data),
    ]


def test_mapping_size_may_grow_beyond_the_source_disk(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    image_id = create(ecs, disk_device_mapping=[Mapping(snapshot_id=system, size="80")])
    assert image(ecs, image_id).size == 80


def test_snapshot_id_alone_makes_a_system_disk_image(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    [mapping] = image(ecs, create(ecs, snapshot_id=system)).disk_device_mappings.disk_device_mapping
    assert (mapping.device, mapping.type, mapping.snapshot_id) == ("/dev/xvda", "system", system)


def test_image_from_an_instance_snapshots_every_disk_first(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    image_id = create(ecs, instance_id=DB_INSTANCE)
    mappings = image(ecs, image_id).disk_device_mappings.disk_device_mapping
    assert [(m.device, m.size) for m in mappings] == [
        ("/dev/xvda", "40"),
        ("/dev/xvdb", "100"),
        ("/dev/xvdc", "500"),
    ]
    sandbox.advance_clock(400)  # the 500 GiB snapshot is still uploading
    assert image(ecs, image_id).status == "Creating"
    sandbox.advance_clock(SETTLE_S)
    assert image(ecs, image_id).status == "Available"


def test_create_image_tags_the_image_and_describe_images_filters_by_tag(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    tagged = create(
        ecs, snapshot_id=system, tag=[models.CreateImageRequestTag(key="dr", value="op-7")]
    )
    create(ecs, snapshot_id=system)
    found = images(
        ecs, status="Creating", tag=[models.DescribeImagesRequestTag(key="dr", value="op-7")]
    )
    assert [i.image_id for i in found] == [tagged]
    assert [(t.tag_key, t.tag_value) for t in found[0].tags.tag] == [("dr", "op-7")]


def test_create_image_with_the_same_client_token_creates_one_image(
    ecs: Client, sandbox: SandboxHandle
) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    first = create(ecs, snapshot_id=system, image_name="once", client_token="op-1-image")
    again = {"snapshot_id": system, "image_name": "once", "client_token": "op-1-image"}
    assert ecs_error(lambda: create(ecs, **again)) == ("IdempotentProcessing", 403)
    sandbox.advance_clock(CLIENT_TOKEN_PROCESSING_S)
    assert create(ecs, **again) == first
    assert len(images(ecs, image_owner_alias="self", status=ALL_STATUSES)) == 1


def test_outcome_fault_ends_the_image_in_create_failed(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    sandbox.add_fault({"kind": "outcome", "action": "CreateImage", "status": "CreateFailed"})
    image_id = create(ecs, snapshot_id=system)
    assert image(ecs, image_id).status == "Creating"
    sandbox.advance_clock(SETTLE_S)
    failed = image(ecs, image_id)
    assert (failed.status, failed.progress) == ("CreateFailed", "99%")
    assert images(ecs, image_id=image_id) == []


# --- CreateImage refusals ---------------------------------------------------------------------
def test_create_image_refuses_two_system_snapshots_with_operation_denied(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, (system, data, _) = snapped
    two = [
        Mapping(snapshot_id=system, disk_type="system"),
        Mapping(snapshot_id=data, disk_type="system"),
    ]
    assert ecs_error(lambda: create(ecs, disk_device_mapping=two)) == ("OperationDenied", 400)


def test_create_image_refuses_mappings_without_a_system_snapshot_with_operation_denied(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, (_, data, _) = snapped
    only_data = [Mapping(snapshot_id=data, disk_type="data")]
    assert ecs_error(lambda: create(ecs, disk_device_mapping=only_data)) == (
        "OperationDenied",
        400,
    )


def test_create_image_without_a_system_snapshot_id_gets_invalid_system_snapshot_missing(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, _ = snapped
    empty_system = [Mapping(disk_type="system", size="40")]
    missing = ("InvalidSystemSnapshot.Missing", 403)
    assert ecs_error(lambda: create(ecs, disk_device_mapping=empty_system)) == missing
    assert ecs_error(lambda: create(ecs, image_name="nothing")) == missing


def test_create_image_refuses_more_than_16_data_snapshots(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, (system, data, _) = snapped
    mappings = [Mapping(snapshot_id=system, disk_type="system")]
    mappings += [Mapping(snapshot_id=data, disk_type="data") for _ in range(17)]
    assert ecs_error(lambda: create(ecs, disk_device_mapping=mappings)) == ("InvalidParameter", 400)


def test_create_image_refuses_malformed_devices(snapped: tuple[Client, list[str]]) -> None:
    ecs, (system, data, _) = snapped
    for bad in (
        [Mapping(snapshot_id=system, disk_type="system", device="/dev/xvdb")],
        [Mapping(snapshot_id=system), Mapping(snapshot_id=data, device="/dev/sdb")],
        [
            Mapping(snapshot_id=system),
            Mapping(snapshot_id=data, disk_type="data", device="/dev/xvda"),
        ],
    ):
        code = ecs_error(lambda b=bad: create(ecs, disk_device_mapping=b))  # type: ignore[misc]
        assert code == ("InvalidDevice.Malformed", 400)


def test_create_image_refuses_a_device_used_twice_with_invalid_device_in_use(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, (system, data, log) = snapped
    twice = [
        Mapping(snapshot_id=system, disk_type="system"),
        Mapping(snapshot_id=data, device="/dev/xvdb"),
        Mapping(snapshot_id=log, device="/dev/xvdb"),
    ]
    assert ecs_error(lambda: create(ecs, disk_device_mapping=twice)) == ("InvalidDevice.InUse", 400)


def test_create_image_refuses_a_size_below_the_source_disk(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, (system, data, _) = snapped
    small = [Mapping(snapshot_id=system), Mapping(snapshot_id=data, disk_type="data", size="50")]
    assert ecs_error(lambda: create(ecs, disk_device_mapping=small)) == (
        "InvalidSize.ValueNotSupported",
        400,
    )


def test_create_image_from_an_unknown_snapshot_gets_not_found(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, _ = snapped
    assert ecs_error(lambda: create(ecs, snapshot_id="s-bp1nothere")) == (
        "InvalidSnapshotId.NotFound",
        404,
    )


def test_create_image_refuses_a_malformed_name(snapped: tuple[Client, list[str]]) -> None:
    ecs, (system, _, _) = snapped
    for name in ("x", "1-starts-with-digit", "http://image"):
        code = ecs_error(lambda n=name: create(ecs, snapshot_id=system, image_name=n))  # type: ignore[misc]
        assert code == ("InvalidImageName.Malformed", 400)


def test_create_image_dry_run_answers_dry_run_operation_and_creates_nothing(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, (system, _, _) = snapped
    assert ecs_error(lambda: create(ecs, snapshot_id=system, dry_run=True)) == (
        "DryRunOperation",
        400,
    )
    assert images(ecs, image_owner_alias="self", status=ALL_STATUSES) == []


def test_create_image_needs_an_accomplished_snapshot(ecs: Client, sandbox: SandboxHandle) -> None:
    uploading = ecs.create_snapshot(
        models.CreateSnapshotRequest(disk_id=DB_DISKS[0])
    ).body.snapshot_id
    sandbox.advance_clock(10)  # instantly available, but not yet uploaded
    not_ready = ("InvalidSnapshotId.NotReady", 403)
    assert ecs_error(lambda: create(ecs, snapshot_id=uploading)) == not_ready
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshot", "status": "failed"})
    failed = ecs.create_snapshot(models.CreateSnapshotRequest(disk_id=DB_DISKS[1])).body.snapshot_id
    sandbox.advance_clock(SETTLE_S)
    assert ecs_error(lambda: create(ecs, snapshot_id=failed)) == not_ready
    assert create(ecs, snapshot_id=uploading).startswith("m-")


def test_create_image_refuses_a_duplicated_name(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    create(ecs, snapshot_id=system, image_name="prod-db")
    assert ecs_error(lambda: create(ecs, snapshot_id=system, image_name="prod-db")) == (
        "InvalidImageName.Duplicated",
        400,
    )


# --- DeleteImage ------------------------------------------------------------------------------
def test_delete_image_removes_it_and_round_trips(ecs: Client, sandbox: SandboxHandle) -> None:
    image_id = full_image(ecs, sandbox)
    request = models.DeleteImageRequest(region_id=REGION, image_id=image_id)
    _, raw = round_trips(ecs, lambda: ecs.delete_image(request))
    assert set(raw) == {"RequestId"}
    assert images(ecs, image_id=image_id, status=ALL_STATUSES) == []


def test_delete_image_in_use_needs_force(ecs: Client, sandbox: SandboxHandle) -> None:
    image_id = full_image(ecs, sandbox)
    run(ecs, image_id=image_id)
    assert image(ecs, image_id).usage == "instance"
    request = models.DeleteImageRequest(region_id=REGION, image_id=image_id)
    assert ecs_error(lambda: ecs.delete_image(request)) == ("ImageUsingByInstance", 403)
    forced = models.DeleteImageRequest(region_id=REGION, image_id=image_id, force=True)
    round_trips(ecs, lambda: ecs.delete_image(forced))
    assert images(ecs, image_id=image_id, status=ALL_STATUSES) == []


def test_delete_image_refuses_an_image_being_created(ecs: Client, sandbox: SandboxHandle) -> None:
    [system] = snapshot_disks(ecs, sandbox, DB_DISKS[:1])
    image_id = create(ecs, snapshot_id=system)
    request = models.DeleteImageRequest(region_id=REGION, image_id=image_id, force=True)
    assert ecs_error(lambda: ecs.delete_image(request)) == ("ImageIsCreating", 403)


def test_delete_image_ignores_an_unknown_image_but_not_an_unknown_region(
    snapped: tuple[Client, list[str]],
) -> None:
    ecs, _ = snapped
    ecs.delete_image(models.DeleteImageRequest(region_id=REGION, image_id="m-bp1gone"))
    request = models.DeleteImageRequest(region_id="cn-nowhere", image_id="m-bp1gone")
    assert ecs_error(lambda: ecs.delete_image(request)) == ("InvalidRegionId.NotFound", 404)
