"""The source as describe_source reports it: every disk, and what a recovery of it will do."""

from __future__ import annotations

from ecs_dr.domain import names, rules
from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.models import Frozen, Instance
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.rules import SnapshotStrategy


class SourceReport(Frozen):
    """The source instance with every disk, and what a recovery of it will do."""

    region_id: str
    instance: Instance
    has_public_ip: bool
    dr_bandwidth: int
    snapshot_strategy: SnapshotStrategy
    group_blockers: list[str]
    default_dr_name: str = cloud_text_field("recovery-<source name>, made valid for ECS")
    warnings: list[str] = cloud_text_field("what the user should know before recovering")


def source_report(region_id: str, source: Instance) -> SourceReport:
    """What the recovery inherits from the source, and a warning for each rule that will bite."""
    warnings = []
    try:
        default_name = names.dr_instance_name(source, None)
    except Refusal as error:
        default_name = ""
        warnings.append(str(error))
    if not source.has_public_ip:
        warnings.append(
            "The source has no public IP: the DR instance gets InternetMaxBandwidthOut=0 and "
            "no public IP, whatever is asked."
        )
    strategy = rules.snapshot_strategy(source)
    blockers = rules.group_blockers(source)
    if strategy == "per_disk_snapshots":
        warnings.append(
            "A snapshot-consistent group is impossible ("
            + "; ".join(blockers)
            + "). Per-disk snapshots need your consent: they are not crash-consistent "
            "across disks."
        )
    if not rules.can_snapshot(source):
        warnings.append(
            f"The source is {source.status}; ECS snapshots disks of Running or Stopped "
            "instances only."
        )
    if source.instance_charge_type == "PrePaid":
        warnings.append(
            "The source is PrePaid (subscription): the DR instance is PrePaid too and is "
            "billed for its term from the moment it is created."
        )
    return SourceReport(
        region_id=region_id,
        instance=source,
        has_public_ip=source.has_public_ip,
        dr_bandwidth=rules.dr_bandwidth(source),
        snapshot_strategy=strategy,
        group_blockers=blockers,
        default_dr_name=default_name,
        warnings=warnings,
    )
