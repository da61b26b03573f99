"""The DR instance as a plan and a result: RunInstances from the recovery image in the target
zone (after CreateVSwitch when the user chose that), and the source-vs-DR comparison that
shows every rule held."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from ecs_dr.domain.comparison import ComparisonRow, markdown_table
from ecs_dr.domain.models import Frozen, Instance
from ecs_dr.domain.run_instances import RunInstancesPlan
from ecs_dr.domain.vswitches import VSwitchPlan

# Shown in place of the VSwitchId that CreateVSwitch will return.
NEW_VSWITCH = "<the VSwitch CreateVSwitch creates>"


class DrInstancePlan(Frozen):
    """RunInstances for the DR copy, preceded by CreateVSwitch when the user chose that."""

    source_instance_id: str
    image_id: str
    run: RunInstancesPlan
    create_vswitch: VSwitchPlan | None = None
    compare_with: Instance | None = Field(
        default=None,
        description="the source the DR instance is compared with: as a recovery point holds it "
        "(ECS may not answer for the source, and the point may lack a disk it has now), or as "
        "read right before RunInstances",
    )

    @property
    def region_id(self) -> str:
        return self.run.region_id

    action: ClassVar[str] = "RunInstances"

    def parameters(self) -> dict[str, Any]:
        params: dict[str, Any] = dict(self.run.parameters())
        if self.create_vswitch is not None:
            params["VSwitchId"] = NEW_VSWITCH
            params["CreateVSwitch"] = self.create_vswitch.parameters()
        return params


class DrInstanceResult(Frozen):
    """The DR instance, Running, and how it compares with the source."""

    region_id: str
    source_instance_id: str
    dr_instance_id: str
    image_id: str
    vswitch_id: str
    created_vswitch_id: str | None
    instance: Instance
    comparison: list[ComparisonRow]
    all_match: bool

    @property
    def markdown(self) -> str:
        """The comparison as a markdown table, cells escaped."""
        return markdown_table(self.comparison)


class Verification(Frozen):
    """The source-vs-DR comparison, read again now."""

    region_id: str
    source_instance_id: str
    dr_instance_id: str
    image_id: str
    comparison: list[ComparisonRow]
    all_match: bool

    @property
    def markdown(self) -> str:
        """The comparison as a markdown table, cells escaped."""
        return markdown_table(self.comparison)
