"""The drill report of one recovery operation, read from the journal alone (no cloud call):
when it started and ended, its RTO and RPO, its steps as a timeline, its comparison (or a row
per source of a fleet) and its cleanup.

The journal holds no time for "the DR instance is Running": an execute_recovery operation
finishes once its DR instance is Running and compared, so its finish (`finished_at`, which a
cleanup leaves as it was) is the end the RTO is measured to. An operation journaled before
`finished_at` existed and cleaned up since has only its last create's answer (the report says
which)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, ValidationError

from ecs_dr.domain.cleanup import CleanupRow
from ecs_dr.domain.comparison import ComparisonRow
from ecs_dr.domain.drill_report import (
    StepTime,
    TimelineEntry,
    lane_of,
    point_taken_at,
    rpo_s,
    rto_s,
    timeline,
)
from ecs_dr.domain.fleet_recovery import FleetMemberRow
from ecs_dr.domain.models import Frozen
from ecs_dr.domain.point_recovery import PointUse
from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows.journal import OperationRecord

RECOVERY_KIND = "execute_recovery"
_Row = TypeVar("_Row", bound=BaseModel)

EndedBy = Literal["finish", "last_create", "running"]


class SourceReport(Frozen):
    """One source of a fleet: where its recovery stands, its point and its RPO."""

    source_instance_id: str
    status: str
    dr_instance_id: str | None
    all_match: bool | None
    point_taken_at: datetime | None
    rpo_s: float | None


_SOURCE_FIELDS = {"source_instance_id", "status", "dr_instance_id", "all_match"}


class CleanupReport(Frozen):
    """The cleanup_recovery operation of this recovery and what it did to each resource."""

    cleanup_operation_id: str
    status: str
    rows: list[CleanupRow] = Field(default_factory=list)


class DrillReport(Frozen):
    """A recovery's measured RTO and RPO, its timeline, its comparison and its cleanup."""

    recovery_status: str = Field(description="the operation's status in the journal")
    scenario: str | None
    drill: bool | None
    started_at: datetime = Field(description="execute_recovery's start: the RTO's start")
    ended_at: datetime | None = Field(description="the end the RTO is measured to")
    ended_by: EndedBy = Field(
        description="finish: the recovery's finish (its DR instance Running and compared); "
        "last_create: its last create's answer (an operation journaled before its finish time "
        "was kept, cleaned up since: the wait after it is not counted); running: not ended, the "
        "times are those so far"
    )
    rto_s: float | None = Field(description="measured RTO in seconds; null unless it completed")
    point_taken_at: datetime | None = Field(
        description="the recovery point's time (a snapshot the recovery took: then RPO is 0)"
    )
    rpo_s: float | None = Field(
        description="the point's age when the recovery started (a fleet: its oldest source's)"
    )
    timeline: list[TimelineEntry]
    comparison: list[ComparisonRow] = Field(
        default_factory=list, description="Scenario A: source vs DR, every row"
    )
    sources: list[SourceReport] = Field(default_factory=list, description="a fleet: per source")
    cleanup: CleanupReport | None = None


def require_recovery(record: OperationRecord) -> None:
    """Raises Refusal for an operation that is not a recovery (a step tool's, a cleanup)."""
    if record.kind != RECOVERY_KIND:
        op = record.operation_id
        raise Refusal(
            f"operation {op} is a {record.kind} operation, not a recovery: drill_report reads "
            f"execute_recovery operations; get_operation(operation_id={op!r}) shows this one."
        )


def step_times(record: OperationRecord) -> list[StepTime]:
    fields = set(StepTime.model_fields)
    return [StepTime.model_validate(s.model_dump(include=fields)) for s in record.steps]


def recovery_end(record: OperationRecord, steps: Sequence[StepTime]) -> tuple[datetime, EndedBy]:
    """The end the RTO is measured to, and which end it is (see the module's docstring)."""
    if record.finished_at is not None:
        return record.finished_at, "finish"
    if record.status in ("completed", "failed", "cancelled"):
        return record.updated_at, "finish"
    times = [t for s in steps for t in (s.started_at, s.finished_at) if t is not None]
    last = max(times, default=record.created_at)
    return last, "running" if record.status == "running" else "last_create"


def measured_rto_s(record: OperationRecord) -> float | None:
    """A completed recovery's RTO, however it ended later (cleaned up); null otherwise."""
    if record.kind != RECOVERY_KIND or _ended_as(record) != "completed":
        return None
    ended_at, _ = recovery_end(record, step_times(record))
    return rto_s(record.created_at, ended_at)


