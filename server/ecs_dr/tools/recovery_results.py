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

from pydantic import Field, ValidationError

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
    scenario's tables. A result whose rows do not read as this version's (one an earlier
    version journaled) shows its facts only: the structured content still holds it whole."""
    if not result:
        return []
    facts = plain_facts({k: v for k, v in result.items() if k != "reminder"})
    try:
        tables = _scenario_tables(result)
    except (KeyError, ValidationError):
        tables = []
    return [part for part in (facts, *tables) if part]


def _scenario_tables(result: Mapping[str, Any]) -> list[str]:
    if "members" in result:
        return [fleet_markdown([FleetMemberRow.model_validate(r) for r in result["rows"]])]
    if "layout" in result:
        summary = [RecoveryRow.model_validate(r) for r in result.get("rows", [])]
        return [
            summary_markdown(summary) if summary else "",
            layout_markdown([LayoutRow.model_validate(r) for r in result["layout"]]),
            str(result.get("reminder", "")),
        ]
    if "comparison" in result:
        return [markdown_table([ComparisonRow.model_validate(r) for r in result["comparison"]])]
    if "deleted" in result and "rows" in result:
        return [cleanup_markdown([CleanupRow.model_validate(r) for r in result["rows"]])]
    return []


def _parameters(parameters: Mapping[str, Any]) -> str:
    """A step's parameters in one cell: `Name=value`, nested values as JSON."""
    return ", ".join(f"{k}={_value(v)}" for k, v in parameters.items())


def _value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
