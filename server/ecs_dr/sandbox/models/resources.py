"""The sandbox's state: one dataclass per ECS resource kind, held per region.

Only state lives here. The rules for each resource family live beside it
(`catalog.py`, `network.py`, `instances.py`, `disks.py`, `snapshots.py`, `images.py`,
`tags.py`), as moto keeps `models/<family>.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecs_dr.sandbox.models.lifecycle import Lifecycle


@dataclass
class InstanceTypeSpec:
    instance_type: str
    cpu: int
    memory_gib: float
    family: str
    max_data_disks: int = 16
    # cloud_essd_entry is sold only with these families (ECS-FACTS: ecs.u1 and ecs.e)
    disk_categories: tuple[str, ...] = ("cloud_essd", "cloud_auto", "cloud_efficiency", "cloud_ssd")
    # what its system disk may be; None: any category it mounts (an ESSD-only type lists ESSDs)
    system_disk_categories: tuple[str, ...] | None = None


@dataclass
class Zone:
    zone_id: str
    local_name: str
    # instance type -> units in stock; a type absent here is not sold in the zone
    stock: dict[str, int]
    disk_categories: list[str]
    on_sale: bool = True
    # Held down by a zone_outage fault: it offers nothing until the faults are cleared.
    down: bool = False

    @property
    def selling(self) -> bool:
        return self.on_sale and not self.down


@dataclass
class Vpc:
    vpc_id: str
    vpc_name: str
    cidr_block: str
    created_at: float


@dataclass
class VSwitch:
    vswitch_id: str
    vpc_id: str
    zone_id: str
    cidr_block: str
    vswitch_name: str
    lifecycle: Lifecycle
    created_at: float
    description: str = ""


@dataclass
class SecurityGroup:
    security_group_id: str
    vpc_id: str
    security_group_name: str
    created_at: float


@dataclass
class Instance:
    instance_id: str
    instance_name: str
    zone_id: str
    instance_type: str
    vpc_id: str
    vswitch_id: str
    security_group_ids: list[str]
    private_ip: str
    public_ip: str | None
    instance_charge_type: str
    internet_charge_type: str
    internet_max_bandwidth_out: int
    image_id: str
    lifecycle: Lifecycle
    created_at: float
    hostname: str = ""
    os_name: str = "Alibaba Cloud Linux 3"


@dataclass
class Disk:
    disk_id: str
    disk_name: str
    zone_id: str
    category: str
    size: int
    performance_level: str | None
    type: str  # "system" | "data"
    lifecycle: Lifecycle
    created_at: float
    instance_id: str | None = None
    device: str = ""
    source_snapshot_id: str = ""
    delete_with_instance: bool = False
    attached_once: bool = False
    multi_attach: bool = False
    portable: bool = True
    # "PostPaid" (pay-as-you-go) or "PrePaid": a disk bills as the instance it was created with
    charge_type: str = "PostPaid"


@dataclass
class Snapshot:
    snapshot_id: str
    snapshot_name: str
    source_disk_id: str
    source_disk_type: str
    source_disk_size: int
    source_disk_category: str
    # instant access: usable for ESSD disks before the upload completes
    available_at: float
    lifecycle: Lifecycle
    created_at: float
    snapshot_group_id: str = ""
    description: str = ""


@dataclass
class SnapshotGroup:
    snapshot_group_id: str
    name: str
    instance_id: str
    snapshot_ids: list[str]
    created_at: float
    description: str = ""


@dataclass
class DiskDeviceMapping:
    device: str
    type: str  # "system" | "data"
    snapshot_id: str
    size: int
    format: str = ""


@dataclass
class Image:
    image_id: str
    image_name: str
    mappings: list[DiskDeviceMapping]
    lifecycle: Lifecycle
    created_at: float
    description: str = ""
    os_name: str = "Alibaba Cloud Linux 3"
    platform: str = "Aliyun"
    architecture: str = "x86_64"
    image_owner_alias: str = "self"


@dataclass(frozen=True)
class ClientToken:
    """What a create with a ClientToken did: its parameters' fingerprint, the ids it answered,
    and the cloud time until which ECS still reports the token as being processed."""

    fingerprint: str
    ids: tuple[str, ...]
    processing_until: float


@dataclass
class Region:
    region_id: str
    local_name: str
    zones: dict[str, Zone] = field(default_factory=dict)
    vpcs: dict[str, Vpc] = field(default_factory=dict)
    vswitches: dict[str, VSwitch] = field(default_factory=dict)
    security_groups: dict[str, SecurityGroup] = field(default_factory=dict)
    instances: dict[str, Instance] = field(default_factory=dict)
    disks: dict[str, Disk] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    snapshot_groups: dict[str, SnapshotGroup] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    # (resource type as ListTagResources names it, resource id) -> tags
    tags: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)
    # (action, client token) -> what that call did, for idempotent retries
    client_tokens: dict[tuple[str, str], ClientToken] = field(default_factory=dict)
