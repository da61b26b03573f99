"""The world file: the sandbox's starting state as JSON, validated before anything loads.

A field left out gets a sensible default; a malformed file is refused with the path of the
bad field (`regions[0].instances[1].disks[0].size: ...`).
"""

from __future__ import annotations

import ipaddress
import json
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

PERFORMANCE_LEVELS = ("PL0", "PL1", "PL2", "PL3")
DISK_CATEGORIES = (
    "cloud_essd",
    "cloud_auto",
    "cloud_essd_entry",
    "cloud_efficiency",
    "cloud_ssd",
    "cloud",
)


class WorldError(ValueError):
    """A world file that cannot be loaded; the message names the bad field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _network(value: str) -> str:
    ipaddress.ip_network(value)
    return value


CidrBlock = Annotated[str, AfterValidator(_network)]
"""An IPv4 or IPv6 block (`172.16.0.0/12`); a malformed one is refused with its field's path."""


class StockSpec(_Strict):
    stock: Annotated[int, Field(ge=0)] = 100


class ZoneSpec(_Strict):
    zone_id: str
    local_name: str = ""
    instance_types: dict[str, StockSpec] = Field(default_factory=dict)
    disk_categories: list[Literal[DISK_CATEGORIES]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: ["cloud_essd", "cloud_auto", "cloud_efficiency", "cloud_ssd"]
    )


class VSwitchSpec(_Strict):
    vswitch_id: str
    zone_id: str
    cidr_block: CidrBlock
    vswitch_name: str = ""


class SecurityGroupSpec(_Strict):
    security_group_id: str
    security_group_name: str = ""


class VpcSpec(_Strict):
    vpc_id: str
    cidr_block: CidrBlock = "172.16.0.0/12"
    vpc_name: str = ""
    vswitches: list[VSwitchSpec] = Field(default_factory=list)
    security_groups: list[SecurityGroupSpec] = Field(default_factory=list)

    @field_validator("security_groups", mode="before")
    @classmethod
    def _bare_ids(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"security_group_id": v} if isinstance(v, str) else v for v in value]
        return value


class DiskSpec(_Strict):
    disk_id: str
    type: Literal["system", "data"]
    device: str
    category: Literal[DISK_CATEGORIES] = "cloud_essd"  # type: ignore[valid-type]
    size: Annotated[int, Field(ge=1, le=65536)] = 40
    performance_level: Literal[PERFORMANCE_LEVELS] | None = None  # type: ignore[valid-type]
    disk_name: str = ""
    multi_attach: bool = False

    @model_validator(mode="before")
    @classmethod
    def _default_performance_level(cls, value: Any) -> Any:
        """ECS gives a cloud_essd disk PL1 when none is named."""
        if isinstance(value, dict) and value.get("category", "cloud_essd") == "cloud_essd":
            return {"performance_level": "PL1", **{k: v for k, v in value.items() if v is not None}}
        return value


class InstanceSpec(_Strict):
    instance_id: str
    instance_name: str = ""
    zone_id: str
    instance_type: str
    vswitch_id: str
    security_group_ids: list[str] = Field(min_length=1)
    instance_charge_type: Literal["PostPaid", "PrePaid"] = "PostPaid"
    internet_charge_type: Literal["PayByTraffic", "PayByBandwidth"] = "PayByTraffic"
    internet_max_bandwidth_out: Annotated[int, Field(ge=0, le=200)] = 0
    status: Literal["Running", "Stopped", "Pending", "Starting", "Stopping"] = "Running"
    image_id: str = "aliyun_3_x64_20G_alibase_20260101.vhd"
    disks: list[DiskSpec] = Field(min_length=1)


class InstanceTypeCatalogSpec(_Strict):
    cpu: Annotated[int, Field(ge=1)]
    memory_gib: Annotated[float, Field(gt=0)]
    family: str = ""
    max_data_disks: Annotated[int, Field(ge=0, le=64)] = 16
    # What its system disk may be (an ESSD-only type: ["cloud_essd", ...]); left out, any
    # category it mounts.
    system_disk_categories: (
        Annotated[list[Literal[DISK_CATEGORIES]], Field(min_length=1)] | None  # type: ignore[valid-type]
    ) = None


class RegionSpec(_Strict):
    region_id: str
    local_name: str = ""
    zones: list[ZoneSpec] = Field(min_length=1)
    vpcs: list[VpcSpec] = Field(default_factory=list)
    instances: list[InstanceSpec] = Field(default_factory=list)


# A quota is a whole number as written: `true` or `"5"` is refused, not read as 1 or 5.
Quota = Annotated[int, Field(ge=0, strict=True)]


class QuotaSpec(_Strict):
    """The account's quotas, each enforced per region as ECS does. The defaults are generous
    (only `custom_images` is ECS's own default), so a world that sets none never meets them."""

    # snapshots a region holds, any status (QuotaExceed.Snapshot)
    snapshots: Quota = 10000
    # snapshots `progressing` at once (QuotaExceed.ConcurrentSnapshotQuota)
    concurrent_snapshots: Quota = 1000
    # custom images (QuotaExceed.Image)
    custom_images: Quota = 100
    # vCPUs of pay-as-you-go instances that are not Stopped (QuotaExceed.ElasticQuota)
    postpaid_vcpus: Quota = 5000
    # pay-as-you-go data disks (QuotaExceed.PostPaidDisk)
    postpaid_data_disks: Quota = 10000
    # GiB of pay-as-you-go data disks (QuotaExceed.PostPaidDisk), the capacity that
    # DescribeAccountAttributes reports as max-postpaid-yundisk-capacity
    postpaid_disk_capacity_gib: Quota = 2_000_000


