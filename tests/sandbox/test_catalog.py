"""Catalog actions through the official SDK: DescribeRegions, DescribeZones,
DescribeInstanceTypes and DescribeAvailableResource, plus the stock rules RunInstances uses.
"""

from __future__ import annotations

from typing import Any

import pytest
from alibabacloud_ecs20140526 import models
from alibabacloud_ecs20140526.client import Client

from ecs_dr.sandbox.errors import EcsError, error_code
from ecs_dr.sandbox.models.catalog import stock_left, take_stock
from ecs_dr.sandbox.models.resources import Zone
from tests.support.demo_world import REGION
from tests.support.lab_world import ESSD_ONLY_TYPE, LAB_ZONE
from tests.support.sandboxes import RunningSandbox, StartSandbox
from tests.support.sdk_calls import ecs_error, round_trips, token_pages

SOLD_OUT_ZONE = "cn-hangzhou-k"  # demo world: no ecs.g7.large or ecs.c7.large left
NO_ENTRY_ZONE = "cn-hangzhou-l"  # demo world: does not sell cloud_essd_entry


def available(client: Client, **kwargs: Any) -> models.DescribeAvailableResourceResponseBody:
    request = models.DescribeAvailableResourceRequest(region_id=REGION, **kwargs)
    body: models.DescribeAvailableResourceResponseBody = client.describe_available_resource(
        request
    ).body
    return body


def offers(body: models.DescribeAvailableResourceResponseBody) -> dict[str, dict[str, str]]:
    """zone -> value -> Status, flattened from the nested answer."""
    out: dict[str, dict[str, str]] = {}
    for zone in body.available_zones.available_zone:
        for resource in zone.available_resources.available_resource:
            for offer in resource.supported_resources.supported_resource:
                out.setdefault(zone.zone_id, {})[offer.value] = offer.status
    return out


def stock_world(stock: dict[str, dict[str, int]]) -> dict[str, Any]:
    """A world of two instance types, with `stock` as zone -> instance type -> units left."""
    return {
        "instance_types": {
            "ecs.g7.large": {"cpu": 2, "memory_gib": 8},
            "ecs.g7.xlarge": {"cpu": 4, "memory_gib": 16},
        },
        "regions": [
            {
                "region_id": REGION,
                "zones": [
                    {
                        "zone_id": zone_id,
                        "instance_types": {t: {"stock": n} for t, n in types.items()},
                    }
                    for zone_id, types in stock.items()
                ],
            }
        ],
    }


# --- DescribeRegions -----------------------------------------------------------------------
def test_describe_regions_round_trips_with_region_ids_and_endpoints(shared: Client) -> None:
    _, raw = round_trips(shared, lambda: shared.describe_regions(models.DescribeRegionsRequest()))
    region = raw["Regions"]["Region"][0]
    assert {"RegionId", "LocalName", "RegionEndpoint", "Status"} <= set(region)


# --- DescribeZones -------------------------------------------------------------------------
def test_describe_zones_round_trips_with_ids_names_types_and_disk_categories(
    shared: Client,
) -> None:
    request = models.DescribeZonesRequest(region_id=REGION)
    _, raw = round_trips(shared, lambda: shared.describe_zones(request))
    zone = raw["Zones"]["Zone"][0]
    assert zone["ZoneId"] == "cn-hangzhou-h"
    assert {"LocalName", "AvailableResourceCreation", "AvailableResources"} <= set(zone)
    assert "cloud_essd" in zone["AvailableDiskCategories"]["DiskCategories"]
    assert "ecs.g7.large" in zone["AvailableInstanceTypes"]["InstanceTypes"]
    assert "Instance" in zone["AvailableResourceCreation"]["ResourceTypes"]


def test_describe_zones_lists_only_instance_types_with_stock(shared: Client) -> None:
    body = shared.describe_zones(models.DescribeZonesRequest(region_id=REGION)).body
    zones = {z.zone_id: z for z in body.zones.zone}
    sold_out = zones[SOLD_OUT_ZONE].available_instance_types.instance_types
    assert "ecs.g7.large" not in sold_out
    assert "ecs.c7.large" not in sold_out
    assert "ecs.g7.xlarge" in sold_out


def test_describe_zones_omits_essd_entry_where_the_zone_does_not_sell_it(shared: Client) -> None:
    body = shared.describe_zones(models.DescribeZonesRequest(region_id=REGION)).body
    zones = {z.zone_id: z for z in body.zones.zone}
    assert "cloud_essd_entry" not in zones[NO_ENTRY_ZONE].available_disk_categories.disk_categories
    assert "cloud_essd_entry" in zones["cn-hangzhou-h"].available_disk_categories.disk_categories


