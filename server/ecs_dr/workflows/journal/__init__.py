"""The operation journal: operations, steps, leases, plans and cleanups in one SQLite file.

Read `store` first (the `Journal`), then `steps` (recording each create call), `leases`,
`plans` and `cleanup`; `schema` opens the file, `records` maps rows to models, `errors`
lists what the journal refuses. Async code calls the journal through `off_loop`.
"""

from ecs_dr.workflows.journal.cleanup import CleanupMarker
from ecs_dr.workflows.journal.errors import (
    CleanupRefused,
    JournalError,
    LeaseLost,
    OperationNotResumable,
    PlanAlreadyExecuted,
    StepConflict,
    UnknownOperation,
    UnknownPlan,
)
from ecs_dr.workflows.journal.leases import DEFAULT_LEASE_S, DEFAULT_RENEW_EVERY_S
from ecs_dr.workflows.journal.offload import off_loop
from ecs_dr.workflows.journal.plans import PlanRecord
from ecs_dr.workflows.journal.records import (
    REDACTED,
    FinalStatus,
    Lease,
    LeaseOwner,
    OperationRecord,
    OperationStatus,
    StepRecord,
    StepStatus,
    this_node,
)
from ecs_dr.workflows.journal.schema import (
    ENV_STATE_DIR,
    JOURNAL_FILE,
    SCHEMA_VERSION,
    WRITE_ATTEMPTS,
    default_state_dir,
)
from ecs_dr.workflows.journal.steps import (
    Create,
    FailureStatus,
    Reattempt,
    StepRecorder,
    attempt_step,
    create_step,
)
from ecs_dr.workflows.journal.store import Journal

__all__ = [
    "DEFAULT_LEASE_S",
    "DEFAULT_RENEW_EVERY_S",
    "ENV_STATE_DIR",
    "JOURNAL_FILE",
    "REDACTED",
    "SCHEMA_VERSION",
    "WRITE_ATTEMPTS",
    "CleanupMarker",
    "CleanupRefused",
    "Create",
    "FailureStatus",
    "FinalStatus",
    "Journal",
    "JournalError",
    "Lease",
    "LeaseLost",
    "LeaseOwner",
    "OperationNotResumable",
    "OperationRecord",
    "OperationStatus",
    "PlanAlreadyExecuted",
    "PlanRecord",
    "Reattempt",
    "StepConflict",
    "StepRecord",
    "StepRecorder",
    "StepStatus",
    "UnknownOperation",
    "UnknownPlan",
    "attempt_step",
    "create_step",
    "default_state_dir",
    "off_loop",
    "this_node",
]