class DurationsSpec(_Strict):
    """How far each resource's durations stray from the nominal ones (0: exactly nominal,
    0.2: each drawn within +-20%), and the seed of the draws: the same seed gives the same
    durations to resources made in the same order."""

    spread: Annotated[float, Field(ge=0.0, le=0.5)] = 0.0
    seed: Annotated[int, Field(strict=True)] = 0


class WorldSpec(_Strict):
    instance_types: dict[str, InstanceTypeCatalogSpec] = Field(default_factory=dict)
    key_pairs: dict[str, str] = Field(default_factory=dict)
    quotas: QuotaSpec = Field(default_factory=QuotaSpec)
    durations: DurationsSpec = Field(default_factory=DurationsSpec)
    regions: list[RegionSpec] = Field(min_length=1)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _check_references(world: WorldSpec) -> None:
    """Cross-field rules pydantic cannot see: ids that must exist and agree with each other."""
    seen: set[str] = set()

    def unique(where: str, resource_id: str) -> None:
        if resource_id in seen:
            raise WorldError(f"{where}: id {resource_id!r} is used twice")
        seen.add(resource_id)

    for r, region in enumerate(world.regions):
        at = f"regions[{r}]"
        zones = {z.zone_id: z for z in region.zones}
        vswitches = {}
        groups = {}
        for v, vpc in enumerate(region.vpcs):
            unique(f"{at}.vpcs[{v}].vpc_id", vpc.vpc_id)
            network = ipaddress.ip_network(vpc.cidr_block)
            for s, vsw in enumerate(vpc.vswitches):
                where = f"{at}.vpcs[{v}].vswitches[{s}]"
                unique(f"{where}.vswitch_id", vsw.vswitch_id)
                if vsw.zone_id not in zones:
                    raise WorldError(
                        f"{where}.zone_id: {vsw.zone_id!r} is not a zone of the region"
                    )
                if not ipaddress.ip_network(vsw.cidr_block).subnet_of(network):  # type: ignore[arg-type]
                    raise WorldError(f"{where}.cidr_block: not inside the VPC's {vpc.cidr_block}")
                vswitches[vsw.vswitch_id] = (vpc.vpc_id, vsw.zone_id)
            for g, group in enumerate(vpc.security_groups):
                unique(f"{at}.vpcs[{v}].security_groups[{g}]", group.security_group_id)
                groups[group.security_group_id] = vpc.vpc_id
        for i, inst in enumerate(region.instances):
            where = f"{at}.instances[{i}]"
            unique(f"{where}.instance_id", inst.instance_id)
            if inst.zone_id not in zones:
                raise WorldError(f"{where}.zone_id: {inst.zone_id!r} is not a zone of the region")
            if inst.instance_type not in world.instance_types:
                known = ", ".join(sorted(world.instance_types))
                raise WorldError(f"{where}.instance_type: {inst.instance_type!r} not in {known}")
            if inst.vswitch_id not in vswitches:
                raise WorldError(f"{where}.vswitch_id: {inst.vswitch_id!r} is not a VSwitch here")
            vpc_id, vsw_zone = vswitches[inst.vswitch_id]
            if vsw_zone != inst.zone_id:
                raise WorldError(
                    f"{where}.vswitch_id: the VSwitch is in {vsw_zone}, not the instance's zone"
                )
            for n, group_id in enumerate(inst.security_group_ids):
                if groups.get(group_id) != vpc_id:
                    raise WorldError(
                        f"{where}.security_group_ids[{n}]: {group_id!r} is not a group of {vpc_id}"
                    )
            systems = [d for d in inst.disks if d.type == "system"]
            if len(systems) != 1:
                raise WorldError(
                    f"{where}.disks: needs exactly one system disk, has {len(systems)}"
                )
            devices: set[str] = set()
            for d, disk in enumerate(inst.disks):
                dwhere = f"{where}.disks[{d}]"
                unique(f"{dwhere}.disk_id", disk.disk_id)
                if disk.device in devices:
                    raise WorldError(f"{dwhere}.device: {disk.device!r} is used twice")
                devices.add(disk.device)
                if disk.category not in zones[inst.zone_id].disk_categories:
                    raise WorldError(
                        f"{dwhere}.category: {disk.category} is not sold in {inst.zone_id}"
                    )
                if disk.performance_level and disk.category not in ("cloud_essd",):
                    raise WorldError(f"{dwhere}.performance_level: only cloud_essd disks have one")


def parse_world(data: Any) -> WorldSpec:
    """Validate a world document; raise WorldError naming the first bad field."""
    try:
        world = WorldSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise WorldError(f"{_path(first['loc'])}: {first['msg']}") from None
    _check_references(world)
    return world


def load_world(path: Path | None) -> WorldSpec:
    """The world in `path`, or the seeded demo world."""
    if path is None:
        text = resources.files("ecs_dr.sandbox").joinpath("demo_world.json").read_text()
    else:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise WorldError(f"cannot be read: {exc.strerror or exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorldError(f"not valid JSON (line {exc.lineno}, column {exc.colno})") from None
    return parse_world(data)