def test_describe_zones_without_verbose_gives_only_ids_and_names(shared: Client) -> None:
    request = models.DescribeZonesRequest(region_id=REGION, verbose=False)
    _, raw = round_trips(shared, lambda: shared.describe_zones(request))
    assert set(raw["Zones"]["Zone"][0]) == {"ZoneId", "LocalName", "ZoneType"}


def test_describe_zones_needs_a_known_region(shared: Client) -> None:
    assert ecs_error(lambda: shared.describe_zones(models.DescribeZonesRequest())) == (
        "MissingParameter",
        400,
    )
    request = models.DescribeZonesRequest(region_id="cn-nowhere")
    assert ecs_error(lambda: shared.describe_zones(request)) == ("InvalidRegionId.NotFound", 404)


# --- DescribeInstanceTypes -----------------------------------------------------------------
def test_describe_instance_types_round_trips_with_cpu_memory_family_and_disk_quantity(
    shared: Client,
) -> None:
    request = models.DescribeInstanceTypesRequest(instance_types=["ecs.g7.large"])
    _, raw = round_trips(shared, lambda: shared.describe_instance_types(request))
    [spec] = raw["InstanceTypes"]["InstanceType"]
    assert spec["InstanceTypeId"] == "ecs.g7.large"
    assert spec["CpuCoreCount"] == 2
    assert spec["MemorySize"] == 8
    assert spec["InstanceTypeFamily"] == "ecs.g7"
    assert spec["DiskQuantity"] == 17  # 16 data disks and the system disk


def test_describe_instance_types_finds_similar_types_by_vcpu_and_memory(shared: Client) -> None:
    request = models.DescribeInstanceTypesRequest(
        minimum_cpu_core_count=2,
        maximum_cpu_core_count=2,
        minimum_memory_size=8,
        maximum_memory_size=8,
    )
    body = shared.describe_instance_types(request).body
    assert [t.instance_type_id for t in body.instance_types.instance_type] == [
        "ecs.g6.large",
        "ecs.g7.large",
    ]


def test_describe_instance_types_filters_by_family(shared: Client) -> None:
    request = models.DescribeInstanceTypesRequest(instance_type_family="ecs.g7")
    body = shared.describe_instance_types(request).body
    assert [t.instance_type_id for t in body.instance_types.instance_type] == [
        "ecs.g7.large",
        "ecs.g7.xlarge",
    ]


def test_describe_instance_types_pages_with_next_token(shared: Client) -> None:
    pages = token_pages(
        lambda token: (
            shared.describe_instance_types(
                models.DescribeInstanceTypesRequest(max_results=3, next_token=token)
            ).body
        ),
        most=10,
    )
    seen = [t.instance_type_id for body in pages for t in body.instance_types.instance_type]
    assert len(seen) == 7
    assert seen == sorted(set(seen))


def test_describe_instance_types_refuses_a_bad_filter(shared: Client) -> None:
    request = models.DescribeInstanceTypesRequest(max_results=0)
    assert ecs_error(lambda: shared.describe_instance_types(request)) == ("InvalidParameter", 400)
    request = models.DescribeInstanceTypesRequest(minimum_memory_size=-1)
    assert ecs_error(lambda: shared.describe_instance_types(request)) == ("InvalidParameter", 400)


# --- DescribeAvailableResource -------------------------------------------------------------
def test_describe_available_resource_round_trips_with_zone_status_and_values(
    shared: Client,
) -> None:
    request = models.DescribeAvailableResourceRequest(
        region_id=REGION, destination_resource="InstanceType", instance_type="ecs.g7.large"
    )
    _, raw = round_trips(shared, lambda: shared.describe_available_resource(request))
    zone = raw["AvailableZones"]["AvailableZone"][0]
    assert {"ZoneId", "RegionId", "Status", "StatusCategory"} <= set(zone)
    [resource] = zone["AvailableResources"]["AvailableResource"]
    assert resource["Type"] == "InstanceType"
    [offer] = resource["SupportedResources"]["SupportedResource"]
    assert offer == {
        "Value": "ecs.g7.large",
        "Status": "Available",
        "StatusCategory": "WithStock",
    }


