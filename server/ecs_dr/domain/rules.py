"""The runbook's rules, each once, as pure functions (ECS-FACTS.md wins where they differ).

Workflows ask these functions what to do; nothing above domain/ re-derives a rule. Each public
function has a unit test named after the rule it enforces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from ecs_dr.domain.models import (
    Disk,
    Image,
    ImageDiskMapping,
    Instance,
    InstanceTypeSpec,
    Snapshot,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.statuses import DiskStatus, InstanceStatus, SnapshotStatus

SnapshotStrategy = Literal["snapshot_group", "single_snapshot", "per_disk_snapshots"]

SYSTEM_DEVICE = "/dev/xvda"
# One snapshot-consistent group, in every region: CreateSnapshotGroup documents DiskId.N 1-16 and
# 32 TiB in all.
GROUP_MAX_DISKS = 16
GROUP_MAX_GIB = 32 * 1024
# CreateImage takes one system snapshot and at most 16 data snapshots.
MAX_IMAGE_DATA_DISKS = 16
# RunInstances and CreateDisk give cloud_essd PL1 when PerformanceLevel is omitted.
DEFAULT_PERFORMANCE_LEVEL = "PL1"
# The data disk sizes (GiB) each ESSD performance level allows (ECS-FACTS: RunInstances).
PL_SIZE_RANGES: Mapping[str, tuple[int, int]] = {
    "PL0": (1, 65536),
    "PL1": (20, 65536),
    "PL2": (461, 65536),
    "PL3": (1261, 65536),
}
PL1_MIN_GIB = PL_SIZE_RANGES["PL1"][0]
# cloud_essd_entry is sold only with these instance families.
ESSD_ENTRY_FAMILIES = frozenset({"ecs.u1", "ecs.e"})
# ECS snapshots the disks of instances in these states only, and only disks in these.
SNAPSHOTTABLE_INSTANCE_STATUSES = (InstanceStatus.RUNNING, InstanceStatus.STOPPED)
SNAPSHOTTABLE_DISK_STATUSES = (DiskStatus.IN_USE, DiskStatus.AVAILABLE)

# --- snapshots ---------------------------------------------------------------------------


def can_snapshot(instance: Instance) -> bool:
    """Only a Running or Stopped instance's disks can be snapshotted."""
    return instance.status in SNAPSHOTTABLE_INSTANCE_STATUSES


def check_snapshottable(instance: Instance, then: str) -> None:
    """Refuse an instance ECS cannot snapshot now (only Running or Stopped ones); `then` says
    what to do about it."""
    if not can_snapshot(instance):
        raise Refusal(
            f"{instance.instance_id} is {instance.status}; ECS snapshots the disks of Running or "
            f"Stopped instances only. {then}"
        )


def check_disk_snapshottable(disk: Disk) -> None:
    """Refuse a disk ECS cannot snapshot now (only In_use or Available ones)."""
    if disk.status not in SNAPSHOTTABLE_DISK_STATUSES:
        raise Refusal(
            f"{disk.disk_id} is {disk.status}; ECS snapshots disks that are In_use or Available."
        )


def group_blockers(instance: Instance) -> list[str]:
    """Why CreateSnapshotGroup would refuse this instance's disks; empty when it would not."""
    blockers = [
        f"{d.disk_id} ({d.device}) is {d.category}; a snapshot-consistent group takes only "
        "ESSD-family disks (cloud_essd, cloud_auto, cloud_essd_entry)"
        for d in instance.disks
        if not d.is_essd_family
    ]
    blockers += [
        f"{d.disk_id} ({d.device}) is a multi-attach disk, which a group cannot include"
        for d in instance.disks
        if d.multi_attach
    ]
    if len(instance.disks) > GROUP_MAX_DISKS:
        blockers.append(f"{len(instance.disks)} disks; a group holds at most {GROUP_MAX_DISKS}")
    total = sum(d.size_gib for d in instance.disks)
    if total > GROUP_MAX_GIB:
        blockers.append(f"{total} GiB in all; a group holds at most {GROUP_MAX_GIB} GiB")
    return blockers


def snapshot_strategy(instance: Instance) -> SnapshotStrategy:
    """System disk only: one snapshot. Several disks: a consistency group when ECS allows one,
    otherwise per-disk snapshots, which need the user's consent (not crash-consistent)."""
    if not instance.data_disks:
        return "single_snapshot"
    if group_blockers(instance):
        return "per_disk_snapshots"
    return "snapshot_group"


def check_snapshots_ready(snapshots: Sequence[Snapshot]) -> None:
    """CreateImage needs `accomplished` snapshots (the runbook's "in-progress is fine" is wrong).

    Raises Refusal naming every snapshot not yet accomplished.
    """
    waiting = [
        f"{s.snapshot_id} ({s.status}, {s.progress}%)"
        for s in snapshots
        if s.status != SnapshotStatus.ACCOMPLISHED
    ]
    if waiting:
        raise Refusal(
            "These snapshots are not accomplished yet: "
            + ", ".join(waiting)
            + "; wait for them (wait_operation) before creating the image."
        )


# --- image --------------------------------------------------------------------------------


def image_device(disk: Disk) -> str:
    return SYSTEM_DEVICE if disk.kind == "system" else disk.device


