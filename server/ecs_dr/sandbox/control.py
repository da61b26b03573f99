"""A client of a running sandbox's control endpoints (`/_sandbox/...`): what it was asked, its
whole state, faults to inject, a reset and its virtual clock. Tests and benchmarks drive every
sandbox, in-process or in a child process, through this one class.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CONTROL_TIMEOUT_S = 10


@dataclass
class SandboxControl:
    """The control endpoints of the sandbox listening on `endpoint` (host:port)."""

    endpoint: str

    def _call(self, method: str, path: str, payload: Mapping[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(dict(payload)).encode()
        request = urllib.request.Request(
            f"http://{self.endpoint}/_sandbox/{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        # Always an http:// URL: the scheme is fixed above.
        with urllib.request.urlopen(request, timeout=CONTROL_TIMEOUT_S) as response:  # noqa: S310
            return json.loads(response.read())

    def requests(self) -> list[dict[str, Any]]:
        """Every API request received since the last reset, in order."""
        return list(self._call("GET", "requests")["requests"])

    def actions(self) -> list[str]:
        return [r["action"] for r in self.requests()]

    def calls(self, action: str) -> list[dict[str, str]]:
        """The parameters of every request of one action, in order."""
        return [r["parameters"] for r in self.requests() if r["action"] == action]

    def state(self) -> dict[str, Any]:
        """The whole world as JSON, statuses read at the current cloud time."""
        return dict(self._call("GET", "state"))

    def add_fault(self, fault: Mapping[str, Any]) -> None:
        self._call("POST", "faults", fault)

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def reset(self, durations: Mapping[str, Any] | None = None) -> None:
        """The world as loaded, no faults, an empty requests log (the clock keeps its time);
        with `durations` (spread, seed), resources from now on take durations drawn so."""
        self._call("POST", "reset", {} if durations is None else {"durations": durations})

    def advance_clock(self, seconds: float) -> None:
        """Move a virtual cloud clock on (a sandbox started with one; see `/_sandbox/clock`)."""
        self._call("POST", "clock", {"advance": seconds})
