"""A recovery's drill report, as auditors ask for it: the measured RTO (from the start of the
recovery to its end) and each step's share of it, the RPO (how old the recovery point was when
the recovery started), and the steps as a timeline a markdown viewer draws (a mermaid gantt).

Pure rules over times the journal recorded: no clock is read, so tests give virtual times.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import Field

from ecs_dr.domain.cloud_text import table_markdown
from ecs_dr.domain.models import Frozen

PREFLIGHT = "preflight"
"""The timeline's first entry: the recovery's reads before its first create (the source read
again, the plan checked)."""

SNAPSHOT_ACTIONS = frozenset({"CreateSnapshotGroup", "CreateSnapshot"})
"""The creates that take a recovery point of the source during the recovery itself."""

# Mermaid ends a task's name at ':' and its data at '#' or ';': a name keeps only safe
# characters.
_UNSAFE_IN_TASK = re.compile(r"[^\w .()/@-]")
_GANTT_TIME = "%Y-%m-%d %H:%M:%S"


class StepTime(Frozen):
    """One journaled create step, as the report reads it."""

    step: str
    action: str
    resource_id: str | None
    started_at: datetime
    finished_at: datetime | None


class TimelineEntry(Frozen):
    """One bar of the timeline: a step from its create call until the next step of the same
    source began (its wait until ready included); the last until the recovery's end."""

    step: str = Field(description="the journal's step name; `preflight` for the reads first")
    lane: str = Field(description="the source (a fleet's member) or shared scope; '' for one")
    action: str
    resource_id: str | None
    started_at: datetime
    ended_at: datetime
    seconds: float
    share_pct: float | None = Field(description="its share of the RTO; null without an RTO")


def lane_of(step: str) -> str:
    """A fleet's step is named `<source or shared scope>/<step>`; a single recovery's has no
    lane."""
    return step.split("/", 1)[0] if "/" in step else ""


def rto_s(started_at: datetime, ended_at: datetime) -> float:
    """The measured RTO: seconds from the recovery's start to its end, to the millisecond
    (never negative)."""
    return round(max(0.0, (ended_at - started_at).total_seconds()), 3)


def rpo_s(point_taken_at: datetime, recovery_started_at: datetime) -> float:
    """The RPO: the recovery point's age when the recovery started. A point taken during the
    recovery (it snapshotted the source itself) loses nothing: 0."""
    return round(max(0.0, (recovery_started_at - point_taken_at).total_seconds()), 3)


def share_pct(seconds: float, rto: float | None) -> float | None:
    """A step's share of the RTO, in percent to one decimal; null without an RTO."""
    if not rto:
        return None
    return round(100 * seconds / rto, 1)


def point_taken_at(steps: Sequence[StepTime]) -> datetime | None:
    """When a recovery that snapshots its source took its point: ECS's answer to the first
    snapshot create. None before that answer."""
    return next(
        (s.finished_at for s in steps if s.action in SNAPSHOT_ACTIONS and s.finished_at),
        None,
    )


def timeline(
    steps: Sequence[StepTime], started_at: datetime, ended_at: datetime, rto: float | None
) -> list[TimelineEntry]:
    """The preflight (start to the first create), then each step until the next step of its
    lane began, the last of a lane until `ended_at`: one lane covers the recovery end to end,
    so a single recovery's shares sum to 100%."""
    entries: list[TimelineEntry] = []
    if steps and steps[0].started_at > started_at:
        preflight = StepTime(
            step=PREFLIGHT, action="", resource_id=None, started_at=started_at, finished_at=None
        )
        entries.append(_entry(preflight, steps[0].started_at, rto))
    for i, step in enumerate(steps):
        lane = lane_of(step.step)
        following = (s.started_at for s in steps[i + 1 :] if lane_of(s.step) == lane)
        end = max(next(following, ended_at), step.finished_at or step.started_at)
        entries.append(_entry(step, end, rto))
    return entries


def _entry(step: StepTime, end: datetime, rto: float | None) -> TimelineEntry:
    seconds = rto_s(step.started_at, end)
    return TimelineEntry(
        **step.model_dump(exclude={"finished_at"}),
        lane=lane_of(step.step),
        ended_at=end,
        seconds=seconds,
        share_pct=share_pct(seconds, rto),
    )


def gantt_task_name(entry: TimelineEntry) -> str:
    """The bar's label: the step and its action, with the characters mermaid breaks on
    (':', '#', ';', quotes...) replaced by spaces."""
    step = entry.step.split("/", 1)[1] if entry.lane else entry.step
    label = f"{step} ({entry.action})" if entry.action else step
    return _UNSAFE_IN_TASK.sub(" ", label).strip() or "step"


def gantt_markdown(title: str, entries: Sequence[TimelineEntry]) -> str:
    """The timeline as a fenced mermaid `gantt` block: UTC times to the second, one task line
    per entry, a section per lane (a fleet's source)."""
    lines = [
        "```mermaid",
        "gantt",
        f"    title {_UNSAFE_IN_TASK.sub(' ', title)}",
        "    dateFormat YYYY-MM-DD HH:mm:ss",
        "    axisFormat %H:%M:%S",
    ]
    section: str | None = None
    for entry in entries:
        lane = entry.lane or "recovery"
        if lane != section:
            lines.append(f"    section {_UNSAFE_IN_TASK.sub(' ', lane)}")
            section = lane
        start, end = _gantt_time(entry.started_at), _gantt_time(entry.ended_at)
        lines.append(f"    {gantt_task_name(entry)} :{start}, {end}")
    lines.append("```")
    return "\n".join(lines)


def _gantt_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime(_GANTT_TIME)


def timeline_markdown(entries: Sequence[TimelineEntry]) -> str:
    """The timeline as a table: each step's start, length and share of the RTO."""
    headers = ["Step", "Action", "Resource", "Started (UTC)", "Seconds", "Share"]
    return table_markdown(headers, [_timeline_cells(e) for e in entries])


def _timeline_cells(e: TimelineEntry) -> list[str]:
    share = "" if e.share_pct is None else f"{e.share_pct:g}%"
    return [
        e.step,
        e.action,
        e.resource_id or "",
        _gantt_time(e.started_at),
        f"{e.seconds:g}",
        share,
    ]
