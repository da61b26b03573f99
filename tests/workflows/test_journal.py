"""The operation journal on a real SQLite file: durable, strict about steps, no credentials."""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import stamina

from ecs_dr.workflows.journal import (
    REDACTED,
    SCHEMA_VERSION,
    WRITE_ATTEMPTS,
    Journal,
    JournalError,
    LeaseLost,
    LeaseOwner,
    StepConflict,
    UnknownOperation,
    default_state_dir,
)
from ecs_dr.workflows.journal.schema import MIGRATIONS

REGION = "cn-hangzhou"


class OutageJournal(Journal):
    """A journal whose disk refuses writes for a while: while `failing` is above zero, each
    write fails (counting down) at the journal's single write function, with the error SQLite
    gives for a full disk. Injected, because the tests run as root, for whom a read-only file
    or directory is writable all the same; a full disk needs a mount, and a lock held by
    another connection costs the ten-second busy timeout per attempt."""

    failing = 0
    writes_refused = 0

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.failing > 0:
            self.failing -= 1
            self.writes_refused += 1
            raise sqlite3.OperationalError("database or disk is full")
        with super()._write() as conn:
            yield conn


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "journal.sqlite3"


@pytest.fixture
def journal(path: Path) -> Journal:
    return Journal(path)


def test_a_new_journal_on_the_same_file_sees_every_operation_and_step(
    journal: Journal, path: Path
) -> None:
    op = journal.create_operation("create_full_image", REGION, {"instance_id": "i-1"})
    journal.record_intent(op, "image", "CreateImage", "tok-1", {"ImageName": "img"})
    journal.record_created(op, "image", "m-1")
    journal.finish(op, "completed", result={"image_id": "m-1"})

    record = Journal(path).get(op)

    assert record.kind == "create_full_image"
    assert record.status == "completed"
    assert record.region_id == REGION
    assert record.arguments == {"instance_id": "i-1"}
    assert record.result == {"image_id": "m-1"}
    assert record.error is None
    [step] = record.steps
    assert (step.step, step.action, step.client_token) == ("image", "CreateImage", "tok-1")
    assert (step.parameters, step.resource_id, step.status) == (
        {"ImageName": "img"},
        "m-1",
        "created",
    )
    assert step.finished_at is not None and step.finished_at >= step.started_at


def test_operation_ids_are_op_and_sixteen_hex_digits(journal: Journal) -> None:
    ids = {journal.create_operation("create_snapshot", REGION, {}) for _ in range(20)}

    assert len(ids) == 20
    assert all(re.fullmatch(r"op-[0-9a-f]{16}", op) for op in ids)


def test_a_step_without_a_resource_id_stays_started(journal: Journal) -> None:
    op = journal.create_operation("create_snapshot", REGION, {})
    journal.record_intent(op, "snapshot", "CreateSnapshot", "tok", {"DiskId": "d-1"})
    journal.finish(op, "failed", error="CreateSnapshot in cn-hangzhou failed: ...")

    [step] = journal.get(op).steps

    assert (step.status, step.resource_id, step.finished_at) == ("started", None, None)
    assert journal.get(op).error == "CreateSnapshot in cn-hangzhou failed: ..."


def test_steps_keep_the_order_they_started_in(journal: Journal) -> None:
    op = journal.create_operation("run_dr_instance", REGION, {})
    for step in ("vswitch", "instance", "a-late-step"):
        journal.record_intent(op, step, "Create", f"tok-{step}", {})

    assert [s.step for s in journal.get(op).steps] == ["vswitch", "instance", "a-late-step"]


def test_an_unknown_operation_id_raises_a_key_error_naming_it(journal: Journal) -> None:
    with pytest.raises(KeyError) as raised:
        journal.get("op-0000000000000000")

    assert isinstance(raised.value, UnknownOperation)
    assert "unknown operation id 'op-0000000000000000'" in str(raised.value)
    with pytest.raises(UnknownOperation):
        journal.record_intent("op-missing", "s", "CreateImage", "t", {})
    with pytest.raises(UnknownOperation):
        journal.finish("op-missing", "completed")


def test_recording_the_same_intent_again_changes_nothing(journal: Journal) -> None:
    op = journal.create_operation("create_full_image", REGION, {})
    journal.record_intent(op, "image", "CreateImage", "tok", {"ImageName": "img"})
    journal.record_created(op, "image", "m-1")

    journal.record_intent(op, "image", "CreateImage", "tok", {"ImageName": "img"})
    journal.record_created(op, "image", "m-1")

    [step] = journal.get(op).steps
    assert (step.status, step.resource_id) == ("created", "m-1")


