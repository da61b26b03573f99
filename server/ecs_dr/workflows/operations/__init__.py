"""Operations: long cloud work in the background, journaled, followed for a bounded time.

`runner` holds `Operations` (the task group, leases, cancelling), `tasks` one running
operation, its followers and where it stops when cancelled, `journaling` its outcome in the
journal, `outcomes` what the callers are told, `settings` where the journal lives and how long
a call may wait.
"""

from ecs_dr.workflows.operations.outcomes import Outcome, describe_error
from ecs_dr.workflows.operations.runner import Operations, Work
from ecs_dr.workflows.operations.settings import OperationSettings
from ecs_dr.workflows.operations.tasks import CancelSignal, ProgressFn

__all__ = [
    "CancelSignal",
    "OperationSettings",
    "Operations",
    "Outcome",
    "ProgressFn",
    "Work",
    "describe_error",
]
