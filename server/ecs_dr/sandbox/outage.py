"""A zone outage (the `zone_outage` fault): what a call answers while a zone is down.

No ECS page documents an outage's answers, so each is the strictest plausible one, resting on
the page that documents the code for the nearest condition (the contract rows in
`tests/sandbox/contract/outage.py` cite them):
- a create in the zone is refused as for a zone that sells nothing: `Zone.NotOnSale` (403,
  RunInstances' and CreateDisk's error tables), `ResourceNotAvailable` (400, CreateVSwitch's
  table: "not available in this region or zone");
- a call on a resource living in the zone (an instance, a disk, a VSwitch) fails as the
  service does: `ServiceUnavailable` (503, ECS's public error codes). It is a failure worth
  asking again, so a client must bound its retries and then name the zone, never wait forever;
- a snapshot of one of its disks that had not finished uploading (not `accomplished`) is not
  zone-redundant yet (ECS-FACTS.md "Snapshots and zone failure"): its upload stops where it
  is until the zone is back, and using it fails the same way.
Regional reads answer as before (instances as last known: DescribeInstances has no status for
an unreachable instance), and accomplished snapshots and images stay usable in every zone. The
zone itself offers nothing while down: DescribeAvailableResource answers it SoldOut
(ClosedWithoutStock) and DescribeZones lists no AvailableResourceCreation for it, as for a
zone that sells nothing (the same Zone.NotOnSale its creates answer).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import EcsError, ResourceNotAvailable, ServiceUnavailable, ZoneNotOnSale
from ecs_dr.sandbox.models.resources import Region
from ecs_dr.sandbox.params import Params

# Creates that need the zone they name (ZoneId, or their VSwitch's or instance's zone).
_ZONE_CREATES: Mapping[str, Callable[[str], EcsError]] = {
    "RunInstances": lambda zone: ZoneNotOnSale(f"The zone {zone} is not on sale."),
    "CreateDisk": lambda zone: ZoneNotOnSale(f"The zone {zone} is not on sale."),
    "CreateVSwitch": lambda zone: ResourceNotAvailable(
        f"Resource you requested is not available in this region or zone: {zone}."
    ),
}
# Calls on an existing resource, refused when one they name lives in a zone that is down.
_RESOURCE_CALLS = frozenset(
    {
        "CreateSnapshot",
        "CreateSnapshotGroup",
        "CreateImage",
        "AttachDisk",
        "DeleteInstance",
        "ModifyInstanceNetworkSpec",
        "DeleteDisk",
        "ResizeDisk",
        "DeleteVSwitch",
    }
)
# Calls that build from snapshots: SnapshotId, or the items of these lists that name one.
_BUILDS_FROM_SNAPSHOTS = frozenset({"CreateImage", "CreateDisk", "RunInstances"})
_SNAPSHOT_LISTS = ("DiskDeviceMapping", "DataDisk")
_TABLES: Mapping[str, Callable[[Region], Mapping[str, Any]]] = {
    "InstanceId": lambda region: region.instances,
    "DiskId": lambda region: region.disks,
    "VSwitchId": lambda region: region.vswitches,
}


def refuse_in_zones_down(
    backend: Backend, zones_down: frozenset[str], action: str, params: Params
) -> None:
    """Raise what ECS answers `action` while `zones_down` are down, if the call needs one."""
    if not zones_down:
        return
    if action in _ZONE_CREATES or action in _RESOURCE_CALLS:
        down = sorted(_zones_named(backend, params) & zones_down)
        if down:
            refusal = _ZONE_CREATES.get(action, _unreachable)
            raise refusal(down[0])
    if action in _BUILDS_FROM_SNAPSHOTS:
        unfinished = sorted(set(_zones_of_unfinished_snapshots(backend, params)) & zones_down)
        if unfinished:
            raise _unreachable(unfinished[0])


def take_zone_down(backend: Backend, zone_id: str) -> None:
    """The zone offers nothing, and the uploads of its disks' snapshots stop where they are:
    they stay `progressing` (not zone-redundant) until the faults are cleared, then finish in
    the time they had left."""
    now = backend.now()
    for region in backend.regions.values():
        if zone_id in region.zones:
            region.zones[zone_id].down = True
    for region in backend.regions.values():
        for snapshot in region.snapshots.values():
            disk = region.disks.get(snapshot.source_disk_id)
            if disk is not None and disk.zone_id == zone_id:
                snapshot.lifecycle = snapshot.lifecycle.held_at(now)


def bring_zones_up(backend: Backend) -> None:
    """Every zone offers again what it sold before its outage."""
    for region in backend.regions.values():
        for zone in region.zones.values():
            zone.down = False


def _unreachable(zone: str) -> EcsError:
    return ServiceUnavailable(
        f"The request has failed due to a temporary failure of the server: zone {zone} does "
        "not answer."
    )


def _zones_named(backend: Backend, params: Params) -> set[str]:
    """The zones of the request's ZoneId and of the instances, disks and VSwitches it names."""
    zones = {params.raw["ZoneId"]} if params.has("ZoneId") else set()
    for name, table in _TABLES.items():
        ids = [params.raw[name]] if params.has(name) else []
        for resource_id in [*ids, *params.repeated(name)]:
            found = backend.locate(table, resource_id)
            if found is not None:
                zones.add(found[1].zone_id)
    return zones


def _zones_of_unfinished_snapshots(backend: Backend, params: Params) -> Iterable[str]:
    """The zones of the source disks of the snapshots the request builds from that are not
    `accomplished` yet (so not zone-redundant)."""
    for snapshot_id in _snapshot_ids(params):
        found = backend.locate(lambda region: region.snapshots, snapshot_id)
        if found is None or found[1].lifecycle.status(backend.now()) == "accomplished":
            continue
        disk = backend.locate(lambda region: region.disks, found[1].source_disk_id)
        if disk is not None:
            yield disk[1].zone_id


def _snapshot_ids(params: Params) -> list[str]:
    ids = [params.raw["SnapshotId"]] if params.has("SnapshotId") else []
    for prefix in _SNAPSHOT_LISTS:
        ids += [item["SnapshotId"] for item in params.structs(prefix) if item.get("SnapshotId")]
    return ids
