"""Scenario A as one plan: what a full-instance recovery depends on and how long it takes.

The plan itself (snapshots -> image -> VSwitch -> instance, each with every parameter) is
built by the workflow from the step plans of the Scenario A tools; this module holds the pure
parts: the source's fingerprint (is the world still the one planned for?) and the estimate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.domain import rules
from ecs_dr.domain.models import Disk, Image, Instance
from ecs_dr.domain.recovery import pending_snapshot, snapshot_upload_s

# What ECS users observe (cloud seconds): an image from snapshots takes a couple of minutes
# plus a little per GiB; a VSwitch is Available in seconds; an instance Running in a minute.
IMAGE_BASE_S = 120.0
IMAGE_S_PER_GIB = 0.2
VSWITCH_S = 5.0
INSTANCE_START_S = 60.0

# Shown in a plan where the id of a resource created earlier in the same operation goes.
PLANNED_IMAGE = "(the image CreateImage creates)"


class InstanceFingerprint(BaseModel):
    """What a full-instance plan depends on: the source's zone, type and disks."""

    model_config = ConfigDict(frozen=True)

    source_instance_id: str
    source_zone_id: str
    instance_type: str
    source_disks: dict[str, str] = Field(description="disk id -> device")

    @property
    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def instance_fingerprint(source: Instance) -> InstanceFingerprint:
    return InstanceFingerprint(
        source_instance_id=source.instance_id,
        source_zone_id=source.zone_id,
        instance_type=source.instance_type,
        source_disks={d.disk_id: d.device for d in source.disks},
    )


def instance_plan_changes(planned: InstanceFingerprint, now: InstanceFingerprint) -> list[str]:
    """What differs between the source a plan was made for and the source now."""
    changes = []
    if planned.source_zone_id != now.source_zone_id:
        changes.append(f"zone {planned.source_zone_id} -> {now.source_zone_id}")
    if planned.instance_type != now.instance_type:
        changes.append(f"instance type {planned.instance_type} -> {now.instance_type}")
    before, after = planned.source_disks, now.source_disks
    changes += [f"{d} ({before[d]}) is gone" for d in before if d not in after]
    changes += [f"{d} ({after[d]}) was added" for d in after if d not in before]
    changes += [
        f"{d} moved from {before[d]} to {after[d]}"
        for d in before
        if d in after and before[d] != after[d]
    ]
    return changes


def check_source_unchanged(
    plan_id: str, planned: InstanceFingerprint, now: InstanceFingerprint
) -> None:
    """Raises ValueError naming every change when the source changed since planning."""
    changes = instance_plan_changes(planned, now)
    if changes:
        raise ValueError(
            f"The source {planned.source_instance_id} changed since {plan_id} was made "
            f"({'; '.join(changes)}); it is not executed. Call plan_recovery again for a plan "
            "of what is there now."
        )


class DurationEstimate(BaseModel):
    """Cloud seconds per phase of a full-instance recovery, in the order they run."""

    model_config = ConfigDict(frozen=True)

    snapshots_s: float
    image_s: float
    vswitch_s: float
    instance_s: float

    @property
    def total_s(self) -> float:
        return self.snapshots_s + self.image_s + self.vswitch_s + self.instance_s


def estimated_duration(disks: Sequence[Disk], *, create_vswitch: bool) -> DurationEstimate:
    """Snapshots of every disk together (the slowest upload: a group's snapshots, like
    per-disk ones, upload concurrently), then the image of every disk, the VSwitch when one is
    created, and the instance until Running."""
    return DurationEstimate(
        snapshots_s=max((snapshot_upload_s(d) for d in disks), default=0.0),
        image_s=IMAGE_BASE_S + IMAGE_S_PER_GIB * sum(d.size_gib for d in disks),
        vswitch_s=VSWITCH_S if create_vswitch else 0.0,
        instance_s=INSTANCE_START_S,
    )


def planned_image(source: Instance, name: str) -> Image:
    """The image a plan will create, before it exists: every disk of the source at its device,
    each from the snapshot the plan takes of it (a placeholder id until then)."""
    snapshots = [pending_snapshot(d) for d in source.disks]
    return Image(
        image_id=PLANNED_IMAGE,
        name=name,
        status="Planned",
        progress=0,
        mappings=rules.image_mappings(source, snapshots),
    )


def mapping_disks(source: Instance) -> dict[str, str]:
    """Image device -> the source disk whose snapshot goes there (system at /dev/xvda)."""
    system = source.system_disk
    ordered = [*([system] if system else []), *source.data_disks]
    mappings = rules.image_mappings(source, [pending_snapshot(d) for d in source.disks])
    return {m.device: d.disk_id for m, d in zip(mappings, ordered, strict=True)}
