"""The source as describe_source reports it: every disk, and what a recovery of it will do."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.models import Instance
from ecs_dr.domain.rules import SnapshotStrategy


class SourceReport(BaseModel):
    """The source instance with every disk, and what a recovery of it will do."""

    model_config = ConfigDict(frozen=True)

    region_id: str
    instance: Instance
    has_public_ip: bool
    dr_bandwidth: int
    snapshot_strategy: SnapshotStrategy
    group_blockers: list[str]
    default_dr_name: str = cloud_text_field("recovery-<source name>, made valid for ECS")
    warnings: list[str] = cloud_text_field("what the user should know before recovering")
