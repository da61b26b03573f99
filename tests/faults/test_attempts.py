"""A step whose resource ended in a terminal failure is made again as a new attempt: the
journal keeps the failed one, marked with its status, and the attempt gets its own step name
and ClientToken. (The fault matrix drives this through the `mcp` client; these pin the
journal's side of it, on a real SQLite file.)"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from ecs_dr.workflows.journal import (
    SCHEMA_VERSION,
    Journal,
    StepConflict,
    StepRecorder,
    create_step,
)
from ecs_dr.workflows.journal.schema import MIGRATIONS

REGION = "cn-hangzhou"


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3")


def test_a_journal_of_schema_four_is_migrated_and_its_steps_carry_no_failure(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    at = "2026-01-01T00:00:00.000000+00:00"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for statements in MIGRATIONS[:4]:
            for statement in statements:
                conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version) VALUES (4)")
        conn.execute(
            "INSERT INTO operations (operation_id, kind, status, region_id, arguments,"
            " created_at, updated_at) VALUES ('op-1', 'execute_recovery', 'failed', ?, '{}', ?, ?)",
            (REGION, at, at),
        )
        conn.execute(
            "INSERT INTO steps VALUES ('op-1', 1, 'create_image', 'CreateImage', 'op-1-t', '{}',"
            " 'm-1', 'created', ?, ?)",
            (at, at),
        )

    (step,) = Journal(path).get("op-1").steps

    assert (step.step, step.resource_id, step.failure) == ("create_image", "m-1", None)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


async def test_a_failed_resource_is_kept_and_the_step_is_made_again_under_a_new_token(
    journal: Journal,
) -> None:
    op = journal.create_operation("execute_recovery", REGION, {})
    step = StepRecorder(journal, op)
    sent: list[str] = []

    async def create(token: str) -> str:
        sent.append(token)
        return f"m-{len(sent)}"

    async def failed(resource_id: str) -> str | None:
        return "CreateFailed" if resource_id == "m-1" else None

    assert await create_step(step, "create_image", "CreateImage", {"N": 1}, create) == "m-1"
    again = await create_step(step, "create_image", "CreateImage", {"N": 1}, create, failure=failed)
    same = await create_step(step, "create_image", "CreateImage", {"N": 1}, create, failure=failed)

    assert (again, same) == ("m-2", "m-2")
    assert len(set(sent)) == 2
    first, second = journal.get(op).steps
    assert (first.step, first.resource_id, first.failure) == ("create_image", "m-1", "CreateFailed")
    assert (second.step, second.resource_id, second.failure) == ("create_image#2", "m-2", None)
    assert second.client_token == step.client_token("create_image#2") == sent[1]
    (replaced,) = await step.replaced()
    assert (replaced.resource_id, replaced.status, replaced.replaced_by) == (
        "m-1",
        "CreateFailed",
        "create_image#2",
    )


async def test_a_new_attempt_takes_the_parameters_it_needs(journal: Journal) -> None:
    """A failed image keeps its name taken: attempt 2 is named after it."""
    op = journal.create_operation("execute_recovery", REGION, {})
    step = StepRecorder(journal, op).scoped("i-1")

    async def create(token: str) -> str:
        return "m-1"

    async def renamed(token: str) -> str:
        return "m-2"

    async def failed(resource_id: str) -> str | None:
        return "CreateFailed" if resource_id == "m-1" else None

    await create_step(step, "create_image", "CreateImage", {"ImageName": "img"}, create)
    await create_step(
        step,
        "create_image",
        "CreateImage",
        {"ImageName": "img"},
        create,
        failure=failed,
        reattempt=lambda n: ({"ImageName": f"img_attempt{n}"}, renamed),
    )

    steps = {s.step: s for s in journal.get(op).steps}
    assert steps["i-1/create_image#2"].parameters == {"ImageName": "img_attempt2"}
    assert [r.replaced_by for r in await step.replaced()] == ["i-1/create_image#2"]


def test_a_step_without_a_resource_cannot_be_marked_failed(journal: Journal) -> None:
    op = journal.create_operation("execute_recovery", REGION, {})
    journal.record_intent(op, "create_image", "CreateImage", "tok", {})

    with pytest.raises(StepConflict, match="create_image"):
        journal.record_failure(op, "create_image", "CreateFailed")
