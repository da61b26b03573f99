"""The fault matrix covers every create and poll of both scenarios."""

from __future__ import annotations

from tests.faults.matrix import BUSY, CREATES, MATRIX, REFUSALS, STEPS, TRANSIENT


def test_every_create_and_poll_of_both_scenarios_meets_every_transient_fault() -> None:
    covered = {(c.fault.name, c.step) for c in MATRIX}
    assert {(f.name, s) for f in TRANSIENT + REFUSALS for s in STEPS} <= covered
    assert {s.action for s in STEPS if s.creates} == {*CREATES, "AttachDisk"}
    assert {s.after for s in STEPS if s.after} == {*CREATES, "AttachDisk"}


def test_every_create_and_attach_meets_both_busy_answers() -> None:
    covered = {(c.fault.name, c.step.action) for c in MATRIX}
    wanted = {"IdempotentProcessing", "OperationConflict"}
    assert {f.name for f in BUSY} == wanted
    assert {(f, a) for f in wanted for a in (*CREATES, "AttachDisk")} <= covered
