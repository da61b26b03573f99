"""The fault matrix covers every create and poll of both scenarios."""

from __future__ import annotations

from tests.faults.matrix import CREATES, MATRIX, REFUSALS, STEPS, TRANSIENT


def test_every_create_and_poll_of_both_scenarios_meets_every_transient_fault() -> None:
    covered = {(c.fault.name, c.step) for c in MATRIX}
    assert {(f.name, s) for f in TRANSIENT + REFUSALS for s in STEPS} <= covered
    assert {s.action for s in STEPS if s.creates} == {*CREATES, "AttachDisk"}
    assert {s.after for s in STEPS if s.after} == {*CREATES, "AttachDisk"}
