"""The fault matrix: the steps of Scenario A and B a fault can hit, the faults, the cases, and
what each case found (one case is run by `cases.py`).

A case plans a recovery, injects one fault at one step (`POST /_sandbox/faults`, aimed at
the n-th call of the step's action, n read from a clean run's requests log), executes, and
follows the operation to its end. An operation that stopped must name ECS's code; the fault
is then cleared and `resume_recovery` must complete it. The cloud is then compared with the
clean run: no duplicate resource, none the journal does not account for, no source changed.
Every case adds one `Row` to `ROWS`, which the run prints as a table at the end
(tests/faults/report.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from tests.faults import report
from tests.support import figures
from tests.support.demo_world import DB_INSTANCE, NO_VSWITCH_ZONE, TARGET_INSTANCE

CREATES = (
    "CreateSnapshotGroup",
    "CreateSnapshot",
    "CreateImage",
    "CreateVSwitch",
    "RunInstances",
    "CreateDisk",
)
Scenario = Literal["A", "B"]
PLANS: dict[Scenario, dict[str, Any]] = {
    "A": {
        "scenario": "full_instance",
        "source_instance_id": DB_INSTANCE,
        "target_zone_id": NO_VSWITCH_ZONE,
    },
    "B": {
        "scenario": "disks",
        "source_instance_id": DB_INSTANCE,
        "target_instance_id": TARGET_INSTANCE,
    },
}
# The instances whose state the recovery must leave as it found it (B's target takes new
# disks: its own disks and status must not change, which `source_state` covers).
UNTOUCHED: dict[Scenario, tuple[str, ...]] = {
    "A": (DB_INSTANCE,),
    "B": (DB_INSTANCE, TARGET_INSTANCE),
}

# The sandbox's cloud runs this much faster than ECS, and the servers poll and time their
# waits at that pace: a clean Scenario A run takes about half a second, and an instance wait
# runs out of its 20 cloud minutes after 0.4 s.
TIME_SCALE = 3000.0
# A read timeout: the sandbox answers this late, after the server stopped listening.
READ_TIMEOUT_S = 0.5
LATE_ANSWER_S = 1.0
FOLLOW_TIMEOUT_S = 60.0


# --- steps and faults ------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One call of a scenario a fault can hit: a create, or a poll after the create it
    follows (`after`); `occurrence` picks among several calls of the same action."""

    scenario: Scenario
    action: str
    after: str | None = None
    occurrence: int = 1
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or (f"{self.action} after {self.after}" if self.after else self.action)

    @property
    def creates(self) -> bool:
        return self.after is None and self.action != "TagResources"

    def nth(self, clean: list[dict[str, Any]]) -> int:
        """Which call of the action this step is, counted from the sandbox's reset, in the
        requests log of a clean run (planning included: its calls come first and are the same
        every time)."""
        if self.after is None:
            return self.occurrence
        marker = next(
            i for i, r in enumerate(clean) if r["action"] == self.after and r["status"] == 200
        )
        return 1 + sum(1 for r in clean[:marker] if r["action"] == self.action)


STEPS_A = [
    Step("A", "CreateSnapshotGroup"),
    Step("A", "DescribeSnapshotGroups", after="CreateSnapshotGroup"),
    Step("A", "TagResources", label="TagResources (group's snapshots)"),
    Step("A", "CreateImage"),
    Step("A", "DescribeImages", after="CreateImage"),
    Step("A", "CreateVSwitch"),
    Step("A", "DescribeVSwitches", after="CreateVSwitch"),
    Step("A", "RunInstances"),
    Step("A", "DescribeInstances", after="RunInstances"),
]
STEPS_B = [
    Step("B", "CreateSnapshot"),
    Step("B", "DescribeSnapshots", after="CreateSnapshot"),
    Step("B", "CreateDisk"),
    Step("B", "DescribeDisks", after="CreateDisk"),
    Step("B", "AttachDisk"),
    Step("B", "DescribeDisks", after="AttachDisk", label="DescribeDisks after AttachDisk"),
]
STEPS = STEPS_A + STEPS_B


@dataclass(frozen=True)
class Fault:
    """What ECS does wrong: the sandbox faults for a call (action, nth) and the code the
    operation's error must name when it stops on it."""

    name: str
    inject: Callable[[str, int], list[dict[str, Any]]]
    code: str
    late_answer: bool = False
    """The request reaches ECS and is answered after the server stopped listening."""
    absorbed: bool = False
    """The server asks again until ECS answers: the recovery completes with no user action."""


