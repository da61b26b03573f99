"""Zones, instance types and stock: what a zone sells, how much is left, and what
DescribeAvailableResource reports about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ecs_dr.sandbox.errors import (
    InvalidInstanceTypeZoneNotSupported,
    OperationDeniedNoStock,
    ZoneNotOnSale,
)
from ecs_dr.sandbox.models.disk_rules import (
    CATEGORY_SIZE_RANGES,
    DEFAULT_PERFORMANCE_LEVEL,
    ESSD_ENTRY_FAMILIES,
    PL_SIZE_RANGES,
    SYSTEM_DISK_MAX_GIB,
)
from ecs_dr.sandbox.models.resources import InstanceTypeSpec, Region, Zone

# Below this many units ECS still sells a type but flags it `ClosedWithStock` (low stock).
LOW_STOCK = 5
# What every zone lets you create (DescribeZones' AvailableResourceCreation).
ZONE_RESOURCE_TYPES = ("VSwitch", "IoOptimized", "Instance", "Disk")
# A zone that no longer sells still takes VSwitches.
CLOSED_ZONE_RESOURCE_TYPES = ("VSwitch",)


def stock_left(zone: Zone, instance_type: str) -> int:
    """Units of `instance_type` the zone can still sell; 0 when it is not sold there."""
    if not zone.selling:
        return 0
    return zone.stock.get(instance_type, 0)


def take_stock(zone: Zone, instance_type: str, amount: int) -> None:
    """Consume stock for new instances.

    Raises (all 403) Zone.NotOnSale for a zone that no longer sells,
    InvalidInstanceType.ZoneNotSupported when the zone does not sell the type, and
    OperationDenied.NoStock when fewer than `amount` units are left; nothing changes then.
    """
    if not zone.selling:
        raise ZoneNotOnSale(f"The zone {zone.zone_id} is not on sale.")
    if instance_type not in zone.stock:
        raise InvalidInstanceTypeZoneNotSupported(
            f"The instance type {instance_type} is not sold in zone {zone.zone_id}."
        )
    if stock_left(zone, instance_type) < amount:
        raise OperationDeniedNoStock()
    zone.stock[instance_type] -= amount


def types_in_stock(zone: Zone) -> list[str]:
    """Instance types the zone can sell right now (stock > 0), by name."""
    return sorted(t for t in zone.stock if stock_left(zone, t) > 0)


def disk_categories(zone: Zone, spec: InstanceTypeSpec | None) -> list[str]:
    """Categories the zone sells, narrowed to what `spec` can mount when a type is given.

    cloud_essd_entry goes only with the ecs.u1 and ecs.e families.
    """
    if spec is None:
        return list(zone.disk_categories)
    allowed = set(spec.disk_categories)
    if spec.family in ESSD_ENTRY_FAMILIES:
        allowed.add("cloud_essd_entry")
    return [c for c in zone.disk_categories if c in allowed]


def system_disk_categories(zone: Zone, spec: InstanceTypeSpec) -> list[str]:
    """Categories the system disk of a `spec` instance may have in the zone."""
    mountable = disk_categories(zone, spec)
    if spec.system_disk_categories is None:
        return mountable
    return [c for c in mountable if c in spec.system_disk_categories]


def size_range(category: str, *, system: bool) -> tuple[int, int]:
    """GiB a new disk of `category` may have (ESSD at its default PL)."""
    if category == "cloud_essd":
        low, high = PL_SIZE_RANGES[DEFAULT_PERFORMANCE_LEVEL]
    else:
        low, high = CATEGORY_SIZE_RANGES.get(category, (1, 65536))
    return low, min(high, SYSTEM_DISK_MAX_GIB) if system else high


# --- DescribeAvailableResource ---------------------------------------------------------------
@dataclass
class Offer:
    """One SupportedResource: a value and whether it can be bought now."""

    value: str
    status: str
    status_category: str
    size: tuple[int, int] | None = None


@dataclass
class ZoneOffers:
    """One AvailableZone: the zone's verdict and the offers of one resource type in it."""

    zone_id: str
    status: str
    status_category: str
    resource_type: str
    offers: list[Offer] = field(default_factory=list)


# DescribeAvailableResource's SystemDiskCategory when omitted (its page and the SDK's docstring:
# cloud_efficiency but for retired types). The China site adds that since 2026-01-30 an
# ESSD-only type defaults to cloud_essd PL0; the sandbox keeps cloud_efficiency, the stricter:
# such a type then offers no data disk unless SystemDiskCategory is sent.
DEFAULT_SYSTEM_DISK_CATEGORY = "cloud_efficiency"


@dataclass
class AvailabilityQuery:
    destination: str  # Zone | IoOptimized | InstanceType | Network | SystemDisk | DataDisk | ddh
    zone_id: str | None = None
    instance_type: str | None = None
    cores: int | None = None
    memory: float | None = None
    system_disk_category: str | None = None
    data_disk_category: str | None = None
    io_optimized: bool = True
    vpc_network: bool = True


def stock_verdict(zone: Zone, instance_type: str) -> tuple[str, str]:
    """(Status, StatusCategory) ECS reports for a type in a zone."""
    if not zone.selling:
        return "SoldOut", "ClosedWithoutStock"
    left = zone.stock.get(instance_type, 0)
    if left <= 0:
        return "SoldOut", "WithoutStock"
    if left < LOW_STOCK:
        return "Available", "ClosedWithStock"
    return "Available", "WithStock"


