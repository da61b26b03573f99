"""`drill_report`: the evidence of a recovery (a DR drill or not) an auditor asks for, its
measured RTO and RPO, read from the journal alone."""

from __future__ import annotations

from typing import Any

from ecs_dr.domain.cleanup import cleanup_markdown
from ecs_dr.domain.cloud_text import cloud_text_field, table_markdown
from ecs_dr.domain.comparison import markdown_table
from ecs_dr.domain.drill_report import gantt_markdown, timeline_markdown
from ecs_dr.tools.cleanup import journaled_cleanups
from ecs_dr.tools.common import Ctx, services, tool_errors
from ecs_dr.tools.operations import OperationIdArg
from ecs_dr.tools.results import ToolResult
from ecs_dr.workflows import drill_report as workflow
from ecs_dr.workflows.drill_report import DrillReport
from ecs_dr.workflows.journal import Journal, UnknownPlan, off_loop


class DrillReportResult(ToolResult):
    """A recovery's drill report: the text draws its timeline as a mermaid gantt."""

    # A dict in the schema: the tool list's size budget has no room for its nested models.
    report: dict[str, Any] = cloud_text_field(
        "rto_s, rpo_s, point_taken_at, timeline (each step: seconds, share_pct), comparison, "
        "sources (a fleet), cleanup; times in UTC"
    )

    TEXT_OMITS = frozenset(
        {"report.timeline", "report.comparison", "report.sources", "report.cleanup.rows"}
    )

    def text_tables(self) -> list[str]:
        r = DrillReport.model_validate(self.report)
        title = f"Recovery {self.operation_id}"
        parts = [gantt_markdown(title, r.timeline), timeline_markdown(r.timeline)]
        if r.comparison:
            parts.append(markdown_table(r.comparison))
        if r.sources:
            parts.append(_sources_markdown(r))
        if r.cleanup is not None and r.cleanup.rows:
            parts.append(cleanup_markdown(r.cleanup.rows))
        return parts


def _sources_markdown(r: DrillReport) -> str:
    return table_markdown(
        ["Source", "Status", "DR instance", "All match", "RPO (s)"],
        [
            [
                s.source_instance_id,
                s.status,
                s.dr_instance_id or "",
                "" if s.all_match is None else ("yes" if s.all_match else "NO"),
                "" if s.rpo_s is None else f"{s.rpo_s:g}",
            ]
            for s in r.sources
        ],
    )


def _read(journal: Journal, operation_id: str) -> DrillReport:
    """The report from the journal: the operation, its plan's scenario, its newest cleanup.
    A worker thread's call."""
    record = journal.get(operation_id)
    plan_id = record.arguments.get("plan_id")
    scenario = None
    if isinstance(plan_id, str):
        try:
            scenario = journal.get_plan(plan_id).scenario
        except UnknownPlan:
            scenario = None
    cleanups = journaled_cleanups(journal, operation_id) if record.cleanup else []
    return workflow.drill_report(record, scenario, cleanups[0] if cleanups else None)


async def drill_report(operation_id: OperationIdArg, ctx: Ctx) -> DrillReportResult:
    """A recovery's audit evidence: measured RTO (to the DR instance Running) with each
    step's share, RPO, a mermaid gantt timeline, the comparison and the cleanup. Read-only."""
    journal = services(ctx).journal
    with tool_errors("drill_report"):
        report = await off_loop(_read, journal, operation_id)
    return DrillReportResult(
        status="completed",
        operation_id=operation_id,
        report=report.model_dump(mode="json"),
        next_step=_next_step(operation_id, report),
    )


def _next_step(operation_id: str, report: DrillReport) -> str:
    op = operation_id
    if report.recovery_status == "running":
        return (
            f"The recovery is still running: no RTO yet. wait_operation(operation_id={op!r}) "
            "follows it; call drill_report again once it completed."
        )
    if report.rto_s is None:
        return (
            f"The recovery did not complete ({report.recovery_status}): no RTO. "
            f"get_operation(operation_id={op!r}) shows why."
        )
    if report.drill and report.cleanup is None:
        return (
            "Show the user this report (the mermaid block draws the timeline). "
            f"cleanup_recovery(operation_id={op!r}) removes the drill's resources."
        )
    return "Show the user this report (the mermaid block draws the timeline)."