def error(
    code: str, http_status: int, times: int = 1
) -> Callable[[str, int], list[dict[str, Any]]]:
    def inject(action: str, nth: int) -> list[dict[str, Any]]:
        fault = {"kind": "error", "code": code, "http_status": http_status, "times": times}
        return [fault | {"action": action, "nth": nth}]

    return inject


def reset(times: int = 1) -> Callable[[str, int], list[dict[str, Any]]]:
    def inject(action: str, nth: int) -> list[dict[str, Any]]:
        return [{"kind": "reset_connection", "action": action, "nth": nth, "times": times}]

    return inject


def late(action: str, nth: int) -> list[dict[str, Any]]:
    return [{"kind": "latency", "action": action, "nth": nth, "times": 1, "seconds": LATE_ANSWER_S}]


def outcome(status: str) -> Callable[[str, int], list[dict[str, Any]]]:
    def inject(action: str, nth: int) -> list[dict[str, Any]]:
        return [{"kind": "outcome", "action": action, "status": status}]

    return inject


# A fault the retries cannot absorb in the server that gives every call one attempt: the
# operation stops on it, as on a storm longer than the default retry budget.
TRANSIENT = [
    Fault("Throttling.User", error("Throttling.User", 400), "Throttling.User"),
    Fault("429 Throttling.Resource", error("Throttling.Resource", 429), "Throttling.Resource"),
    Fault("InternalError", error("InternalError", 500), "InternalError"),
    Fault("ServiceUnavailable", error("ServiceUnavailable", 503), "ServiceUnavailable"),
    Fault("connection reset", reset(), "ConnectionError"),
    Fault("read timeout", late, "ReadTimeout", late_answer=True),
]
REFUSALS = [
    Fault("Forbidden.RAM", error("Forbidden.RAM", 403), "Forbidden.RAM"),
    Fault(
        "InvalidSecurityToken.Expired",
        error("InvalidSecurityToken.Expired", 400),
        "InvalidSecurityToken.Expired",
    ),
]


def busy(codes: Mapping[str, tuple[str, int]], default: tuple[str, int]) -> Fault:
    """ECS answering "busy" twice at a step, with the code that action answers (the VPC API
    has its own), then accepting it."""

    def inject(action: str, nth: int) -> list[dict[str, Any]]:
        code, status = codes.get(action, default)
        return error(code, status, times=2)(action, nth)

    return Fault(default[0], inject, default[0], absorbed=True)


# The two "ask again" answers at every create and at AttachDisk: a ClientToken still being
# processed, and a resource in another operation.
BUSY = [
    busy(
        {"CreateVSwitch": ("OperationFailed.IdempotentTokenProcessing", 400)},
        ("IdempotentProcessing", 403),
    ),
    busy({"CreateVSwitch": ("IncorrectVSwitchStatus", 400)}, ("OperationConflict", 409)),
]


@dataclass(frozen=True)
class Case:
    fault: Fault
    step: Step
    server: str = "one_attempt"

    def __str__(self) -> str:
        return f"{self.step.scenario}-{self.step.name}-{self.fault.name}-{self.server}".replace(
            " ", "_"
        )


# Every transient fault and every refusal at every step; each busy answer at every create
# and attach.
MATRIX = [Case(fault, step) for fault in TRANSIENT + REFUSALS for step in STEPS] + [
    Case(fault, step) for fault in BUSY for step in STEPS if step.creates
]


# --- what a case found -----------------------------------------------------------------------

Outcome = Literal["completed", "resumed-completed", "refused-nothing-created", "FAILED"]


@dataclass
class Row:
    fault: str
    step: str
    scenario: str
    outcome: Outcome = "FAILED"
    duplicates: int = 0
    orphans: int = 0
    source_changes: int = 0
    replaced: int = 0
    detail: str = ""


ROWS: list[Row] = []
figures.source(report.FIGURES, lambda: [asdict(row) for row in ROWS])


def record(fault: str, step: str, scenario: str) -> Row:
    """A new row of the table, FAILED until the case fills it in."""
    row = Row(fault, step, scenario)
    ROWS.append(row)
    return row