@pytest.mark.parametrize(
    ("action", "token", "parameters"),
    [
        ("CreateSnapshot", "tok", {"ImageName": "img"}),
        ("CreateImage", "other-token", {"ImageName": "img"}),
        ("CreateImage", "tok", {"ImageName": "another"}),
    ],
    ids=["action", "client_token", "parameters"],
)
def test_an_intent_that_differs_from_its_record_is_refused(
    journal: Journal, action: str, token: str, parameters: dict[str, str]
) -> None:
    op = journal.create_operation("create_full_image", REGION, {})
    journal.record_intent(op, "image", "CreateImage", "tok", {"ImageName": "img"})

    with pytest.raises(StepConflict):
        journal.record_intent(op, "image", action, token, parameters)


def test_a_created_resource_needs_a_recorded_intent_and_never_changes(journal: Journal) -> None:
    op = journal.create_operation("create_full_image", REGION, {})
    with pytest.raises(StepConflict):
        journal.record_created(op, "image", "m-1")

    journal.record_intent(op, "image", "CreateImage", "tok", {})
    journal.record_created(op, "image", "m-1")
    with pytest.raises(StepConflict):
        journal.record_created(op, "image", "m-2")


def test_a_finished_operation_takes_no_new_step_and_no_second_ending(journal: Journal) -> None:
    op = journal.create_operation("create_snapshot", REGION, {})
    journal.finish(op, "cancelled", error="the user cancelled")

    with pytest.raises(ValueError, match="already finished"):
        journal.record_intent(op, "snapshot", "CreateSnapshot", "tok", {})
    with pytest.raises(ValueError, match="already finished"):
        journal.finish(op, "completed", result={})
    assert journal.get(op).status == "cancelled"


def test_list_gives_the_newest_operations_first_up_to_the_limit(journal: Journal) -> None:
    ops = [journal.create_operation(f"kind-{n}", None, {"n": n}) for n in range(5)]
    journal.record_intent(ops[4], "s", "CreateSnapshot", "tok", {})

    listed = journal.list(limit=3)

    assert [r.operation_id for r in listed] == [ops[4], ops[3], ops[2]]
    assert [s.step for s in listed[0].steps] == ["s"]
    assert listed[1].steps == []
    assert [r.operation_id for r in journal.list()] == ops[::-1]


def test_the_journal_never_stores_a_credential_value(journal: Journal, path: Path) -> None:
    op = journal.create_operation(
        "run_dr_instance",
        REGION,
        {"instance_id": "i-1", "nested": [{"AccessKeySecret": "s3cr3t-value"}]},
    )
    journal.record_intent(
        op, "instance", "RunInstances", "tok", {"Password": "hunter2-value", "ImageId": "m-1"}
    )
    journal.finish(op, "completed", result={"security_token": "sts-value", "id": "i-2"})

    record = journal.get(op)

    assert record.arguments["nested"] == [{"AccessKeySecret": REDACTED}]
    assert record.steps[0].parameters == {"ImageId": "m-1", "Password": REDACTED}
    assert record.result == {"id": "i-2", "security_token": REDACTED}
    raw = b"".join(p.read_bytes() for p in path.parent.iterdir())
    for secret in (b"s3cr3t-value", b"hunter2-value", b"sts-value"):
        assert secret not in raw


def test_the_journal_uses_wal_and_records_its_schema_version(journal: Journal, path: Path) -> None:
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_opening_an_existing_journal_leaves_its_schema_version_alone(
    journal: Journal, path: Path
) -> None:
    Journal(path)
    Journal(path)

    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


def test_a_journal_newer_than_this_code_is_refused_naming_both_versions(
    journal: Journal, path: Path
) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))

    with pytest.raises(JournalError, match=rf"version {SCHEMA_VERSION + 1}.*\({SCHEMA_VERSION}\)"):
        Journal(path)


