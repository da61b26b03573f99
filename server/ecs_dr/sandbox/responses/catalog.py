"""Regions, zones, instance types and resource availability."""

from __future__ import annotations

import math
from typing import Any

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import InvalidParameter, InvalidZoneIdNotFound, MissingParameter
from ecs_dr.sandbox.models.catalog import (
    CLOSED_ZONE_RESOURCE_TYPES,
    ZONE_RESOURCE_TYPES,
    AvailabilityQuery,
    Offer,
    TypeFilter,
    available_resources,
    disk_categories,
    disk_quantity,
    find_instance_types,
    types_in_stock,
)
from ecs_dr.sandbox.models.resources import InstanceTypeSpec, Zone
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action, paginate_tokens

CHARGE_TYPES = ("PrePaid", "PostPaid")
SPOT_STRATEGIES = ("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo")
DESTINATIONS = ("Zone", "IoOptimized", "InstanceType", "Network", "ddh", "SystemDisk", "DataDisk")
RESOURCE_TYPES = ("instance", "disk", "reservedinstance", "ddh")
# DescribeInstanceTypes answers up to 1600 types a page, and that many by default.
MAX_INSTANCE_TYPES_PAGE = 1600


@action("DescribeRegions")
def describe_regions(backend: Backend, params: Params) -> Body:
    regions = [
        {
            "RegionId": region.region_id,
            "LocalName": region.local_name,
            "RegionEndpoint": f"ecs.{region.region_id}.aliyuncs.com",
            "Status": "available",
        }
        for region in backend.regions.values()
    ]
    return {"Regions": {"Region": regions}}


@action("DescribeZones")
def describe_zones(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    params.choice("InstanceChargeType", CHARGE_TYPES)
    params.choice("SpotStrategy", SPOT_STRATEGIES)
    verbose = params.boolean("Verbose", default=True)
    zones = [_zone_body(zone, backend.instance_types, verbose) for zone in region.zones.values()]
    return {"Zones": {"Zone": zones}}


def _zone_body(zone: Zone, catalog: dict[str, InstanceTypeSpec], verbose: bool) -> Body:
    body: Body = {
        "ZoneId": zone.zone_id,
        "LocalName": zone.local_name,
        "ZoneType": "AvailabilityZone",
    }
    if not verbose:
        return body
    types = types_in_stock(zone)
    categories = disk_categories(zone, None) if zone.selling else []
    families = sorted({catalog[t].family for t in types if t in catalog})
    info = {
        "IoOptimized": True,
        "InstanceTypes": {"supportedInstanceType": types},
        "InstanceTypeFamilies": {"supportedInstanceTypeFamily": families},
        "SystemDiskCategories": {"supportedSystemDiskCategory": categories},
        "DataDiskCategories": {"supportedDataDiskCategory": categories},
        "NetworkTypes": {"supportedNetworkCategory": ["vpc"]},
    }
    creation: tuple[str, ...] = ZONE_RESOURCE_TYPES if zone.selling else CLOSED_ZONE_RESOURCE_TYPES
    if zone.down:
        creation = ()
    return body | {
        "AvailableResourceCreation": {"ResourceTypes": list(creation)},
        "AvailableDiskCategories": {"DiskCategories": categories},
        "AvailableInstanceTypes": {"InstanceTypes": types},
        "AvailableResources": {"ResourcesInfo": [info] if zone.selling else []},
    }


@action("DescribeInstanceTypes")
def describe_instance_types(backend: Backend, params: Params) -> Body:
    family = params.text("InstanceTypeFamily")
    wanted = TypeFilter(
        names=params.repeated("InstanceTypes", max_items=10),
        families=params.repeated("InstanceTypeFamilies", max_items=10)
        + ([family] if family else []),
        min_cpu=params.integer("MinimumCpuCoreCount", minimum=1),
        max_cpu=params.integer("MaximumCpuCoreCount", minimum=1),
        min_memory=_number(params, "MinimumMemorySize"),
        max_memory=_number(params, "MaximumMemorySize"),
        min_disks=params.integer("MinimumDiskQuantity", minimum=0),
    )
    found = find_instance_types(backend.instance_types, wanted)
    page, paging = paginate_tokens(
        found, params, max_results=MAX_INSTANCE_TYPES_PAGE, default=MAX_INSTANCE_TYPES_PAGE
    )
    return {
        "InstanceTypes": {"InstanceType": [_instance_type_body(spec) for spec in page]},
        "NextToken": paging["NextToken"],
    }


def _instance_type_body(spec: InstanceTypeSpec) -> Body:
    return {
        "InstanceTypeId": spec.instance_type,
        "InstanceTypeFamily": spec.family,
        "CpuCoreCount": spec.cpu,
        "MemorySize": float(spec.memory_gib),
        "DiskQuantity": disk_quantity(spec),
        "CpuArchitecture": "X86",
        "GPUAmount": 0,
        "GPUSpec": "",
    }


@action("DescribeAvailableResource")
def describe_available_resource(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    destination = params.choice("DestinationResource", DESTINATIONS)
    if destination is None:
        raise MissingParameter("DestinationResource")
    resource_type = params.choice("ResourceType", RESOURCE_TYPES, default="instance")
    params.choice("InstanceChargeType", CHARGE_TYPES)
    params.choice("SpotStrategy", SPOT_STRATEGIES)
    params.integer("SpotDuration", minimum=0, maximum=6)
    params.choice("Scope", ("Region", "Zone"))
    zone_id = params.text("ZoneId")
    if zone_id is not None and zone_id not in region.zones:
        raise InvalidZoneIdNotFound(zone_id)
    instance_type = params.text("InstanceType")
    if (
        destination in ("SystemDisk", "DataDisk")
        and resource_type == "instance"
        and not instance_type
    ):
        raise MissingParameter("InstanceType")
    query = AvailabilityQuery(
        destination=destination,
        zone_id=zone_id,
        instance_type=instance_type,
        cores=params.integer("Cores", minimum=1),
        memory=_number(params, "Memory"),
        system_disk_category=params.text("SystemDiskCategory"),
        data_disk_category=params.text("DataDiskCategory"),
        io_optimized=params.choice("IoOptimized", ("optimized", "none")) != "none",
        vpc_network=params.choice("NetworkCategory", ("vpc", "classic")) != "classic",
    )
    zones = [
        {
            "ZoneId": offers.zone_id,
            "RegionId": region.region_id,
            "Status": offers.status,
            "StatusCategory": offers.status_category,
            "AvailableResources": {
                "AvailableResource": [
                    {
                        "Type": offers.resource_type,
                        "SupportedResources": {
                            "SupportedResource": [_offer_body(o) for o in offers.offers]
                        },
                    }
                ]
            },
        }
        for offers in available_resources(region, backend.instance_types, query)
    ]
    return {"AvailableZones": {"AvailableZone": zones}}


def _offer_body(offer: Offer) -> Body:
    body: dict[str, Any] = {
        "Value": offer.value,
        "Status": offer.status,
        "StatusCategory": offer.status_category,
    }
    if offer.size is not None:
        body |= {"Min": offer.size[0], "Max": offer.size[1], "Unit": "GiB"}
    return body


def _number(params: Params, name: str) -> float | None:
    """A decimal parameter (memory in GiB, e.g. `0.5`)."""
    value = params.text(name)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        raise InvalidParameter(name, f"expected a number, got {value!r}") from None
    if not math.isfinite(number) or number < 0:
        raise InvalidParameter(name, f"must be a number >= 0, got {value!r}")
    return number