def test_instance_type_without_stock_is_sold_out_without_stock(shared: Client) -> None:
    body = available(shared, destination_resource="InstanceType", instance_type="ecs.g7.large")
    zones = {z.zone_id: z for z in body.available_zones.available_zone}
    assert (zones[SOLD_OUT_ZONE].status, zones[SOLD_OUT_ZONE].status_category) == (
        "SoldOut",
        "WithoutStock",
    )
    assert offers(body)[SOLD_OUT_ZONE] == {"ecs.g7.large": "SoldOut"}
    assert offers(body)["cn-hangzhou-i"] == {"ecs.g7.large": "Available"}


def test_zone_destination_with_a_type_reports_each_zone_by_that_types_stock(
    shared: Client,
) -> None:
    body = available(shared, destination_resource="Zone", instance_type="ecs.c7.large")
    statuses = {z.zone_id: z.status for z in body.available_zones.available_zone}
    assert statuses[SOLD_OUT_ZONE] == "SoldOut"
    assert statuses["cn-hangzhou-h"] == "Available"
    assert offers(body)["cn-hangzhou-h"] == {"cn-hangzhou-h": "Available"}


def test_a_type_absent_from_a_zone_is_not_listed_there(sandboxes: StartSandbox) -> None:
    client = sandboxes(
        stock_world({"cn-hangzhou-a": {"ecs.g7.large": 9}, "cn-hangzhou-b": {"ecs.g7.xlarge": 9}})
    ).ecs
    body = available(client, destination_resource="InstanceType", instance_type="ecs.g7.large")
    assert offers(body) == {"cn-hangzhou-a": {"ecs.g7.large": "Available"}}
    body = available(client, destination_resource="InstanceType", zone_id="cn-hangzhou-b")
    assert offers(body) == {"cn-hangzhou-b": {"ecs.g7.xlarge": "Available"}}


def test_low_stock_is_available_but_closed_with_stock(sandboxes: StartSandbox) -> None:
    client = sandboxes(stock_world({"cn-hangzhou-a": {"ecs.g7.large": 2}})).ecs
    body = available(client, destination_resource="InstanceType", instance_type="ecs.g7.large")
    [zone] = body.available_zones.available_zone
    offer = zone.available_resources.available_resource[0].supported_resources.supported_resource
    assert (offer[0].status, offer[0].status_category) == ("Available", "ClosedWithStock")


def test_instance_type_destination_filters_by_cores_and_memory(shared: Client) -> None:
    body = available(
        shared, destination_resource="InstanceType", zone_id="cn-hangzhou-h", cores=2, memory=8
    )
    assert offers(body) == {
        "cn-hangzhou-h": {"ecs.g6.large": "Available", "ecs.g7.large": "Available"}
    }


def test_unknown_instance_type_finds_no_zone(shared: Client) -> None:
    body = available(shared, destination_resource="Zone", instance_type="ecs.nope.large")
    assert body.available_zones.available_zone == []


def test_data_disk_offers_have_size_ranges_in_gib(shared: Client) -> None:
    request = models.DescribeAvailableResourceRequest(
        region_id=REGION,
        destination_resource="DataDisk",
        instance_type="ecs.g7.large",
        zone_id="cn-hangzhou-h",
        data_disk_category="cloud_essd",
    )
    _, raw = round_trips(shared, lambda: shared.describe_available_resource(request))
    [zone] = raw["AvailableZones"]["AvailableZone"]
    [offer] = zone["AvailableResources"]["AvailableResource"][0]["SupportedResources"][
        "SupportedResource"
    ]
    assert offer["Value"] == "cloud_essd"
    assert (offer["Min"], offer["Max"], offer["Unit"]) == (20, 65536, "GiB")


def test_system_disk_offers_cap_at_2048_gib(shared: Client) -> None:
    body = available(
        shared,
        destination_resource="SystemDisk",
        instance_type="ecs.g7.large",
        zone_id="cn-hangzhou-h",
    )
    resources = body.available_zones.available_zone[0].available_resources.available_resource
    assert all(o.max <= 2048 for o in resources[0].supported_resources.supported_resource)


def test_essd_entry_is_offered_only_with_u1_and_e_families(shared: Client) -> None:
    def categories(instance_type: str, zone_id: str = "cn-hangzhou-h") -> set[str]:
        body = available(
            shared, destination_resource="DataDisk", instance_type=instance_type, zone_id=zone_id
        )
        return set(offers(body).get(zone_id, {}))

    assert "cloud_essd_entry" not in categories("ecs.g7.large")
    assert "cloud_essd_entry" in categories("ecs.u1-c1m2.large")
    assert "cloud_essd_entry" in categories("ecs.e-c1m2.large")
    assert "cloud_essd_entry" not in categories("ecs.u1-c1m2.large", NO_ENTRY_ZONE)


