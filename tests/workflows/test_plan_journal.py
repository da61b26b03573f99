"""Plans in the journal: stored by id, executed once, and added to an older journal by an
appended migration."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ecs_dr.tools.refusals import refusal_text
from ecs_dr.workflows.journal import (
    SCHEMA_VERSION,
    Journal,
    PlanAlreadyExecuted,
    UnknownPlan,
)


def test_a_plan_is_stored_and_read_back_by_its_id(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    plan_id = journal.save_plan("disks", "cn-hangzhou", {"copies": [1, 2]}, "abc")
    record = journal.get_plan(plan_id)
    assert plan_id.startswith("plan-") and len(plan_id) == 21
    assert (record.scenario, record.plan, record.fingerprint, record.status) == (
        "disks",
        {"copies": [1, 2]},
        "abc",
        "planned",
    )


def test_a_plan_is_claimed_for_execution_once(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    plan_id = journal.save_plan("disks", "cn-hangzhou", {}, "abc")
    journal.claim_plan(plan_id)
    journal.plan_operation(plan_id, "op-1")
    with pytest.raises(PlanAlreadyExecuted) as refused:
        journal.claim_plan(plan_id)
    assert (refused.value.plan_id, refused.value.operation_id) == (plan_id, "op-1")
    assert refusal_text(refused.value).startswith(f"{plan_id} was confirmed and executed as op-1")
    assert journal.get_plan(plan_id).status == "executed"


def test_an_unknown_plan_id_says_where_plans_come_from(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    with pytest.raises(UnknownPlan) as raised:
        journal.get_plan("plan-nope")
    assert raised.value.record_id == "plan-nope"
    assert "plan_recovery makes a plan" in refusal_text(raised.value)
    with pytest.raises(UnknownPlan):
        journal.claim_plan("plan-nope")


def test_a_journal_of_the_first_schema_gains_the_plans_table_and_keeps_its_operations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "j.sqlite3"
    operation_id = Journal(path).create_operation("create_snapshot", "cn-hangzhou", {})
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("DROP TABLE plans")
        conn.execute("UPDATE schema_version SET version = 1")

    journal = Journal(path)
    assert journal.get(operation_id).kind == "create_snapshot"
    assert journal.get_plan(journal.save_plan("disks", None, {}, "f")).status == "planned"
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
