"""The recovery image as a plan and a result: one custom image holding a snapshot of every
disk of the source, each at its device, so RunInstances restores the whole instance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ecs_dr.domain.cloud_text import MAX_CLOUD_VALUE_CHARS, cloud_text_field
from ecs_dr.domain.models import Frozen, ImageDiskMapping, Instance, Snapshot
from ecs_dr.domain.refusal import Refusal


class ImagePlan(Frozen):
    """CreateImage from the source's snapshots, one mapping per disk."""

    region_id: str
    instance_id: str
    image_name: str
    mappings: list[ImageDiskMapping]
    snapshot_group_id: str | None = None

    action: ClassVar[str] = "CreateImage"

    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = {"RegionId": self.region_id, "ImageName": self.image_name}
        for n, m in enumerate(self.mappings, 1):
            params[f"DiskDeviceMapping.{n}.Device"] = m.device
            params[f"DiskDeviceMapping.{n}.DiskType"] = m.kind
            params[f"DiskDeviceMapping.{n}.SnapshotId"] = m.snapshot_id
            params[f"DiskDeviceMapping.{n}.Size"] = m.size_gib
        return params


class ImageResult(Frozen):
    """The image, Available, and where each disk's snapshot sits in it."""

    region_id: str
    instance_id: str
    image_id: str
    image_name: str = cloud_text_field(
        "the image's name as DescribeImages gives it", max_chars=MAX_CLOUD_VALUE_CHARS
    )
    status: str
    mappings: list[ImageDiskMapping]


def check_snapshots_of_source(source: Instance, snapshots: Sequence[Snapshot]) -> None:
    """Refuse snapshots of disks the source does not have."""
    disks = {d.disk_id for d in source.disks}
    foreign = [
        f"{s.snapshot_id} (of {s.source_disk_id})"
        for s in snapshots
        if s.source_disk_id not in disks
    ]
    if foreign:
        raise Refusal(
            f"{', '.join(foreign)} is not a snapshot of a disk of {source.instance_id} "
            f"(its disks: {', '.join(sorted(disks))})."
        )