def _zone_verdict(zone: Zone) -> tuple[str, str]:
    if zone.selling:
        return "Available", "WithStock"
    return "SoldOut", "ClosedWithoutStock"


def _verdict_of(zone: Zone, offers: list[Offer]) -> tuple[str, str]:
    """A zone is Available when anything it offers is."""
    if any(o.status == "Available" for o in offers):
        return "Available", "WithStock"
    return "SoldOut", "WithoutStock" if zone.selling else "ClosedWithoutStock"


def _type_matches(spec: InstanceTypeSpec | None, query: AvailabilityQuery) -> bool:
    if spec is None:
        return False
    if query.cores is not None and spec.cpu != query.cores:
        return False
    return query.memory is None or spec.memory_gib == query.memory


def available_resources(
    region: Region, catalog: dict[str, InstanceTypeSpec], query: AvailabilityQuery
) -> list[ZoneOffers]:
    """Per zone, what `query.destination` offers there; zones offering nothing are left out.

    With an instance type, only zones that sell it appear, and the zone's verdict is that
    type's stock; disks are then narrowed to what the type can mount.
    """
    if query.destination == "ddh" or not (query.io_optimized and query.vpc_network):
        return []  # no dedicated hosts, classic network or non-optimized types here
    zones = [z for z in region.zones.values() if query.zone_id in (None, z.zone_id)]
    result: list[ZoneOffers] = []
    for zone in zones:
        verdict = _zone_verdict(zone)
        spec = None
        if query.instance_type is not None:
            if query.instance_type not in zone.stock:
                continue
            spec = catalog.get(query.instance_type)
            if spec is None:
                continue
            verdict = stock_verdict(zone, query.instance_type)
        offers = _offers(zone, catalog, spec, query, verdict)
        if not offers:
            continue
        if spec is None:
            verdict = _verdict_of(zone, offers)
        result.append(ZoneOffers(zone.zone_id, *verdict, query.destination, offers))
    return result


def _offers(
    zone: Zone,
    catalog: dict[str, InstanceTypeSpec],
    spec: InstanceTypeSpec | None,
    query: AvailabilityQuery,
    verdict: tuple[str, str],
) -> list[Offer]:
    if query.destination == "Zone":
        return [Offer(zone.zone_id, *verdict)]
    if query.destination == "IoOptimized":
        return [Offer("optimized", *verdict)]
    if query.destination == "Network":
        return [Offer("vpc", *verdict)]
    if query.destination == "InstanceType":
        names: Iterable[str] = [spec.instance_type] if spec is not None else sorted(zone.stock)
        return [
            Offer(name, *stock_verdict(zone, name))
            for name in names
            if _type_matches(catalog.get(name), query)
        ]
    system = query.destination == "SystemDisk"
    wanted = query.system_disk_category if system else query.data_disk_category
    disk_verdict = _zone_verdict(zone)
    return [
        Offer(category, *disk_verdict, size=size_range(category, system=system))
        for category in _disk_offers(zone, spec, query, system=system)
        if wanted in (None, category)
    ]


def _disk_offers(
    zone: Zone, spec: InstanceTypeSpec | None, query: AvailabilityQuery, *, system: bool
) -> list[str]:
    """Disk categories on offer. For an instance type, system disks are those it boots from;
    data disks are answered for the system disk asked (SystemDiskCategory, default
    cloud_efficiency): none when the type cannot boot from that."""
    if spec is None:
        return disk_categories(zone, None)
    boots_from = system_disk_categories(zone, spec)
    if system:
        return boots_from
    if (query.system_disk_category or DEFAULT_SYSTEM_DISK_CATEGORY) not in boots_from:
        return []
    return disk_categories(zone, spec)


# --- DescribeInstanceTypes -------------------------------------------------------------------
@dataclass
class TypeFilter:
    """DescribeInstanceTypes' filters; None means "any"."""

    names: list[str] = field(default_factory=list)
    families: list[str] = field(default_factory=list)
    min_cpu: int | None = None
    max_cpu: int | None = None
    min_memory: float | None = None
    max_memory: float | None = None
    min_disks: int | None = None

    def matches(self, spec: InstanceTypeSpec) -> bool:
        checks = (
            not self.names or spec.instance_type in self.names,
            not self.families or spec.family in self.families,
            self.min_cpu is None or spec.cpu >= self.min_cpu,
            self.max_cpu is None or spec.cpu <= self.max_cpu,
            self.min_memory is None or spec.memory_gib >= self.min_memory,
            self.max_memory is None or spec.memory_gib <= self.max_memory,
            self.min_disks is None or disk_quantity(spec) >= self.min_disks,
        )
        return all(checks)


def disk_quantity(spec: InstanceTypeSpec) -> int:
    """Disks an instance of this type can hold: its data disks plus the system disk."""
    return spec.max_data_disks + 1


def find_instance_types(
    catalog: dict[str, InstanceTypeSpec], wanted: TypeFilter
) -> list[InstanceTypeSpec]:
    """The catalog's types that pass every filter, in name order (stable for paging)."""
    return [catalog[name] for name in sorted(catalog) if wanted.matches(catalog[name])]