def test_journals_in_several_threads_write_to_one_file_without_losing_a_step(
    journal: Journal, path: Path
) -> None:
    op = journal.create_operation("create_snapshot", REGION, {})
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        mine = Journal(path)
        try:
            for n in range(20):
                mine.record_intent(op, f"{worker}-{n}", "CreateSnapshot", f"t{worker}-{n}", {})
                mine.record_created(op, f"{worker}-{n}", f"s-{worker}-{n}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    steps = journal.get(op).steps
    assert len(steps) == 80
    assert all(step.status == "created" for step in steps)


def test_the_state_dir_is_ecs_dr_state_dir_then_xdg_state_home_then_home() -> None:
    assert default_state_dir({"ECS_DR_STATE_DIR": "/srv/dr", "XDG_STATE_HOME": "/x"}) == Path(
        "/srv/dr"
    )
    assert default_state_dir({"XDG_STATE_HOME": "/x", "HOME": "/home/u"}) == Path("/x/ecs-dr-mcp")
    assert default_state_dir({"XDG_STATE_HOME": "relative", "HOME": "/home/u"}) == Path(
        "/home/u/.local/state/ecs-dr-mcp"
    )


def test_a_journal_of_schema_three_is_migrated_with_no_lease_on_any_operation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.sqlite3"
    at = "2026-01-01T00:00:00.000000+00:00"
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        for statement in (*MIGRATIONS[0], *MIGRATIONS[1], *MIGRATIONS[2]):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_version (version) VALUES (3)")
        conn.execute(
            "INSERT INTO operations (operation_id, kind, status, region_id, arguments,"
            " created_at, updated_at) VALUES ('op-1', 'execute_recovery', 'running', ?, '{}',"
            " ?, ?)",
            (REGION, at, at),
        )

    journal = Journal(path)

    record = journal.get("op-1")
    assert (record.status, record.lease) == ("running", None)
    assert journal.live_lease(record) is None
    owner = LeaseOwner.of_this_process()
    journal.take_over("op-1", owner, 30)
    lease = journal.get("op-1").lease
    assert lease is not None
    assert (lease.owner_id, lease.pid, lease.holder) == (owner.owner_id, os.getpid(), owner.holder)
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchone() == (SCHEMA_VERSION,)


def test_timestamps_and_lease_expiries_are_read_from_the_journals_clock(path: Path) -> None:
    at = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    journal = Journal(path, clock=lambda: at)
    owner = LeaseOwner.of_this_process()

    op = journal.create_operation("execute_recovery", REGION, {}, owner=owner, lease_s=30)

    record = journal.get(op)
    assert record.created_at == at
    assert record.lease is not None
    assert record.lease.expires_at == at + timedelta(seconds=30)
    journal.finish(op, "completed", result={}, owner=owner)
    assert journal.get(op).lease is None


def test_a_process_that_lost_the_lease_cannot_finish_the_operation(path: Path) -> None:
    at = [datetime(2026, 3, 1, 3, 0, tzinfo=UTC)]
    journal = Journal(path, clock=lambda: at[0])
    first, second = LeaseOwner.of_this_process(), LeaseOwner.of_this_process()
    op = journal.create_operation("execute_recovery", REGION, {}, owner=first, lease_s=30)
    at[0] += timedelta(seconds=31)
    journal.take_over(op, second, 30)

    with pytest.raises(LeaseLost, match=f"{os.getpid()}@"):
        journal.finish(op, "failed", error="late", owner=first)
    assert journal.get(op).status == "running"


def test_a_write_the_disk_refuses_for_a_moment_is_tried_again_and_recorded(path: Path) -> None:
    journal = OutageJournal(path)
    op = journal.create_operation("execute_recovery", REGION, {})
    journal.failing = 2

    journal.record_intent(op, "image", "CreateImage", "tok", {"ImageName": "img"})
    journal.failing = 2
    journal.record_created(op, "image", "m-1")

    assert journal.writes_refused == 4
    [step] = Journal(path).get(op).steps
    assert (step.client_token, step.resource_id) == ("tok", "m-1")


def test_a_write_the_disk_keeps_refusing_fails_after_a_bounded_number_of_tries(
    path: Path,
) -> None:
    journal = OutageJournal(path)
    op = journal.create_operation("execute_recovery", REGION, {})
    journal.failing = 1_000

    # stamina's test mode keeps the tries and skips the waits between them.
    with (
        stamina.set_testing(True, attempts=WRITE_ATTEMPTS),
        pytest.raises(sqlite3.OperationalError, match="disk is full"),
    ):
        journal.record_intent(op, "image", "CreateImage", "tok", {})

    assert journal.writes_refused == WRITE_ATTEMPTS
    assert Journal(path).get(op).steps == []


def test_a_step_is_read_back_by_its_key_alone(journal: Journal) -> None:
    op = journal.create_operation("create_full_image", REGION, {})
    journal.record_intent(op, "create_image", "CreateImage", "tok-1", {"ImageName": "a"})
    journal.record_created(op, "create_image", "m-1")
    journal.record_intent(op, "create_image_copy", "CreateImage", "tok-2", {"ImageName": "b"})

    found = journal.find_step(op, "create_image")
    assert found is not None
    assert (found.step, found.client_token, found.resource_id) == ("create_image", "tok-1", "m-1")
    assert journal.find_step(op, "create_disk") is None
    assert journal.find_step("op-0000000000000000", "create_image") is None


def test_the_attempts_of_a_step_are_itself_and_its_numbered_retries_only(
    journal: Journal,
) -> None:
    op = journal.create_operation("create_full_image", REGION, {})
    for number, step in enumerate(("i-1/create_image", "i-1/create_image#2", "i-1/create_imagex")):
        journal.record_intent(op, step, "CreateImage", f"tok-{number}", {"N": number})

    assert journal.attempt_names(op, "i-1/create_image") == {
        "i-1/create_image",
        "i-1/create_image#2",
    }
    assert journal.attempt_names(op, "i-2/create_image") == set()
