"""The drill report read from a journal on a virtual clock: what a completed, running, failed
or cleaned-up recovery reports, and which operations are no recovery."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows.drill_report import drill_report, measured_rpo_s, measured_rto_s
from ecs_dr.workflows.journal import Journal, LeaseOwner
from tests.support.workflows import Clock

REGION = "cn-hangzhou"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journal(tmp_path: Path, clock: Clock) -> Journal:
    return Journal(tmp_path / "journal.sqlite3", clock=clock)


def recovery_up_to_run(journal: Journal, clock: Clock) -> str:
    """A Scenario A recovery whose three creates answered: snapshot at 2 s, image at 300 s,
    RunInstances at 600 s."""
    op = journal.create_operation("execute_recovery", REGION, {"plan_id": "plan-1"})
    for at, (name, action, resource) in zip(
        (2, 298, 300),
        (
            ("create_snapshot_group", "CreateSnapshotGroup", "ssg-1"),
            ("create_image", "CreateImage", "m-1"),
            ("run_instances", "RunInstances", "i-dr"),
        ),
        strict=True,
    ):
        clock.advance(at)
        journal.record_intent(op, name, action, f"tok-{name}", {})
        journal.record_created(op, name, resource)
    return op


def test_a_completed_recovery_is_measured_to_its_finish(journal: Journal, clock: Clock) -> None:
    op = recovery_up_to_run(journal, clock)
    clock.advance(60)
    journal.finish(op, "completed", {"drill": True, "comparison": []})

    report = drill_report(journal.get(op), "full_instance", None)

    assert (report.rto_s, report.ended_by, report.rpo_s) == (660.0, "finish", 0.0)
    assert report.point_taken_at == datetime(2026, 3, 1, 3, 0, 2, tzinfo=UTC)
    assert report.timeline[-1].seconds == 60
    assert measured_rto_s(journal.get(op)) == 660.0
    assert measured_rpo_s(journal.get(op)) == 0.0


def test_a_running_recovery_reports_its_steps_so_far_and_no_rto(
    journal: Journal, clock: Clock
) -> None:
    op = recovery_up_to_run(journal, clock)

    report = drill_report(journal.get(op), "full_instance", None)

    assert (report.rto_s, report.ended_at, report.ended_by) == (None, None, "running")
    assert [e.step for e in report.timeline][-1] == "run_instances"
    assert measured_rto_s(journal.get(op)) is None


def test_a_failed_recovery_reports_how_long_it_ran_and_no_rto(
    journal: Journal, clock: Clock
) -> None:
    op = recovery_up_to_run(journal, clock)
    clock.advance(30)
    journal.finish(op, "failed", error="RunInstances failed")

    report = drill_report(journal.get(op), "full_instance", None)

    assert report.rto_s is None and report.ended_by == "finish"
    assert report.ended_at == datetime(2026, 3, 1, 3, 10, 30, tzinfo=UTC)


def test_a_cleaned_up_recovery_is_still_measured_to_its_finish(
    journal: Journal, clock: Clock
) -> None:
    op = recovery_up_to_run(journal, clock)
    clock.advance(60)
    journal.finish(op, "completed", {"drill": True})
    clock.advance(600)
    journal.claim_cleanup(op, "op-cleanup", LeaseOwner.of_this_process())

    report = drill_report(journal.get(op), "full_instance", None)

    # The cleanup moved updated_at on; the finish time stays what it was.
    assert (report.rto_s, report.ended_by) == (660.0, "finish")
    assert journal.get(op).finished_at == report.ended_at


def test_an_operation_that_is_no_recovery_is_refused(journal: Journal) -> None:
    op = journal.create_operation("create_snapshot_group", REGION, {})

    with pytest.raises(Refusal, match="not a recovery"):
        drill_report(journal.get(op), None, None)
    assert measured_rto_s(journal.get(op)) is None


def test_a_fleet_reports_a_row_per_source_and_its_oldest_sources_rpo(
    journal: Journal, clock: Clock
) -> None:
    op = journal.create_operation("execute_recovery", REGION, {"plan_id": "plan-2"})
    for source in ("i-a", "i-b"):
        clock.advance(1)
        name = f"{source}/create_snapshot_group"
        journal.record_intent(op, name, "CreateSnapshotGroup", f"tok-{source}", {})
        journal.record_created(op, name, f"ssg-{source}")
    clock.advance(100)
    rows = [
        {"source_instance_id": s, "status": "completed", "dr_instance_id": f"i-dr-{s}"}
        for s in ("i-a", "i-b")
    ]
    journal.finish(op, "completed", {"drill": True, "rows": rows, "members": []})

    report = drill_report(journal.get(op), "fleet", None)

    assert [(s.source_instance_id, s.dr_instance_id) for s in report.sources] == [
        ("i-a", "i-dr-i-a"),
        ("i-b", "i-dr-i-b"),
    ]
    assert all(s.rpo_s == 0 and s.point_taken_at is not None for s in report.sources)
    assert report.rto_s == 102.0 and report.rpo_s == 0
    assert {e.lane for e in report.timeline} == {"", "i-a", "i-b"}
