"""What the orchestration tools answer: plan_recovery's plan, and where an executed (or
resumed, or followed) recovery stands, with the table the user should see.

A recovery's result holds each fact once: the scenario's result as the journal keeps it, with
what a nested part repeats of its whole left out (`results.once`); the text shows the
comparison (Scenario A), the summary, layout and reminder (Scenario B) or a row per source (a
fleet: each source's detail is in get_operation).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pydantic import Field

from ecs_dr.domain.cleanup import CleanupRow, cleanup_markdown
from ecs_dr.domain.cloud_text import cloud_text_field, table_markdown
from ecs_dr.domain.comparison import ComparisonRow, markdown_table
from ecs_dr.domain.disk_recovery import RecoveryRow, summary_markdown
from ecs_dr.domain.disks import LayoutRow, layout_markdown
from ecs_dr.domain.fleet_recovery import FleetMemberRow, fleet_markdown
from ecs_dr.domain.plans import PlanStep
from ecs_dr.tools.results import CreateResult, plain_facts


class RecoveryPlanned(CreateResult):
    plan_id: str | None = Field(default=None, description="pass it to execute_recovery")
    steps: list[PlanStep] = Field(
        default_factory=list, description="every call with every parameter it will send"
    )
    findings: list[str] = cloud_text_field("what the preflight found", default_factory=list)
    preflight: dict[str, Any] | None = cloud_text_field("what the preflight checked", default=None)
    estimated_duration_s: float | None = Field(
        default=None, description="about how long execute_recovery takes, in seconds"
    )
    plan: dict[str, Any] | None = cloud_text_field(
        "the stored plan, as execute_recovery runs it", default=None
    )

    TEXT_OMITS = frozenset({"steps", "plan", "found", "preflight"})

    def text_tables(self) -> list[str]:
        if not self.steps:
            return []
        if (self.plan or {}).get("scenario") == "fleet":
            # A row per call of every member; their parameters are in `steps` and in the
            # confirmation's context.
            rows = [[s.step, s.action, s.runs] for s in self.steps]
            return [table_markdown(["Step", "Action", "Runs"], rows)]
        return [
            table_markdown(
                ["Step", "Action", "Parameters", "Runs"],
                [[s.step, s.action, _parameters(s.parameters), s.runs] for s in self.steps],
            )
        ]


class RecoveryExecuted(CreateResult):
    plan_id: str | None = Field(description="the plan executed; None for a step tool's operation")
    dr_instance_id: str | None = Field(
        default=None, description="full_instance: the DR instance, Running"
    )
    result: dict[str, Any] | None = cloud_text_field(
        "the scenario's result (a fleet's: every source's, in members)", default=None
    )
    step_result: dict[str, Any] | None = cloud_text_field(
        "a resumed step tool's result, shaped as that tool's result", default=None
    )

    TEXT_OMITS = frozenset({"result", "step_result", "found"})

    def text_tables(self) -> list[str]:
        return recovery_tables(self.result or self.step_result)


def recovery_tables(result: Mapping[str, Any] | None) -> list[str]:
    """A finished operation's result as the user should see it: its plain facts, then its
    scenario's tables."""
    if not result:
        return []
    shown = [plain_facts({k: v for k, v in result.items() if k != "reminder"})]
    if "members" in result:
        shown.append(fleet_markdown([FleetMemberRow.model_validate(r) for r in result["rows"]]))
    elif "layout" in result:
        if "rows" in result:
            shown.append(summary_markdown([RecoveryRow.model_validate(r) for r in result["rows"]]))
        shown.append(layout_markdown([LayoutRow.model_validate(r) for r in result["layout"]]))
        shown.append(str(result.get("reminder", "")))
    elif "comparison" in result:
        shown.append(
            markdown_table([ComparisonRow.model_validate(r) for r in result["comparison"]])
        )
    elif "deleted" in result and "rows" in result:
        shown.append(cleanup_markdown([CleanupRow.model_validate(r) for r in result["rows"]]))
    return [part for part in shown if part]


def _parameters(parameters: Mapping[str, Any]) -> str:
    """A step's parameters in one cell: `Name=value`, nested values as JSON."""
    return ", ".join(f"{k}={_value(v)}" for k, v in parameters.items())


def _value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
