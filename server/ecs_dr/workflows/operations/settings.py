"""Where an operation's journal lives and how long one tool call may follow an operation."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from ecs_dr.workflows.journal import JOURNAL_FILE, default_state_dir

ENV_MAX_CALL_WAIT = "ECS_DR_MAX_CALL_WAIT_S"
DEFAULT_MAX_CALL_WAIT_S = 45.0


class OperationSettings(BaseModel):
    """Where the journal lives and how long one tool call may follow an operation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    state_dir: Path
    max_call_wait_s: float = Field(default=DEFAULT_MAX_CALL_WAIT_S, gt=0)

    @property
    def journal_path(self) -> Path:
        return self.state_dir / JOURNAL_FILE

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> OperationSettings:
        """`ECS_DR_STATE_DIR` (see `default_state_dir`) and `ECS_DR_MAX_CALL_WAIT_S`.

        Raises ValueError naming the variable when its value is not a positive number.
        """
        env = os.environ if environ is None else environ
        raw = env.get(ENV_MAX_CALL_WAIT) or ""
        try:
            wait = float(raw) if raw else DEFAULT_MAX_CALL_WAIT_S
        except ValueError:
            wait = -1.0
        if not (wait > 0 and math.isfinite(wait)):
            raise ValueError(
                f"{ENV_MAX_CALL_WAIT} must be a positive number of seconds, got {raw!r}"
            )
        return cls(state_dir=default_state_dir(env), max_call_wait_s=wait)
