"""Plans: what a recovery will do, stored until it is confirmed and executed, once."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ecs_dr.workflows.journal.base import JournalBase
from ecs_dr.workflows.journal.errors import PlanAlreadyExecuted, UnknownPlan
from ecs_dr.workflows.journal.records import dump_json
from ecs_dr.workflows.journal.schema import retried_write


class PlanRecord(BaseModel):
    """A stored plan: what it will do, the fingerprint of the world it was made for."""

    model_config = ConfigDict(frozen=True)

    plan_id: str
    scenario: str
    region_id: str | None
    plan: dict[str, Any]
    fingerprint: str
    status: Literal["planned", "executed"]
    operation_id: str | None
    created_at: datetime
    updated_at: datetime


class PlanJournal(JournalBase):
    """Storing plans and claiming each for its one execution."""

    @retried_write
    def save_plan(
        self, scenario: str, region_id: str | None, plan: Mapping[str, Any], fingerprint: str
    ) -> str:
        """Store a plan; returns its id, "plan-" and 16 hex digits."""
        plan_id = f"plan-{secrets.token_hex(8)}"
        now = self._stamp()
        with self._write() as conn:
            conn.execute(
                "INSERT INTO plans (plan_id, scenario, region_id, plan, fingerprint, status,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'planned', ?, ?)",
                (plan_id, scenario, region_id, dump_json(plan), fingerprint, now, now),
            )
        return plan_id

    def get_plan(self, plan_id: str) -> PlanRecord:
        """The stored plan; raises UnknownPlan (a KeyError)."""
        with self._read() as conn:
            row = conn.execute("SELECT * FROM plans WHERE plan_id = ?", (plan_id,)).fetchone()
        if row is None:
            raise UnknownPlan(plan_id)
        return PlanRecord(
            plan_id=row["plan_id"],
            scenario=row["scenario"],
            region_id=row["region_id"],
            plan=json.loads(row["plan"]),
            fingerprint=row["fingerprint"],
            status=row["status"],
            operation_id=row["operation_id"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
        )

    @retried_write
    def claim_plan(self, plan_id: str) -> None:
        """Mark a plan executed, once: of two concurrent claims exactly one succeeds.

        Raises UnknownPlan, and PlanAlreadyExecuted naming its operation.
        """
        with self._write() as conn:
            row = conn.execute(
                "SELECT status, operation_id FROM plans WHERE plan_id = ?", (plan_id,)
            ).fetchone()
            if row is None:
                raise UnknownPlan(plan_id)
            if row["status"] != "planned":
                raise PlanAlreadyExecuted(plan_id, row["operation_id"])
            conn.execute(
                "UPDATE plans SET status = 'executed', updated_at = ? WHERE plan_id = ?",
                (self._stamp(), plan_id),
            )

    @retried_write
    def plan_operation(self, plan_id: str, operation_id: str) -> None:
        """Record which operation executes the plan."""
        with self._write() as conn:
            conn.execute(
                "UPDATE plans SET operation_id = ?, updated_at = ? WHERE plan_id = ?",
                (operation_id, self._stamp(), plan_id),
            )