def test_data_disks_are_answered_for_the_system_disk_category_asked(lab: RunningSandbox) -> None:
    def categories(destination: str, **kwargs: Any) -> set[str]:
        body = available(
            lab.ecs,
            destination_resource=destination,
            instance_type=ESSD_ONLY_TYPE,
            zone_id=LAB_ZONE,
            **kwargs,
        )
        return set(offers(body).get(LAB_ZONE, {}))

    assert categories("SystemDisk") == {"cloud_essd", "cloud_auto"}
    # SystemDiskCategory left out is cloud_efficiency, which this type cannot boot from.
    assert categories("DataDisk") == set()
    assert categories("DataDisk", system_disk_category="cloud_efficiency") == set()
    everything = {"cloud_essd", "cloud_auto", "cloud_efficiency"}
    assert categories("DataDisk", system_disk_category="cloud_essd") == everything


def test_a_type_that_boots_from_any_category_offers_data_disks_without_one_asked(
    shared: Client,
) -> None:
    def categories(**kwargs: Any) -> set[str]:
        body = available(
            shared,
            destination_resource="DataDisk",
            instance_type="ecs.g7.large",
            zone_id="cn-hangzhou-h",
            **kwargs,
        )
        return set(offers(body)["cn-hangzhou-h"])

    assert categories() == categories(system_disk_category="cloud_essd") != set()


def test_disks_bought_alone_need_no_instance_type(shared: Client) -> None:
    body = available(
        shared, destination_resource="DataDisk", resource_type="disk", zone_id="cn-hangzhou-h"
    )
    assert "cloud_essd_entry" in offers(body)["cn-hangzhou-h"]


def test_system_disk_query_for_an_instance_needs_its_instance_type(shared: Client) -> None:
    assert ecs_error(lambda: available(shared, destination_resource="SystemDisk")) == (
        "MissingParameter",
        400,
    )


def test_destination_resource_missing_or_unknown_is_refused(shared: Client) -> None:
    assert ecs_error(lambda: available(shared)) == ("MissingParameter", 400)
    assert ecs_error(lambda: available(shared, destination_resource="Gpu")) == (
        "InvalidParameter",
        400,
    )


def test_unknown_zone_is_invalid_zone_id_not_found(shared: Client) -> None:
    call = lambda: available(shared, destination_resource="Zone", zone_id="cn-hangzhou-z")  # noqa: E731
    assert ecs_error(call) == ("InvalidZoneId.NotFound", 404)


def test_classic_network_and_dedicated_hosts_find_nothing(shared: Client) -> None:
    assert offers(available(shared, destination_resource="Zone", network_category="classic")) == {}
    assert offers(available(shared, destination_resource="ddh")) == {}


# --- stock, as RunInstances consumes it ----------------------------------------------------
def _zone(stock: dict[str, int], on_sale: bool = True) -> Zone:
    return Zone("z", "z", dict(stock), ["cloud_essd"], on_sale=on_sale)


def test_take_stock_consumes_units_until_none_are_left() -> None:
    zone = _zone({"ecs.g7.large": 2})
    take_stock(zone, "ecs.g7.large", 2)
    assert stock_left(zone, "ecs.g7.large") == 0


@pytest.mark.parametrize(
    ("zone", "amount", "code"),
    [
        (_zone({"ecs.g7.large": 1}), 2, "OperationDenied.NoStock"),
        (_zone({"ecs.g7.large": 0}), 1, "OperationDenied.NoStock"),
        (_zone({"ecs.g7.large": 5}, on_sale=False), 1, "Zone.NotOnSale"),
        (_zone({"ecs.c7.large": 5}), 1, "InvalidInstanceType.ZoneNotSupported"),
    ],
)
def test_take_stock_refuses_without_changing_anything(zone: Zone, amount: int, code: str) -> None:
    before = dict(zone.stock)
    with pytest.raises(EcsError) as info:
        take_stock(zone, "ecs.g7.large", amount)
    assert error_code(info.value) == code
    assert zone.stock == before


def test_stock_left_is_zero_for_a_type_the_zone_does_not_sell() -> None:
    assert stock_left(_zone({"ecs.c7.large": 5}), "ecs.g7.large") == 0