def measured_rpo_s(record: OperationRecord) -> float | None:
    """A recovery's RPO (a fleet's oldest source's), once its point is taken; null otherwise."""
    if record.kind != RECOVERY_KIND:
        return None
    points = _points(record.created_at, step_times(record), record.result or {})
    ages = [age for _, age in points.values()]
    return max((a for a in ages if a is not None), default=None)


def drill_report(
    record: OperationRecord, scenario: str | None, cleanup: OperationRecord | None
) -> DrillReport:
    """The report of a recovery as the journal holds it; a running or failed one shows what
    it has (its steps so far, no RTO). Raises Refusal for an operation that is no recovery."""
    require_recovery(record)
    steps = step_times(record)
    ended_at, ended_by = recovery_end(record, steps)
    completed = _ended_as(record) == "completed"
    rto = rto_s(record.created_at, ended_at) if completed else None
    result = record.result or {}
    points = _points(record.created_at, steps, result)
    oldest = max(points.values(), key=lambda p: p[1] or 0.0, default=(None, None))
    return DrillReport(
        recovery_status=record.status,
        scenario=scenario,
        drill=result.get("drill"),
        started_at=record.created_at,
        ended_at=None if ended_by == "running" else ended_at,
        ended_by=ended_by,
        rto_s=rto,
        point_taken_at=oldest[0],
        rpo_s=oldest[1],
        timeline=timeline(steps, record.created_at, ended_at, rto),
        comparison=_rows(ComparisonRow, result.get("comparison")),
        sources=_sources(result, points),
        cleanup=_cleanup_report(cleanup),
    )


def _ended_as(record: OperationRecord) -> str:
    """How the recovery itself ended: a cleanup keeps the status it had before."""
    if record.status in ("cleaning_up", "cleaned_up"):
        return str((record.cleanup or {}).get("previous_status") or "completed")
    return record.status


def _points(
    started_at: datetime, steps: Sequence[StepTime], result: Mapping[str, Any]
) -> dict[str, tuple[datetime | None, float | None]]:
    """Each lane's (a fleet's source's) recovery point time and RPO: its first snapshot's, or
    for a recovery from a recovery point (no snapshot step), that point's."""
    lanes: dict[str, list[StepTime]] = {}
    for step in steps:
        lanes.setdefault(lane_of(step.step), []).append(step)
    points: dict[str, tuple[datetime | None, float | None]] = {}
    for lane, lane_steps in lanes.items():
        taken = point_taken_at(lane_steps)
        if taken is not None:
            points[lane] = (taken, rpo_s(taken, started_at))
    for lane, point in _recovery_points(result).items():
        points.setdefault(lane, (point.taken_at, point.rpo_s))
    return points


def _recovery_points(result: Mapping[str, Any]) -> dict[str, PointUse]:
    """lane -> the recovery point a recovery started from, its RPO measured when it started
    (a completed recovery's result names it; a fleet's members each their own)."""
    fleet = "members" in result
    lanes = {}
    members = (result.get("members") or []) if fleet else [result]
    for member in members:
        try:
            point = PointUse.model_validate(member.get("recovery_point"))
        except ValidationError:
            continue
        lanes[str(member.get("source_instance_id", "")) if fleet else ""] = point
    return lanes


def _sources(
    result: Mapping[str, Any], points: Mapping[str, tuple[datetime | None, float | None]]
) -> list[SourceReport]:
    rows = _rows(FleetMemberRow, result.get("rows") if "members" in result else None)
    reports = []
    for row in rows:
        taken, rpo = points.get(row.source_instance_id, (None, None))
        shown = row.model_dump(include=_SOURCE_FIELDS)
        reports.append(SourceReport(**shown, point_taken_at=taken, rpo_s=rpo))
    return reports


def _cleanup_report(cleanup: OperationRecord | None) -> CleanupReport | None:
    if cleanup is None:
        return None
    return CleanupReport(
        cleanup_operation_id=cleanup.operation_id,
        status=cleanup.status,
        rows=_rows(CleanupRow, (cleanup.result or {}).get("rows")),
    )


def _rows(model: type[_Row], rows: Any) -> list[_Row]:
    """The rows as this version reads them; none for rows an earlier version journaled."""
    try:
        return [model.model_validate(r) for r in rows or []]
    except ValidationError:
        return []
