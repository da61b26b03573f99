"""Scenario A as one plan: what a full-instance recovery depends on and how long it takes.

The plan itself (snapshots -> image -> VSwitch -> instance, each with every parameter) is
built by the workflow from the step plans of the Scenario A tools; this module holds the pure
parts: the source's fingerprint (is the world still the one planned for?) and the estimate.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from ecs_dr.domain import rules
from ecs_dr.domain.models import Disk, Image, Instance
from ecs_dr.domain.recovery import (
    DiskFacts,
    disk_fact_changes,
    disk_facts,
    pending_snapshot,
    refuse_stale_plan,
    snapshot_upload_s,
)

# What ECS users observe (cloud seconds): an image from snapshots takes a couple of minutes
# plus a little per GiB; a VSwitch is Available in seconds; an instance Running in a minute.
IMAGE_BASE_S = 120.0
IMAGE_S_PER_GIB = 0.2
VSWITCH_S = 5.0
INSTANCE_START_S = 60.0

# Shown in a plan where the id of a resource created earlier in the same operation goes.
PLANNED_IMAGE = "(the image CreateImage creates)"


class InstanceFingerprint(BaseModel):
    """Every fact of the source a full-instance plan's parameters are derived from: where it
    is, its network (VPC, VSwitch, security groups), type, billing, public bandwidth and IP,
    and each disk's device, category, size and PL. A plan holds the rules only while these
    hold."""

    model_config = ConfigDict(frozen=True)

    source_instance_id: str
    source_zone_id: str
    instance_type: str
    vpc_id: str
    vswitch_id: str
    security_group_ids: list[str]
    instance_charge_type: str
    internet_charge_type: str
    internet_max_bandwidth_out: int
    has_public_ip: bool
    source_disks: dict[str, DiskFacts]

    @property
    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def instance_fingerprint(source: Instance) -> InstanceFingerprint:
    return InstanceFingerprint(
        source_instance_id=source.instance_id,
        source_zone_id=source.zone_id,
        instance_type=source.instance_type,
        vpc_id=source.vpc_id,
        vswitch_id=source.vswitch_id,
        security_group_ids=list(source.security_group_ids),
        instance_charge_type=source.instance_charge_type,
        internet_charge_type=source.internet_charge_type,
        internet_max_bandwidth_out=source.internet_max_bandwidth_out,
        has_public_ip=source.has_public_ip,
        source_disks=disk_facts(source.disks),
    )


# Fingerprint fields compared as they are, and how a change of each is named.
_NAMED_FACTS = (
    ("source_zone_id", "zone"),
    ("instance_type", "instance type"),
    ("vpc_id", "VPC"),
    ("vswitch_id", "VSwitch"),
    ("security_group_ids", "security groups"),
    ("instance_charge_type", "InstanceChargeType"),
    ("internet_charge_type", "InternetChargeType"),
)


def _shown(value: object) -> str:
    return ", ".join(value) if isinstance(value, list) else str(value)


def _bandwidth_changes(planned: InstanceFingerprint, now: InstanceFingerprint) -> list[str]:
    """The DR copy's bandwidth follows the source's, and is 0 without a public IP."""
    before = (planned.internet_max_bandwidth_out, planned.has_public_ip)
    if before == (now.internet_max_bandwidth_out, now.has_public_ip):
        return []
    why = ""
    if planned.has_public_ip != now.has_public_ip:
        why = (
            " (the source lost its public IP)"
            if planned.has_public_ip
            else " (the source got a public IP)"
        )
    return [
        f"InternetMaxBandwidthOut {planned.internet_max_bandwidth_out} -> "
        f"{now.internet_max_bandwidth_out}{why}"
    ]


def instance_plan_changes(planned: InstanceFingerprint, now: InstanceFingerprint) -> list[str]:
    """Every fact of the source that differs from the plan's, one named change each."""
    changes = [
        f"{label} {_shown(getattr(planned, field))} -> {_shown(getattr(now, field))}"
        for field, label in _NAMED_FACTS
        if getattr(planned, field) != getattr(now, field)
    ]
    changes += _bandwidth_changes(planned, now)
    changes += disk_fact_changes("", planned.source_disks, now.source_disks)
    return changes


def check_source_unchanged(
    plan_id: str, planned: InstanceFingerprint, now: InstanceFingerprint
) -> None:
    """Raises PlanStale naming every change when the source changed since planning."""
    refuse_stale_plan(
        f"The source {planned.source_instance_id}",
        instance_plan_changes(planned, now),
        plan_id=plan_id,
    )


def check_source_unchanged_during(
    operation_id: str, planned: InstanceFingerprint, now: InstanceFingerprint, held_back: str
) -> None:
    """Raises PlanStale naming every change when the source changed while the plan's
    operation ran (or before it was resumed); `held_back` says what is not sent."""
    refuse_stale_plan(
        f"The source {planned.source_instance_id}",
        instance_plan_changes(planned, now),
        operation_id=operation_id,
        held_back=held_back,
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
