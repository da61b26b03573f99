"""The typed ECS facade against the sandbox: SDK models in, domain models out."""

from __future__ import annotations

import pytest

from ecs_dr.cloud import ecs
from ecs_dr.cloud.errors import NotFound
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import CloudSettings
from ecs_dr.domain.disks import CreateDiskPlan
from ecs_dr.domain.instances import InstanceQuery
from ecs_dr.domain.models import ImageDiskMapping, ZoneOffer
from tests.support.demo_world import (
    DB_DISKS,
    DB_INSTANCE,
    DB_LOG,
    DB_SYSTEM,
    LEGACY_DATA,
    PROD_SG,
    PROD_VPC,
    REGION,
    SHANGHAI_DATA,
    SHANGHAI_INSTANCE,
    SHANGHAI_VPC,
    SOURCE_VSWITCH,
    STOPPED_INSTANCE,
    TARGET_INSTANCE,
    TARGET_VSWITCH,
    WEB_INSTANCE,
    WEB_SYSTEM,
)
from tests.support.sandboxes import SandboxHandle, VirtualTime, sandbox_gateway

# The system disk category the data disk offers are asked for (ECS answers per category).
ESSD = "cloud_essd"


def _timing(time: VirtualTime) -> ecs.Timing:
    return ecs.Timing(sleep=time.sleep, clock=time.now)


async def test_describe_instance_maps_the_instance_and_every_disk(gateway: EcsGateway) -> None:
    db = await ecs.describe_instance(gateway, REGION, DB_INSTANCE)

    assert (db.name, db.region_id, db.zone_id, db.instance_type) == (
        "prod-db-01",
        REGION,
        "cn-hangzhou-h",
        "ecs.g7.large",
    )
    assert (db.vpc_id, db.vswitch_id, db.security_group_ids) == (
        PROD_VPC,
        SOURCE_VSWITCH,
        [PROD_SG],
    )
    assert (db.instance_charge_type, db.internet_charge_type) == ("PostPaid", "PayByTraffic")
    assert db.internet_max_bandwidth_out == 0 and db.public_ips == [] and not db.has_public_ip
    assert (db.cpu, db.memory_mib, db.status) == (2, 8192, "Running")
    assert [(d.kind, d.device, d.category, d.size_gib, d.performance_level) for d in db.disks] == [
        ("system", "/dev/xvda", "cloud_essd", 40, "PL0"),
        ("data", "/dev/xvdb", "cloud_essd", 100, "PL1"),
        ("data", "/dev/xvdc", "cloud_essd", 500, "PL2"),
    ]
    assert all(d.instance_id == DB_INSTANCE and d.status == "In_use" for d in db.disks)
    web = await ecs.describe_instance(gateway, REGION, WEB_INSTANCE)
    assert web.has_public_ip and web.internet_max_bandwidth_out == 5


async def test_a_disk_without_a_performance_level_has_none(gateway: EcsGateway) -> None:
    disk = await ecs.describe_disk(gateway, REGION, LEGACY_DATA)

    assert (disk.category, disk.performance_level, disk.multi_attach) == (
        "cloud_efficiency",
        None,
        False,
    )


async def test_describe_instance_of_an_unknown_id_is_not_found_in_that_region(
    gateway: EcsGateway,
) -> None:
    with pytest.raises(NotFound, match="no instance i-nope in cn-hangzhou") as raised:
        await ecs.describe_instance(gateway, REGION, "i-nope")
    assert raised.value.code == "InvalidInstanceId.NotFound"


