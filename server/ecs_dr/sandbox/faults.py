"""Faults injected through `POST /_sandbox/faults`: ECS misbehaving on purpose.

Kinds: `error` (fail calls of an action with a code, and optionally the message and the
`Recommend` link ECS sends: a hostile endpoint's are text like any other), `throttle` (refuse
above a QPS limit), `latency` (answer late: with a short client timeout this is a read timeout),
`reset_connection` (drop the connection mid-answer), `outcome` (the next resource an action
creates ends in the given status: an image `CreateFailed`, a snapshot `failed`, an instance
stuck in `Pending`; a transitional status holds only until the faults are cleared, then the
resource goes on as ECS would once it fixed the cause), `zone_outage` (the zone is down: what
lives in it stops answering and nothing new can be made in it; `outage.py` has the
answers and the pages they rest on).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from ecs_dr.sandbox.errors import (
    DynamicError,
    EcsError,
    ForbiddenRam,
    Throttling,
    ThrottlingResource,
)


class _Fault(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: str | None = None


class ErrorFault(_Fault):
    kind: Literal["error"]
    code: str
    http_status: Annotated[int, Field(ge=400, le=599)] = 400
    message: str | None = None
    recommend: str | None = None
    nth: Annotated[int, Field(ge=1)] = 1
    times: Annotated[int, Field(ge=1)] = 1


class InjectedError(DynamicError):
    """An error fault's answer: its code and status, and the Recommend it sends instead of
    the troubleshooting link when it names one."""

    def __init__(self, fault: ErrorFault) -> None:
        super().__init__(fault.code, fault.http_status, fault.message)
        self.recommend = fault.recommend


class ThrottleFault(_Fault):
    kind: Literal["throttle"]
    qps: Annotated[float, Field(gt=0)]
    code: Literal["Throttling.User", "Throttling.Resource"] = "Throttling.User"


class LatencyFault(_Fault):
    kind: Literal["latency"]
    seconds: Annotated[float, Field(ge=0, le=120)]
    nth: Annotated[int, Field(ge=1)] = 1
    times: Annotated[int, Field(ge=1)] = 1_000_000


class ResetFault(_Fault):
    kind: Literal["reset_connection"]
    nth: Annotated[int, Field(ge=1)] = 1
    times: Annotated[int, Field(ge=1)] = 1


class OutcomeFaultSpec(_Fault):
    kind: Literal["outcome"]
    action: Literal[
        "CreateImage", "CreateSnapshot", "CreateSnapshotGroup", "RunInstances", "CreateDisk"
    ]
    status: str
    times: Annotated[int, Field(ge=1)] = 1


class ZoneOutageFault(BaseModel):
    """A zone down for every action until the faults are cleared (so it names no action)."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["zone_outage"]
    zone_id: Annotated[str, Field(min_length=1)]


Fault = Annotated[
    ErrorFault | ThrottleFault | LatencyFault | ResetFault | OutcomeFaultSpec | ZoneOutageFault,
    Field(discriminator="kind"),
]
FAULT_ADAPTER: TypeAdapter[Fault] = TypeAdapter(Fault)


class Verdict(BaseModel):
    """What the faults decided for one call."""

    error: EcsError | None = None
    delay_s: float = 0.0
    reset: bool = False
    model_config = ConfigDict(arbitrary_types_allowed=True)


class FaultPlan:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.faults: list[Fault] = []
        self._calls: dict[str, int] = {}
        self._recent: deque[float] = deque()

    def add(self, fault: Fault) -> None:
        with self._lock:
            self.faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()
            self._calls.clear()
            self._recent.clear()

    def zones_down(self) -> frozenset[str]:
        """The zones a `zone_outage` fault holds down now."""
        with self._lock:
            return frozenset(f.zone_id for f in self.faults if isinstance(f, ZoneOutageFault))

    def judge(self, action: str) -> Verdict:
        """Count this call and decide which fault, if any, it meets."""
        with self._lock:
            n = self._calls[action] = self._calls.get(action, 0) + 1
            now = time.monotonic()
            self._recent.append(now)
            while self._recent and now - self._recent[0] > 1.0:
                self._recent.popleft()
            verdict = Verdict()
            for fault in self.faults:
                if isinstance(fault, ZoneOutageFault):
                    continue
                if fault.action is not None and fault.action != action:
                    continue
                if isinstance(fault, ThrottleFault) and len(self._recent) > fault.qps:
                    verdict.error = (
                        ThrottlingResource()
                        if fault.code == "Throttling.Resource"
                        else Throttling()
                    )
                elif isinstance(fault, ErrorFault) and fault.nth <= n < fault.nth + fault.times:
                    verdict.error = (
                        ForbiddenRam(action)
                        if fault.code == "Forbidden.RAM" and fault.message is None
                        else InjectedError(fault)
                    )
                elif isinstance(fault, LatencyFault) and fault.nth <= n < fault.nth + fault.times:
                    verdict.delay_s += fault.seconds
                elif isinstance(fault, ResetFault) and fault.nth <= n < fault.nth + fault.times:
                    verdict.reset = True
            return verdict
