"""What the orchestration tools answer: plan_recovery's plan, and where an executed (or
resumed, or followed) recovery stands, with the table the user should see.

A recovery's result holds each fact once: the scenario's result as the journal keeps it, with
what a nested part repeats of its whole left out (`results.once`); the text shows the
comparison (Scenario A), the summary, layout and reminder (Scenario B) or a row per source (a
fleet: each source's detail is in get_operation).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field, ValidationError

from ecs_dr.domain.cleanup import CleanupRow, cleanup_markdown
from ecs_dr.domain.cloud_text import cloud_text_field, quoted, table_markdown
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

    TEXT_OMITS = frozenset({"steps", "plan", "found", "preflight", "findings"})

    def text_tables(self) -> list[str]:
        findings = grouped_findings(self.findings)
        if not self.steps:
            return [findings]
        if (self.plan or {}).get("scenario") == "fleet":
            # A row per source; every call's parameters are in `steps` and in the
            # confirmation's context.
            return [findings, fleet_plan_table(self.plan or {}, self.steps)]
        return [
            findings,
            table_markdown(
                ["Step", "Action", "Parameters", "Runs"],
                [[s.step, s.action, _parameters(s.parameters), s.runs] for s in self.steps],
            ),
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


# A fleet member's finding names its source first; what varies between sources (ids, types,
# sizes) is left out when findings are grouped.
_SOURCE_FINDING = re.compile(r"\[(i-[\w-]+)\] ")
_VARYING = re.compile(r"\b(?:i|vsw|vpc|d|s|ssg|m|sg)-[\w-]+|\becs\.[\w.-]+|\d+")


def grouped_findings(findings: Sequence[str]) -> str:
    """The preflight's findings as bullets, each quoted (they may name cloud resources). A
    finding that every other source of a fleet shares but for its ids, type or sizes is shown
    once, with how many sources it also holds for: 50 sources would repeat it 50 times."""
    groups: dict[str, list[str]] = {}
    for finding in findings:
        key = _VARYING.sub("…", _SOURCE_FINDING.sub("", finding, count=1))
        groups.setdefault(key, []).append(finding)
    lines = []
    for alike in groups.values():
        more = f" (and {len(alike) - 1} more sources alike)" if len(alike) > 1 else ""
        lines.append(f"- {quoted(alike[0])}{more}")
    return "\n".join(lines)


def fleet_plan_table(plan: Mapping[str, Any], steps: Sequence[PlanStep]) -> str:
    """A fleet plan as one row per source: its DR instance's name and type, its disks, its
    bandwidth (0 without a public IP) and how many calls it takes; a skipped source, why."""
    calls = Counter(step.step.split("/", 1)[0] for step in steps)
    rows = []
    for member in plan.get("members", []):
        run = member["instance"]["run"]
        source = member["source_instance_id"]
        rows.append(
            [
                source,
                run["instance_name"],
                run["instance_type"],
                str(1 + len(run["data_disks"])),
                str(run["internet_max_bandwidth_out"]),
                str(calls[source]),
            ]
        )
    rows += [
        [s["source_instance_id"], f"skipped: {s['reason']}", "", "", "", "0"]
        for s in plan.get("skipped", [])
    ]
    headers = ["Source", "DR instance", "Type", "Disks", "Bandwidth", "Calls"]
    return table_markdown(headers, rows)


def _parameters(parameters: Mapping[str, Any]) -> str:
    """A step's parameters in one cell: `Name=value`, nested values as JSON."""
    return ", ".join(f"{k}={_value(v)}" for k, v in parameters.items())


def _value(value: Any) -> str:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)