async def test_the_default_region_is_searched_first_then_every_other_region(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    assert await ecs.find_instance_region(gateway, DB_INSTANCE) == REGION
    assert [r["action"] for r in sandbox.requests()] == ["DescribeInstances"]

    assert await ecs.find_instance_region(gateway, SHANGHAI_INSTANCE) == "cn-shanghai"
    searched = [(r["action"], r["parameters"].get("RegionId")) for r in sandbox.requests()[1:]]
    assert searched[0] == ("DescribeInstances", REGION)
    assert ("DescribeInstances", "cn-shanghai") in searched
    assert await ecs.find_disk_region(gateway, SHANGHAI_DATA) == "cn-shanghai"
    assert await ecs.find_vpc_region(gateway, SHANGHAI_VPC) == "cn-shanghai"


async def test_without_a_default_region_every_region_is_searched(
    sandbox: SandboxHandle, gateway_settings: CloudSettings
) -> None:
    gateway = sandbox_gateway(sandbox, gateway_settings.model_copy(update={"region_id": None}))

    assert await ecs.find_instance_region(gateway, SHANGHAI_INSTANCE) == "cn-shanghai"
    with pytest.raises(NotFound, match="searched cn-hangzhou, cn-shanghai"):
        await ecs.find_instance_region(gateway, "i-nope")


async def test_zone_offer_shows_each_gap_of_the_demo_zones(gateway: EcsGateway) -> None:
    async def offer(zone_id: str, instance_type: str) -> ZoneOffer:
        return await ecs.zone_offer(gateway, REGION, zone_id, PROD_VPC, instance_type, ESSD)

    ready = await offer("cn-hangzhou-i", "ecs.g7.large")
    no_vswitch = await offer("cn-hangzhou-j", "ecs.g7.large")
    no_stock = await offer("cn-hangzhou-k", "ecs.g7.large")
    no_entry = await offer("cn-hangzhou-l", "ecs.u1-c1m2.large")

    assert [v.vswitch_id for v in ready.vswitches] == [TARGET_VSWITCH]
    assert ready.instance_type_in_stock
    assert "cloud_essd" in ready.system_disk_categories
    assert "cloud_essd_entry" not in ready.data_disk_categories  # not with ecs.g7
    assert no_vswitch.vswitches == [] and no_vswitch.instance_type_in_stock
    assert not no_stock.instance_type_in_stock
    assert no_entry.instance_type_in_stock
    assert "cloud_essd_entry" not in no_entry.system_disk_categories


async def test_stock_and_instance_types_come_from_the_cloud(gateway: EcsGateway) -> None:
    assert await ecs.zones_with_stock(gateway, REGION, "ecs.g7.large") == [
        "cn-hangzhou-h",
        "cn-hangzhou-i",
        "cn-hangzhou-j",
        "cn-hangzhou-l",
    ]
    in_k = await ecs.types_in_stock(gateway, REGION, "cn-hangzhou-k")
    assert "ecs.g7.large" not in in_k and "ecs.g6.large" in in_k
    specs = {s.instance_type: s for s in await ecs.instance_type_specs(gateway, REGION)}
    g7 = specs["ecs.g7.large"]
    assert (g7.cpu, g7.memory_gib, g7.family) == (2, 8.0, "ecs.g7")
    larger = await ecs.instance_type_specs(gateway, REGION, min_cpu=4)
    assert [s.instance_type for s in larger] == ["ecs.g7.xlarge"]
    assert await ecs.describe_zones(gateway, "cn-shanghai") == ["cn-shanghai-e", "cn-shanghai-f"]


def test_the_first_free_block_skips_every_used_block_and_stays_in_the_vpc() -> None:
    used = ["10.0.0.0/24", "10.0.1.0/25", "10.0.3.0/24"]

    assert ecs.first_free_block("10.0.0.0/16", used, 24) == "10.0.2.0/24"
    assert ecs.first_free_block("10.0.0.0/16", used, 25) == "10.0.1.128/25"
    assert ecs.first_free_block("10.0.0.0/23", ["10.0.0.0/23"], 24) is None
    assert ecs.first_free_block("10.0.0.0/24", [], 16) is None


async def test_a_created_vswitch_is_tagged_and_takes_its_block_from_the_free_ones(
    gateway: EcsGateway, sandbox: SandboxHandle, virtual_time: VirtualTime
) -> None:
    block = await ecs.free_cidr_block(gateway, REGION, PROD_VPC)
    assert block == "172.16.0.0/24"

    vswitch_id = await ecs.create_vswitch(
        gateway, REGION, PROD_VPC, "cn-hangzhou-j", block, "dr-j", "token-1", {"k": "v"}
    )
    vswitch = await ecs.wait_vswitch(gateway, REGION, vswitch_id, timing=_timing(virtual_time))

    assert (vswitch.zone_id, vswitch.cidr_block, vswitch.status) == (
        "cn-hangzhou-j",
        block,
        "Available",
    )
    assert await ecs.free_cidr_block(gateway, REGION, PROD_VPC) == "172.16.3.0/24"
    tags = sandbox.state()["regions"][REGION]["tags"]
    assert {"resource_type": "vswitch", "resource_id": vswitch_id, "tags": {"k": "v"}} in tags


async def test_a_group_wait_reports_when_each_snapshot_became_zone_redundant(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    group_id = await ecs.create_snapshot_group(
        gateway, REGION, DB_INSTANCE, "g", "token-g", {"k": "v"}
    )
    reports: list[tuple[str, int | None]] = []

    async def observe(status: str, percent: int | None, elapsed_s: float) -> None:
        reports.append((status, percent))

    group, redundant_at = await ecs.wait_snapshot_group(
        gateway, REGION, group_id, on_progress=observe, timing=_timing(virtual_time)
    )

    assert group.status == "accomplished" and group.instance_id == DB_INSTANCE
    by_disk = {s.source_disk_id: s for s in group.snapshots}
    system = by_disk[DB_SYSTEM]
    log = by_disk[DB_LOG]
    assert system.zone_redundant and log.zone_redundant
    assert (system.source_disk_kind, system.source_disk_size_gib) == ("system", 40)
    assert redundant_at[system.snapshot_id] < redundant_at[log.snapshot_id]
    assert reports[-1] == ("accomplished", 100)
    percents = [p or 0 for _, p in reports]
    assert percents == sorted(percents)


async def test_describe_image_finds_an_image_that_is_not_available_yet(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    snapshot_id = await ecs.create_snapshot(gateway, REGION, WEB_SYSTEM, "s", "token-s", {})
    await ecs.wait_snapshot(gateway, REGION, snapshot_id, timing=_timing(virtual_time))
    mapping = ImageDiskMapping(
        device="/dev/xvda", kind="system", snapshot_id=snapshot_id, size_gib=40
    )
    image_id = await ecs.create_image(gateway, REGION, "img", [mapping], "token-i", {"k": "v"})

    creating = await ecs.describe_image(gateway, REGION, image_id)
    assert creating.status == "Creating" and creating.mappings == [mapping]
    assert [i.image_id for i in await ecs.images_named(gateway, REGION, "img")] == [image_id]
    with pytest.raises(NotFound, match="create_full_image"):
        await ecs.describe_image(gateway, REGION, "m-nope")


async def test_a_zones_data_disk_categories_are_those_it_sells_the_instance_type(
    gateway: EcsGateway,
) -> None:
    async def categories(zone_id: str, instance_type: str) -> list[str]:
        return await ecs.data_disk_categories(gateway, REGION, zone_id, instance_type, ESSD)

    for_g7 = await categories("cn-hangzhou-l", "ecs.g7.large")
    for_u1 = await categories("cn-hangzhou-i", "ecs.u1-c1m2.large")

    assert "cloud_essd" in for_g7 and "cloud_essd_entry" not in for_g7
    assert "cloud_essd_entry" in for_u1
    # ecs.g7.large is sold out in zone K, yet an instance of it there still takes disks.
    sold_out = await categories("cn-hangzhou-k", "ecs.g7.large")
    assert "cloud_essd" in sold_out
    # DiskQuantity counts the system disk; the limit is on data disks.
    assert await ecs.max_data_disks(gateway, REGION, "ecs.g7.large") == 16
    assert await ecs.max_data_disks(gateway, REGION, "ecs.e-c1m2.large") == 8
    assert await ecs.max_data_disks(gateway, REGION, "ecs.nope.large") is None


async def test_a_disk_created_from_a_snapshot_and_attached_is_followed_to_in_use(
    gateway: EcsGateway, sandbox: SandboxHandle, virtual_time: VirtualTime
) -> None:
    snapshot_id = await ecs.create_snapshot(gateway, REGION, DB_LOG, "s", "token-s", {})
    progressing = await ecs.describe_snapshot(gateway, REGION, snapshot_id)
    assert progressing.status == "progressing" and progressing.source_disk_size_gib == 500
    assert await ecs.find_snapshot_region(gateway, snapshot_id) == REGION
    await ecs.wait_snapshot(gateway, REGION, snapshot_id, timing=_timing(virtual_time))
    plan = CreateDiskPlan(
        region_id=REGION,
        zone_id="cn-hangzhou-i",
        snapshot_id=snapshot_id,
        category="cloud_essd",
        size_gib=500,
        performance_level="PL2",
        disk_name="copy",
        target_instance_id=TARGET_INSTANCE,
        source_disk_id=DB_LOG,
        source_disk_kind="data",
    )

    disk_id = await ecs.create_disk(gateway, plan, "token-d", {"k": "v"})
    available = await ecs.wait_disk_available(
        gateway, REGION, disk_id, timing=_timing(virtual_time)
    )
    await ecs.attach_disk(gateway, REGION, disk_id, TARGET_INSTANCE)
    in_use = await ecs.wait_disk_in_use(gateway, REGION, disk_id, timing=_timing(virtual_time))

    assert (available.status, available.zone_id, available.performance_level) == (
        "Available",
        "cn-hangzhou-i",
        "PL2",
    )
    assert (in_use.status, in_use.instance_id, in_use.device) == (
        "In_use",
        TARGET_INSTANCE,
        "/dev/xvdb",
    )
    with pytest.raises(NotFound, match="no snapshot s-nope in cn-hangzhou"):
        await ecs.describe_snapshot(gateway, REGION, "s-nope")


async def test_waiting_for_an_instance_to_settle_accepts_running_or_stopped(
    gateway: EcsGateway, virtual_time: VirtualTime
) -> None:
    stopped = await ecs.wait_instance_settled(
        gateway, REGION, STOPPED_INSTANCE, timing=_timing(virtual_time)
    )
    assert stopped.status == "Stopped"
    assert virtual_time.sleeps == []


async def test_a_name_lookup_with_few_matches_reads_only_their_disks(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    sandbox.reset()

    [found] = await ecs.instances_matching(gateway, REGION, InstanceQuery(name="prod-db-01"))
    none = await ecs.instances_matching(gateway, REGION, InstanceQuery(name="no-such-instance"))

    assert found.instance_id == DB_INSTANCE
    assert [d.disk_id for d in found.disks] == list(DB_DISKS)
    assert none == []
    assert [c.get("InstanceId") for c in sandbox.calls("DescribeDisks")] == [DB_INSTANCE]
