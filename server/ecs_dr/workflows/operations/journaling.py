"""An operation's outcome and the journal: written as it ends, or, when the journal refused it
(a full or read-only disk), kept in memory and written late, once the journal takes writes
again; and read back from it while another process runs the operation."""

from __future__ import annotations

import sqlite3

import anyio
import structlog

from ecs_dr.workflows.journal import FinalStatus, Journal, LeaseOwner, off_loop
from ecs_dr.workflows.operations.outcomes import Outcome, describe_error, from_record

# How often `follow_journal` looks at the journal again for an operation another process runs.
FOREIGN_POLL_S = 1.0

log = structlog.get_logger("ecs_dr.workflows.operations")


async def follow_journal(journal: Journal, operation_id: str, limit: float) -> Outcome:
    """Follow an operation this process does not run (another may) in the journal, until it
    ends, nobody runs it any more, or `limit` seconds pass."""
    with anyio.move_on_after(limit):
        while True:
            record = await off_loop(journal.get, operation_id)
            holder = journal.live_lease(record)
            if record.status != "running" or holder is None:
                return from_record(record, holder)
            await anyio.sleep(FOREIGN_POLL_S)
    record = await off_loop(journal.get, operation_id)
    return from_record(record, journal.live_lease(record))


async def write_outcome(journal: Journal, owner: LeaseOwner, outcome: Outcome) -> None:
    """Record how the operation ended, as the holder of its lease.

    Raises LeaseLost when another process took it over, and the journal's write errors.
    """
    completed = outcome.status == "completed"
    status: FinalStatus = "cancelled" if outcome.status == "cancelled" else "failed"
    await off_loop(
        journal.finish,
        outcome.operation_id,
        "completed" if completed else status,
        result=outcome.result if completed else None,
        error=None if completed else outcome.error,
        owner=owner,
    )


async def write_late(
    journal: Journal, owner: LeaseOwner, unrecorded: dict[str, Outcome], operation_id: str
) -> bool:
    """Write the kept outcome of `operation_id`; True once the journal answers for it (written,
    or taken over meanwhile by another process) and it is no longer kept in `unrecorded`."""
    outcome = unrecorded.get(operation_id)
    if outcome is None:
        return False
    try:
        await write_outcome(journal, owner, outcome)
    except sqlite3.Error as exc:
        log.warning(
            "operation_outcome_still_not_journaled",
            operation_id=operation_id,
            journal=str(journal.path),
            error=describe_error(exc),
        )
        return False
    except Exception as exc:  # another process took it over, or ended it
        log.warning(
            "operation_outcome_superseded", operation_id=operation_id, error=describe_error(exc)
        )
    else:
        log.info(
            "operation_outcome_journaled_late",
            operation_id=operation_id,
            status=outcome.status,
            error=outcome.error,
        )
    del unrecorded[operation_id]
    return True
