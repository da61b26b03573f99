"""Plans: what a recovery will do, stored until it is confirmed and executed, once."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ecs_dr.workflows.journal.base import JournalBase, insert_record, record_row
from ecs_dr.workflows.journal.errors import PlanAlreadyExecuted
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
        with self._write() as conn:
            return insert_record(
                conn,
                "plans",
                {
                    "scenario": scenario,
                    "region_id": region_id,
                    "plan": dump_json(plan),
                    "fingerprint": fingerprint,
                    "status": "planned",
                },
                self._stamp(),
            )

    def get_plan(self, plan_id: str) -> PlanRecord:
        """The stored plan; raises UnknownPlan (a KeyError)."""
        with self._read() as conn:
            row = record_row(conn, "plans", plan_id)
        return PlanRecord.model_validate({**dict(row), "plan": json.loads(row["plan"])})

    @retried_write
    def claim_plan(self, plan_id: str) -> None:
        """Mark a plan executed, once: of two concurrent claims exactly one succeeds.

        Raises UnknownPlan, and PlanAlreadyExecuted naming its operation.
        """
        with self._write() as conn:
            row = record_row(conn, "plans", plan_id)
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
