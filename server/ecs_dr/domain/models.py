"""What the product knows about ECS resources, independent of the SDK's models.

The cloud facade (`cloud/ecs/`) builds these from Describe* answers; rules, workflows and
tool results speak only these types.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.domain.cloud_text import MAX_CLOUD_VALUE_CHARS, cloud_text_field

DiskKind = Literal["system", "data"]
ESSD_FAMILY = frozenset({"cloud_essd", "cloud_auto", "cloud_essd_entry"})


class Frozen(BaseModel):
    """A value: every domain model is immutable once made."""

    model_config = ConfigDict(frozen=True)


class Disk(Frozen):
    disk_id: str
    kind: DiskKind
    device: str = Field(description="Device path on the instance, e.g. /dev/xvdb")
    category: str = Field(description="cloud_essd, cloud_auto, cloud_essd_entry, ...")
    size_gib: int
    performance_level: str | None = Field(
        default=None, description="PL0-PL3 for cloud_essd; none for other categories"
    )
    status: str = ""
    zone_id: str = ""
    instance_id: str | None = None
    name: str = cloud_text_field("the disk's name", max_chars=MAX_CLOUD_VALUE_CHARS, default="")
    multi_attach: bool = Field(
        default=False, description="Multi-attach disks cannot join a snapshot-consistent group"
    )

    @property
    def is_essd_family(self) -> bool:
        return self.category in ESSD_FAMILY


def device_order(disk: Disk) -> tuple[bool, str]:
    """The order disks are listed in: the system disk first, then by device."""
    return disk.kind != "system", disk.device


class Instance(Frozen):
    instance_id: str
    name: str = cloud_text_field("the instance's name", max_chars=MAX_CLOUD_VALUE_CHARS)
    region_id: str
    zone_id: str
    instance_type: str
    status: str
    vpc_id: str
    vswitch_id: str
    security_group_ids: list[str]
    instance_charge_type: str
    internet_charge_type: str
    internet_max_bandwidth_out: int
    public_ips: list[str] = Field(default_factory=list)
    private_ips: list[str] = Field(default_factory=list)
    image_id: str = ""
    cpu: int = 0
    memory_mib: int = 0
    disks: list[Disk] = Field(default_factory=list)

    @property
    def has_public_ip(self) -> bool:
        return bool(self.public_ips)

    @property
    def system_disk(self) -> Disk | None:
        return next((d for d in self.disks if d.kind == "system"), None)

    @property
    def data_disks(self) -> list[Disk]:
        return sorted((d for d in self.disks if d.kind == "data"), key=lambda d: d.device)


class Snapshot(Frozen):
    snapshot_id: str
    source_disk_id: str
    source_disk_kind: DiskKind
    source_disk_size_gib: int
    source_disk_category: str = ""
    status: str
    progress: int = Field(description="0-100")
    available: bool = Field(description="usable now (instant access), not yet zone-redundant")
    snapshot_group_id: str = ""
    created_at: str = ""

    @property
    def zone_redundant(self) -> bool:
        """Fully uploaded: only now does the recovery point survive a zone failure."""
        return self.status == "accomplished" and self.progress >= 100


class SnapshotGroup(Frozen):
    snapshot_group_id: str
    instance_id: str
    status: str
    snapshots: list[Snapshot]
    name: str = cloud_text_field(
        "the snapshot group's name", max_chars=MAX_CLOUD_VALUE_CHARS, default=""
    )
    created_at: str = ""
    tags: dict[str, str] = cloud_text_field(
        "its tags, set at CreateSnapshotGroup",
        max_chars=MAX_CLOUD_VALUE_CHARS,
        default_factory=dict,
    )


class ImageDiskMapping(Frozen):
    device: str
    kind: DiskKind
    snapshot_id: str
    size_gib: int


class Image(Frozen):
    image_id: str
    name: str = cloud_text_field("the image's name", max_chars=MAX_CLOUD_VALUE_CHARS)
    status: str
    progress: int
    mappings: list[ImageDiskMapping] = Field(default_factory=list)


class VSwitch(Frozen):
    vswitch_id: str
    vpc_id: str
    zone_id: str
    cidr_block: str
    status: str
    name: str = cloud_text_field("the VSwitch's name", max_chars=MAX_CLOUD_VALUE_CHARS, default="")


class InstanceTypeSpec(Frozen):
    instance_type: str
    cpu: int
    memory_gib: float
    family: str


class ZoneOffer(Frozen):
    """What a zone can supply now, as DescribeAvailableResource and DescribeVSwitches say."""

    zone_id: str
    vswitches: list[VSwitch] = Field(description="VSwitches of the source's VPC in the zone")
    instance_type_in_stock: bool
    system_disk_categories: list[str]
    data_disk_categories: list[str]
