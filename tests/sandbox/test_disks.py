"""Disk actions through the official SDK: DescribeDisks, CreateDisk, AttachDisk, DeleteDisk.

One sandbox serves the whole module and is reset before each test (a fresh server per test
would cost most of the time budget). The `lab` world holds the cases the demo world has not:
an instance in a transitional state, a type with one data-disk slot, multi-attach disks, groups
over the disk-count and capacity limits, and a region with the larger group limits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.app import Sandbox, create_sandbox
from ecs_dr.sandbox.clock import VirtualClock
from ecs_dr.sandbox.server import SandboxThread
from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, SandboxHandle, sdk_client
from tests.sandbox.helpers import ecs_error, round_trips

R = TypeVar("R")
REGION = "cn-hangzhou"
DB = "i-bp1proddb0000000001"  # prod-db-01, cn-hangzhou-h, ecs.g7.large, disks on xvda..xvdc
DB_SYSTEM = "d-bp1proddbsys00000001"
DB_DATA = "d-bp1proddbdata0000001"
LEGACY_DATA = "d-bp1legacydata000001"  # cloud_efficiency
ENTRY = "i-bp1entry0000000001"  # ecs.u1
TARGET = "i-bp1drtarget00000001"  # cn-hangzhou-i


# --- shared with test_snapshots.py ----------------------------------------------------------
@contextmanager
def serve(world: Path | None = None) -> Iterator[tuple[SandboxHandle, Sandbox]]:
    clock = VirtualClock()
    emulator = create_sandbox(ACCESS_KEY_ID, ACCESS_KEY_SECRET, world_path=world, clock=clock)
    with SandboxThread(emulator) as server:
        yield (
            SandboxHandle(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION, clock),
            emulator,
        )


def strict(ecs: Client, call: Callable[[], R]) -> tuple[R, dict[str, Any]]:
    """Make an SDK call and check the raw JSON maps onto the SDK's model with no key unknown or
    lost (stricter than `round_trips`, which only sees what the SDK already kept)."""
    seen: list[dict[str, Any]] = []
    original = ecs.call_api

    def spy(*args: Any) -> dict[str, Any]:
        result: dict[str, Any] = original(*args)
        seen.append(result["body"])
        return result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ecs, "call_api", spy)
        response = call()
    raw = seen[-1]
    body_model: Any = type(response.body)()  # type: ignore[attr-defined]
    assert body_model.from_map(raw).to_map() == raw
    round_trips(response)
    return response, raw


def _disk(disk_id: str, device: str, size: int = 40, **extra: Any) -> dict[str, Any]:
    kind = "system" if device == "/dev/xvda" else "data"
    spec = {"disk_id": disk_id, "type": kind, "device": device, "size": size}
    spec.setdefault("performance_level", "PL0")
    spec.update(extra)
    if spec.get("category", "cloud_essd") != "cloud_essd":
        spec.pop("performance_level")
    return spec


def _lab_region(region_id: str, code: str) -> dict[str, Any]:
    zone = f"{region_id}-a"
    letters = "bcdefghijklmnopq"

    def instance(name: str, disks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
        return {
            "instance_id": f"i-{code}{name}",
            "zone_id": zone,
            "instance_type": "ecs.g7.large",
            "vswitch_id": f"vsw-{code}a",
            "security_group_ids": [f"sg-{code}"],
            "disks": disks,
            **extra,
        }

    return {
        "region_id": region_id,
        "zones": [
            {
                "zone_id": zone,
                "instance_types": {"ecs.g7.large": {}, "ecs.one.large": {}},
                "disk_categories": ["cloud_essd", "cloud_auto", "cloud_efficiency"],
            }
        ],
        "vpcs": [
            {
                "vpc_id": f"vpc-{code}",
                "cidr_block": "10.0.0.0/16",
                "vswitches": [
                    {"vswitch_id": f"vsw-{code}a", "zone_id": zone, "cidr_block": "10.0.1.0/24"}
                ],
                "security_groups": [f"sg-{code}"],
            }
        ],
        "instances": [
            instance(
                "many",
                [_disk(f"d-{code}many-sys", "/dev/xvda")]
                + [_disk(f"d-{code}many-{c}", f"/dev/xvd{c}", 10) for c in letters],
            ),
            instance(
                "big",
                [_disk(f"d-{code}big-sys", "/dev/xvda")]
                + [
                    _disk(f"d-{code}big-{c}", f"/dev/xvd{c}", 20000, category="cloud_auto")
                    for c in "bc"
                ],
            ),
            instance(
                "shared",
                [
                    _disk(f"d-{code}shared-sys", "/dev/xvda"),
                    _disk(f"d-{code}shared-b", "/dev/xvdb", 100, multi_attach=True),
                ],
            ),
            instance("stopping", [_disk(f"d-{code}stopping-sys", "/dev/xvda")], status="Stopping"),
            instance(
                "one",
                [_disk(f"d-{code}one-sys", "/dev/xvda"), _disk(f"d-{code}one-b", "/dev/xvdb", 20)],
                instance_type="ecs.one.large",
            ),
        ],
    }


def lab_world() -> dict[str, Any]:
    return {
        "instance_types": {
            "ecs.g7.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.g7"},
            "ecs.one.large": {"cpu": 2, "memory_gib": 8, "family": "ecs.one", "max_data_disks": 1},
        },
        # cn-hangzhou keeps the 16-disk / 32 TiB group limits; ap-southeast-1 has 128 / 256 TiB.
        "regions": [_lab_region("cn-hangzhou", "hz"), _lab_region("ap-southeast-1", "sg")],
    }


def fresh(handle: SandboxHandle, emulator: Sandbox) -> SandboxHandle:
    """Reset a module-wide sandbox to its world and the clock to the epoch, for one test."""
    clock = VirtualClock()
    emulator.clock = clock
    emulator.reset()
    return replace(handle, clock=clock)


@dataclass
class Lab:
    handle: SandboxHandle
    emulator: Sandbox
    ecs: Client


@contextmanager
def serve_lab(directory: Path) -> Iterator[Lab]:
    path = directory / "lab_world.json"
    path.write_text(json.dumps(lab_world()))
    with serve(path) as (handle, emulator):
        yield Lab(handle, emulator, sdk_client(handle))


# --- fixtures ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_server() -> Iterator[tuple[SandboxHandle, Sandbox]]:
    with serve() as running:
        yield running


@pytest.fixture
def sandbox(demo_server: tuple[SandboxHandle, Sandbox]) -> SandboxHandle:
    return fresh(*demo_server)


@pytest.fixture(scope="module")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with serve_lab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab


@pytest.fixture
def lab(lab_server: Lab) -> Lab:
    return replace(lab_server, handle=fresh(lab_server.handle, lab_server.emulator))


# --- helpers ---------------------------------------------------------------------------------
def describe(ecs: Client, region: str = REGION, **kwargs: Any) -> list[Any]:
    request = models.DescribeDisksRequest(region_id=region, page_size=100, **kwargs)
    return list(ecs.describe_disks(request).body.disks.disk)


def one_disk(ecs: Client, disk_id: str, region: str = REGION) -> Any:
    [disk] = describe(ecs, region, disk_ids=json.dumps([disk_id]))
    return disk


def create_disk(ecs: Client, **kwargs: Any) -> str:
    kwargs.setdefault("region_id", REGION)
    if "instance_id" not in kwargs:
        kwargs.setdefault("zone_id", "cn-hangzhou-h")
    kwargs.setdefault("disk_category", "cloud_essd")
    request = models.CreateDiskRequest(**kwargs)
    return str(ecs.create_disk(request).body.disk_id)


def attach(ecs: Client, instance_id: str, disk_id: str, **kwargs: Any) -> Any:
    return ecs.attach_disk(
        models.AttachDiskRequest(instance_id=instance_id, disk_id=disk_id, **kwargs)
    )


def snapshot(ecs: Client, disk_id: str) -> str:
    return str(ecs.create_snapshot(models.CreateSnapshotRequest(disk_id=disk_id)).body.snapshot_id)


# --- DescribeDisks -----------------------------------------------------------------------------
def test_describe_disks_answers_the_sdk_model_with_every_key_the_product_reads(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    request = models.DescribeDisksRequest(region_id=REGION, instance_id=DB)
    _, raw = strict(ecs, lambda: ecs.describe_disks(request))
    disks = raw["Disks"]["Disk"]
    assert [d["DiskId"] for d in disks] == [DB_SYSTEM, DB_DATA, "d-bp1proddblog00000001"]
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
    assert [d.disk_id for d in describe(ecs, instance_id=DB, disk_type="data")] == [
        DB_DATA,
        "d-bp1proddblog00000001",
    ]
    assert [d.disk_id for d in describe(ecs, category="cloud_efficiency")] == [LEGACY_DATA]
    assert [d.disk_id for d in describe(ecs, zone_id="cn-hangzhou-i")] == ["d-bp1drtargetsys00001"]
    assert describe(ecs, status="Available") == []
    ids = json.dumps([DB_DATA, LEGACY_DATA])
    assert {d.disk_id for d in describe(ecs, disk_ids=ids)} == {DB_DATA, LEGACY_DATA}
    assert describe(ecs, "cn-shanghai", disk_type="system")[0].disk_id == "d-uf6apisys0000000001"


def test_describe_disks_pages_by_page_number_and_by_next_token(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    first = ecs.describe_disks(
        models.DescribeDisksRequest(region_id=REGION, page_number=2, page_size=4)
    ).body
    assert (first.total_count, first.page_number, len(first.disks.disk)) == (10, 2, 4)
    seen: list[str] = []
    token: str | None = None
    while True:
        body = ecs.describe_disks(
            models.DescribeDisksRequest(region_id=REGION, max_results=5, next_token=token)
        ).body
        seen += [d.disk_id for d in body.disks.disk]
        token = body.next_token
        if not token:
            break
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
    _, raw = strict(ecs, lambda: ecs.create_disk(request))
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
    sandbox.advance(15)
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
    both = {"zone_id": "cn-hangzhou-h", "instance_id": DB, "size": 40}
    assert ecs_error(lambda: create_disk(ecs, **both)) == ("InvalidParameter", 400)
    neither = models.CreateDiskRequest(region_id=REGION, disk_category="cloud_essd", size=40)
    assert ecs_error(lambda: ecs.create_disk(neither)) == ("MissingParameter", 400)
    assert ecs_error(lambda: create_disk(ecs)) == ("MissingParameter", 400)


def test_create_disk_enforces_performance_level_and_category_size_ranges(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    pl2_too_small = {"size": 100, "performance_level": "PL2"}
    assert ecs_error(lambda: create_disk(ecs, **pl2_too_small)) == (
        "InvalidPerformanceLevel.ValueNotSupported",
        400,
    )
    assert ecs_error(lambda: create_disk(ecs, size=40, performance_level="PL9")) == (
        "InvalidPerformanceLevel.ValueNotSupported",
        400,
    )
    ssd_too_small = {"disk_category": "cloud_ssd", "size": 10}
    assert ecs_error(lambda: create_disk(ecs, **ssd_too_small)) == ("InvalidDiskSize.TooSmall", 400)
    pl2 = one_disk(ecs, create_disk(ecs, size=500, performance_level="PL2"))
    assert pl2.performance_level == "PL2"
    auto = one_disk(ecs, create_disk(ecs, size=40, disk_category="cloud_auto"))
    assert auto.performance_level is None


def test_create_disk_from_an_essd_snapshot_waits_for_instant_access(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)
    essd = {"snapshot_id": snapshot_id}
    assert ecs_error(lambda: create_disk(ecs, **essd)) == ("InvalidSnapshotId.NotReady", 400)
    sandbox.advance(6)  # instant access, upload still in progress
    disk = one_disk(ecs, create_disk(ecs, **essd))
    assert (disk.source_snapshot_id, disk.size) == (snapshot_id, 100)
    efficiency = {"snapshot_id": snapshot_id, "disk_category": "cloud_efficiency"}
    assert ecs_error(lambda: create_disk(ecs, **efficiency)) == ("InvalidSnapshotId.NotReady", 400)
    sandbox.advance(120)  # accomplished
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
    sandbox.advance(600)
    assert ecs_error(lambda: create_disk(ecs, snapshot_id=failed)) == (
        "InvalidSnapshotId.NotReady",
        400,
    )


def test_a_snapshot_larger_than_size_wins_and_a_larger_size_is_kept(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    snapshot_id = snapshot(ecs, DB_DATA)  # 100 GiB source
    sandbox.advance(200)
    assert one_disk(ecs, create_disk(ecs, snapshot_id=snapshot_id, size=50)).size == 100
    assert one_disk(ecs, create_disk(ecs, snapshot_id=snapshot_id, size=300)).size == 300


def test_create_disk_with_the_same_client_token_creates_one_disk(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    before = len(describe(ecs))
    first = create_disk(ecs, size=40, client_token="token-disk-1")
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
    sandbox.advance(60)
    assert one_disk(ecs, disk_id).status == "ReIniting"


def test_create_disk_on_an_instance_lands_in_its_zone_and_attaches(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, instance_id=TARGET, size=40)
    sandbox.advance(60)
    disk = one_disk(ecs, disk_id)
    assert (disk.zone_id, disk.instance_id, disk.device, disk.status) == (
        "cn-hangzhou-i",
        TARGET,
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
    sandbox.advance(15)
    strict(ecs, lambda: attach(ecs, DB, disk_id, delete_with_instance=True))
    disk = one_disk(ecs, disk_id)
    assert (disk.status, disk.instance_id, disk.device) == ("Attaching", DB, "/dev/xvdd")
    assert disk.delete_with_instance is True
    sandbox.advance(5)
    assert one_disk(ecs, disk_id).status == "In_use"
    assert [a.device for a in one_disk(ecs, disk_id).attachments.attachment] == ["/dev/xvdd"]


def test_attach_disk_honours_a_free_well_formed_device(sandbox: SandboxHandle, ecs: Client) -> None:
    disk_id = create_disk(ecs, size=40)
    sandbox.advance(15)
    assert ecs_error(lambda: attach(ecs, DB, disk_id, device="/dev/sdb")) == (
        "InvalidDevice.Malformed",
        400,
    )
    assert ecs_error(lambda: attach(ecs, DB, disk_id, device="/dev/xvdc")) == (
        "InvalidDevice.InUse",
        400,
    )
    attach(ecs, DB, disk_id, device="/dev/xvdk")
    assert one_disk(ecs, disk_id).device == "/dev/xvdk"


def test_attach_disk_refuses_unknown_instance_and_disk(sandbox: SandboxHandle, ecs: Client) -> None:
    assert ecs_error(lambda: attach(ecs, "i-bp1nosuchinstance00", DB_DATA)) == (
        "InvalidInstanceId.NotFound",
        404,
    )
    assert ecs_error(lambda: attach(ecs, DB, "d-bp1nosuchdisk000000")) == (
        "InvalidDiskId.NotFound",
        404,
    )


def test_attach_disk_needs_an_available_disk_in_the_same_zone(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, size=40)
    assert ecs_error(lambda: attach(ecs, DB, disk_id)) == ("IncorrectDiskStatus", 400)  # Creating
    sandbox.advance(15)
    assert ecs_error(lambda: attach(ecs, TARGET, disk_id)) == ("ResourcesNotInSameZone", 403)
    assert ecs_error(lambda: attach(ecs, DB, LEGACY_DATA)) == ("IncorrectDiskStatus", 400)
    assert one_disk(ecs, disk_id).status == "Available"


def test_cloud_essd_entry_attaches_only_to_u1_and_e_types(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    disk_id = create_disk(ecs, size=40, disk_category="cloud_essd_entry")
    sandbox.advance(15)
    assert ecs_error(lambda: attach(ecs, DB, disk_id)) == (
        "InvalidInstanceType.NotSupportDiskCategory",
        400,
    )
    attach(ecs, ENTRY, disk_id)
    assert one_disk(ecs, disk_id).device == "/dev/xvdc"


def test_attach_disk_needs_a_running_or_stopped_instance(lab: Lab) -> None:
    disk_id = create_disk(lab.ecs, zone_id="cn-hangzhou-a", size=40)
    lab.handle.advance(15)
    assert ecs_error(lambda: attach(lab.ecs, "i-hzstopping", disk_id)) == (
        "IncorrectInstanceStatus",
        400,
    )


def test_attach_disk_stops_at_the_instance_types_data_disk_limit(lab: Lab) -> None:
    disk_id = create_disk(lab.ecs, zone_id="cn-hangzhou-a", size=40)
    lab.handle.advance(15)
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
        "IncorrectDiskStatus",
        400,
    )
    sandbox.advance(15)
    strict(ecs, lambda: ecs.delete_disk(models.DeleteDiskRequest(disk_id=disk_id)))
    assert describe(ecs, disk_ids=json.dumps([disk_id])) == []
    tagged = [t for r in sandbox.state()["regions"].values() for t in r["tags"]]
    assert all(t["resource_id"] != disk_id for t in tagged)


def test_delete_disk_refuses_attached_and_unknown_disks(
    sandbox: SandboxHandle, ecs: Client
) -> None:
    assert ecs_error(lambda: ecs.delete_disk(models.DeleteDiskRequest(disk_id=DB_SYSTEM))) == (
        "IncorrectDiskStatus",
        400,
    )
    unknown = models.DeleteDiskRequest(disk_id="d-bp1nosuchdisk000000")
    assert ecs_error(lambda: ecs.delete_disk(unknown)) == ("InvalidDiskId.NotFound", 404)
