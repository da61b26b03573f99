"""Is the world still the one a plan was made for? A fingerprint holds every fact of the
source (and, for Scenario B, the target) that a plan's parameters are derived from; comparing
it with one read now names each change, and a plan with changes is refused (PlanStale).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence

from pydantic import Field

from ecs_dr.domain.models import Disk, DiskKind, Frozen, Instance
from ecs_dr.domain.plans import refuse_stale_plan


class _Digested(Frozen):
    """A frozen set of facts with a short digest of them, for a plan's id and its binding."""

    @property
    def digest(self) -> str:
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class DiskFacts(Frozen):
    """What a plan binds of one disk: where it sits and what its copy keeps (category, size,
    performance level)."""

    kind: DiskKind
    device: str
    category: str
    size_gib: int
    performance_level: str | None = None


def disk_facts(disks: Sequence[Disk]) -> dict[str, DiskFacts]:
    """Disk id -> the facts a plan binds of it."""
    return {
        d.disk_id: DiskFacts(
            kind=d.kind,
            device=d.device,
            category=d.category,
            size_gib=d.size_gib,
            performance_level=d.performance_level,
        )
        for d in disks
    }


def disk_changes(who: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """Every disk gone, added or moved (disk id -> device), one named change each."""
    changes = [f"{who}{d} ({before[d]}) is gone" for d in before if d not in after]
    changes += [f"{who}{d} ({after[d]}) was added" for d in after if d not in before]
    changes += [
        f"{who}{d} moved from {before[d]} to {after[d]}"
        for d in before
        if d in after and before[d] != after[d]
    ]
    return changes


def disk_fact_changes(
    who: str, before: Mapping[str, DiskFacts], after: Mapping[str, DiskFacts]
) -> list[str]:
    """Every disk gone, added or moved, and every category, size or PL changed, one named
    change each; `who` prefixes each (the instance, when a plan has two)."""
    changes = disk_changes(
        who,
        {d: f.device for d, f in before.items()},
        {d: f.device for d, f in after.items()},
    )
    for disk_id, was in before.items():
        now = after.get(disk_id)
        if now is None:
            continue
        if was.kind != now.kind:
            changes.append(f"{who}disk {disk_id} {was.kind} disk -> {now.kind} disk")
        if was.category != now.category:
            changes.append(f"{who}disk {disk_id} category {was.category} -> {now.category}")
        if was.size_gib != now.size_gib:
            changes.append(f"{who}disk {disk_id} size {was.size_gib} -> {now.size_gib} GiB")
        if was.performance_level != now.performance_level:
            changes.append(
                f"{who}disk {disk_id} performance level {was.performance_level or 'none'} -> "
                f"{now.performance_level or 'none'}"
            )
    return changes


# --- Scenario B: the source and the target ------------------------------------------------


class Fingerprint(_Digested):
    """What a plan depends on: every source disk's facts (the new disks keep its category,
    size and PL), the target's zone (the new disks are created there) and its disks."""

    source_instance_id: str
    source_zone_id: str
    source_disks: dict[str, DiskFacts]
    target_instance_id: str
    target_zone_id: str
    target_disks: dict[str, str] = Field(description="disk id -> device")


def fingerprint(source: Instance, target: Instance, own: Collection[str] = ()) -> Fingerprint:
    """The world as a plan sees it; `own` are the disks an operation of the plan attached to
    the target itself, which are no change to it."""
    return Fingerprint(
        source_instance_id=source.instance_id,
        source_zone_id=source.zone_id,
        source_disks=disk_facts(source.disks),
        target_instance_id=target.instance_id,
        target_zone_id=target.zone_id,
        target_disks={d.disk_id: d.device for d in target.disks if d.disk_id not in own},
    )


def plan_changes(planned: Fingerprint, now: Fingerprint) -> list[str]:
    """What differs between the world a plan was made for and the world now."""
    changes = []
    if planned.source_zone_id != now.source_zone_id:
        changes.append(f"source zone {planned.source_zone_id} -> {now.source_zone_id}")
    if planned.target_zone_id != now.target_zone_id:
        changes.append(f"target zone {planned.target_zone_id} -> {now.target_zone_id}")
    changes += disk_fact_changes(
        f"{planned.source_instance_id}: ", planned.source_disks, now.source_disks
    )
    changes += disk_changes(
        f"{planned.target_instance_id}: ", planned.target_disks, now.target_disks
    )
    return changes


def check_unchanged(plan_id: str, planned: Fingerprint, now: Fingerprint) -> None:
    """Raises PlanStale naming every change when the source or target changed since
    planning."""
    refuse_stale_plan("The source or target", plan_changes(planned, now), plan_id=plan_id)


def check_unchanged_during(
    operation_id: str, planned: Fingerprint, now: Fingerprint, held_back: str
) -> None:
    """Raises PlanStale naming every change when the source or target changed while the
    plan's operation ran (or before it was resumed)."""
    refuse_stale_plan(
        "The source or target",
        plan_changes(planned, now),
        operation_id=operation_id,
        held_back=held_back,
    )


# --- Scenario A: the source -----------------------------------------------------------------


class InstanceFingerprint(_Digested):
    """Every fact of the source a full-instance plan's parameters are derived from: where it
    is, its network (VPC, VSwitch, security groups), type, billing, public bandwidth and IP,
    and each disk's device, category, size and PL. A plan holds the rules only while these
    hold."""

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


# The source's facts an InstanceFingerprint copies as they are.
_INSTANCE_FACTS = {
    "instance_type",
    "vpc_id",
    "vswitch_id",
    "security_group_ids",
    "instance_charge_type",
    "internet_charge_type",
    "internet_max_bandwidth_out",
}


def instance_fingerprint(source: Instance) -> InstanceFingerprint:
    """The facts of the source a full-instance plan binds."""
    return InstanceFingerprint(
        source_instance_id=source.instance_id,
        source_zone_id=source.zone_id,
        has_public_ip=source.has_public_ip,
        source_disks=disk_facts(source.disks),
        **source.model_dump(include=_INSTANCE_FACTS),
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
