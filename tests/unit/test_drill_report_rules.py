"""The drill report's rules on virtual times: RTO, each step's share, RPO, the gantt text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ecs_dr.domain.drill_report import (
    PREFLIGHT,
    StepTime,
    TimelineEntry,
    gantt_markdown,
    gantt_task_name,
    point_taken_at,
    rpo_s,
    rto_s,
    share_pct,
    timeline,
)

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def step(name: str, action: str, start: float, answered: float | None) -> StepTime:
    return StepTime(
        step=name,
        action=action,
        resource_id=f"r-{name}",
        started_at=at(start),
        finished_at=None if answered is None else at(answered),
    )


SCENARIO_A = [
    step("create_snapshot_group", "CreateSnapshotGroup", 2, 3),
    step("create_image", "CreateImage", 302, 303),
    step("run_instances", "RunInstances", 602, 603),
]


def test_rto_is_the_seconds_from_the_recovery_start_to_its_end() -> None:
    assert rto_s(at(0), at(660.5)) == 660.5


def test_rto_is_never_negative() -> None:
    assert rto_s(at(10), at(0)) == 0.0


def test_rpo_is_the_points_age_when_the_recovery_started() -> None:
    assert rpo_s(point_taken_at=at(-3600), recovery_started_at=at(0)) == 3600.0


def test_rpo_is_zero_for_a_point_taken_during_the_recovery() -> None:
    assert rpo_s(point_taken_at=at(3), recovery_started_at=at(0)) == 0.0


def test_the_point_of_a_recovery_that_snapshots_its_source_is_the_first_snapshots_answer() -> None:
    assert point_taken_at(SCENARIO_A) == at(3)


def test_no_point_before_the_snapshot_create_answered() -> None:
    assert point_taken_at([step("create_snapshot_group", "CreateSnapshotGroup", 2, None)]) is None


def test_a_step_lasts_until_the_next_step_began_and_the_last_until_the_end() -> None:
    entries = timeline(SCENARIO_A, at(0), at(660), rto=660)

    assert [e.step for e in entries] == [PREFLIGHT, *(s.step for s in SCENARIO_A)]
    assert [e.seconds for e in entries] == [2, 300, 300, 58]


def test_the_shares_of_a_single_recovery_sum_to_a_hundred_percent() -> None:
    entries = timeline(SCENARIO_A, at(0), at(660), rto=660)

    assert abs(sum(e.share_pct or 0 for e in entries) - 100) < 0.5


def test_no_share_without_an_rto() -> None:
    assert share_pct(30, None) is None
    assert all(e.share_pct is None for e in timeline(SCENARIO_A, at(0), at(603), rto=None))


def test_a_fleets_steps_last_until_the_next_step_of_the_same_source() -> None:
    fleet = [
        step("i-a/create_snapshot_group", "CreateSnapshotGroup", 1, 2),
        step("i-b/create_snapshot_group", "CreateSnapshotGroup", 1, 2),
        step("i-a/create_image", "CreateImage", 100, 101),
        step("i-b/create_image", "CreateImage", 150, 151),
    ]

    entries = timeline(fleet, at(0), at(400), rto=400)

    spans = {e.step: e.seconds for e in entries}
    assert spans["i-a/create_snapshot_group"] == 99
    assert spans["i-b/create_snapshot_group"] == 149
    assert {e.lane for e in entries if e.step != PREFLIGHT} == {"i-a", "i-b"}


def test_a_step_still_waited_for_lasts_at_least_until_its_answer() -> None:
    (only,) = timeline([step("create_image", "CreateImage", 0, 5)], at(0), at(1), rto=None)

    assert only.seconds == 5


def test_the_gantt_is_a_mermaid_block_with_second_level_times_and_a_task_per_entry() -> None:
    entries = timeline(SCENARIO_A, at(0), at(660), rto=660)

    lines = gantt_markdown("Recovery op-1", entries).splitlines()

    assert lines[:2] == ["```mermaid", "gantt"]
    assert "    dateFormat YYYY-MM-DD HH:mm:ss" in lines
    assert "    axisFormat %H:%M:%S" in lines
    assert lines[-1] == "```"
    tasks = [line for line in lines if " :2026-" in line]
    assert len(tasks) == len(entries)
    assert tasks[1] == (
        "    create_snapshot_group (CreateSnapshotGroup) :2026-12-06 09:00:02, 2026-12-06 09:05:02"
    )


def test_a_fleets_gantt_has_a_section_per_source() -> None:
    fleet = [
        step("i-a/run_instances", "RunInstances", 1, 2),
        step("i-b/run_instances", "RunInstances", 1, 2),
    ]

    text = gantt_markdown("Fleet", timeline(fleet, at(1), at(60), rto=59))

    assert "    section i-a" in text and "    section i-b" in text


def test_a_task_name_loses_the_characters_mermaid_breaks_on() -> None:
    entry = TimelineEntry(
        step='i-a/image#2: "x";y',
        lane="i-a",
        action="CreateImage",
        resource_id=None,
        started_at=at(0),
        ended_at=at(1),
        seconds=1,
        share_pct=None,
    )

    name = gantt_task_name(entry)

    assert not set(name) & set(':#;"')
    assert name.startswith("image 2")