def image_mappings(source: Instance, snapshots: Sequence[Snapshot]) -> list[ImageDiskMapping]:
    """One mapping per source disk (system at /dev/xvda, data disks at their own devices), each
    at the source disk's size, so the image holds the whole instance.

    Raises Refusal when a disk has no snapshot (or two), or there are too many data disks.
    """
    if source.system_disk is None:
        raise Refusal(f"{source.instance_id} has no system disk; an image needs one.")
    if len(source.data_disks) > MAX_IMAGE_DATA_DISKS:
        raise Refusal(
            f"{source.instance_id} has {len(source.data_disks)} data disks; an image holds at "
            f"most {MAX_IMAGE_DATA_DISKS}."
        )
    mappings = []
    for disk in [source.system_disk, *source.data_disks]:
        found = [s for s in snapshots if s.source_disk_id == disk.disk_id]
        if len(found) != 1:
            given = ", ".join(s.snapshot_id for s in snapshots) or "none"
            raise Refusal(
                f"The {disk.kind} disk {disk.disk_id} ({disk.device}) of {source.instance_id} "
                f"has {'no snapshot' if not found else 'several snapshots'} among the "
                f"snapshots given ({given}); the image needs exactly one per disk."
            )
        mappings.append(
            ImageDiskMapping(
                device=image_device(disk),
                kind=disk.kind,
                snapshot_id=found[0].snapshot_id,
                size_gib=disk.size_gib,
            )
        )
    return mappings


def _layout(mappings: Sequence[tuple[str, str, int]]) -> str:
    return ", ".join(f"{kind} {device} {size} GiB" for device, kind, size in mappings) or "none"


def check_image_matches_source(source: Instance, image: Image) -> None:
    """An image is only used for this source when it holds exactly this source's disks.

    Raises Refusal naming the devices and sizes of both when they differ.
    """
    expected = sorted((image_device(d), d.kind, d.size_gib) for d in source.disks)
    actual = sorted((m.device, m.kind, m.size_gib) for m in image.mappings)
    if expected != actual:
        raise Refusal(
            f"The image {image.image_id} was not built from the disks of {source.instance_id}: "
            f"it holds [{_layout(actual)}], the source has [{_layout(expected)}]. Use an image "
            f"created by create_full_image for {source.instance_id}."
        )


# --- the DR instance ----------------------------------------------------------------------


def system_disk_category(instance: Instance) -> str:
    """The category of the instance's system disk (a DR copy keeps the source's): ECS says which
    data disk categories a zone sells only for a given system disk category.

    Raises Refusal for an instance listed without a system disk.
    """
    if instance.system_disk is None:
        raise Refusal(f"{instance.instance_id} has no system disk.")
    return instance.system_disk.category


def dr_bandwidth(source: Instance) -> int:
    """No public IP on the source means none on the DR copy: bandwidth 0, whatever was asked."""
    if not source.has_public_ip:
        return 0
    return source.internet_max_bandwidth_out


def instance_family(instance_type: str) -> str:
    """`ecs.g7.large` -> `ecs.g7`; `ecs.u1-c1m2.large` -> `ecs.u1`."""
    prefix, _, rest = instance_type.partition(".")
    return f"{prefix}.{rest.split('.')[0].split('-')[0]}"


def essd_entry_allowed(instance_type: str) -> bool:
    """cloud_essd_entry disks are sold only with ecs.u1 and ecs.e instance types."""
    return instance_family(instance_type) in ESSD_ENTRY_FAMILIES


def default_performance_level(size_gib: int) -> str:
    """The PL a disk gets when it becomes cloud_essd without one: ECS's PL1 when it fits."""
    return DEFAULT_PERFORMANCE_LEVEL if size_gib >= PL1_MIN_GIB else "PL0"


def performance_levels_for(size_gib: int) -> list[str]:
    """The ESSD performance levels a data disk of this size can have."""
    return [pl for pl, (low, high) in PL_SIZE_RANGES.items() if low <= size_gib <= high]


def performance_level_mismatch(category: str, performance_level: str | None) -> str | None:
    """What is wrong when a disk's PL does not go with its category (cloud_essd always carries
    its PL, so the DR copy never falls back to ECS's default; no other category takes one)."""
    if category == "cloud_essd" and performance_level is None:
        return "a cloud_essd disk needs its performance level"
    if category != "cloud_essd" and performance_level is not None:
        return "only cloud_essd takes a performance level"
    return None


def check_performance_level(level: str, size_gib: int) -> None:
    """A cloud_essd data disk's performance level must allow its size.

    Raises Refusal naming the levels that do (or the valid levels, for an unknown one).
    """
    if level not in PL_SIZE_RANGES:
        raise Refusal(
            f"{level!r} is not an ESSD performance level; valid: {', '.join(PL_SIZE_RANGES)}."
        )
    low, high = PL_SIZE_RANGES[level]
    if not low <= size_gib <= high:
        fitting = ", ".join(performance_levels_for(size_gib)) or "none"
        raise Refusal(
            f"{level} takes a disk of {low}-{high} GiB, not {size_gib} GiB; a {size_gib} GiB "
            f"cloud_essd disk can have: {fitting}."
        )


def similar_instance_types(
    source: InstanceTypeSpec, candidates: Sequence[InstanceTypeSpec], limit: int = 3
) -> list[InstanceTypeSpec]:
    """Stand-ins for an out-of-stock type: the same vCPU and memory (same family first), then
    the nearest larger; never a smaller one, since the workload was sized for the source."""
    unique = {c.instance_type: c for c in candidates if c.instance_type != source.instance_type}
    fits = [c for c in unique.values() if c.cpu >= source.cpu and c.memory_gib >= source.memory_gib]

    def key(c: InstanceTypeSpec) -> tuple[bool, float, bool, str]:
        same_size = c.cpu == source.cpu and c.memory_gib == source.memory_gib
        growth = c.cpu / max(source.cpu, 1) + c.memory_gib / max(source.memory_gib, 1.0)
        return (not same_size, growth, c.family != source.family, c.instance_type)

    return sorted(fits, key=key)[:limit]
