"""The contract: each documented ECS behaviour the product relies on, one row each, with how to
provoke it in the sandbox. `test_contract.py` runs every row through the official SDK over real
HTTP.

A row names the action and the condition, ECS's answer (`Refused(code, status)`, or `Answers`
with what the provoking call returns), where that answer is documented (the API reference page,
or what stands in for it where the page is silent), whether the sandbox answered otherwise
before this table was written (`was_wrong`), the world it needs (`demo` or `lab`, see
`tests.support.lab_world`), and `provoke`: set up the condition on a fresh sandbox, then return
the call whose answer the row states. Most `provoke`s are built from the same few steps
(`rows.py`): `at_once`, `after`, `twice`, `on_new` and `again_once_processed`. One module holds
each family of rows.
"""

from __future__ import annotations

from tests.sandbox.contract.busy import BUSY_ROWS
from tests.sandbox.contract.catalog import CATALOG_ROWS
from tests.sandbox.contract.deletes import DELETE_ROWS
from tests.sandbox.contract.disks import DISK_ROWS
from tests.sandbox.contract.images import IMAGE_ROWS
from tests.sandbox.contract.instances import RUN_ROWS
from tests.sandbox.contract.outage import OUTAGE_ROWS
from tests.sandbox.contract.recovery_points import RECOVERY_POINT_ROWS
from tests.sandbox.contract.rows import Answers, Refused, Row
from tests.sandbox.contract.snapshots import SNAPSHOT_ROWS
from tests.sandbox.contract.tags import TAG_ROWS
from tests.sandbox.contract.tokens import TOKEN_ROWS
from tests.sandbox.contract.vswitches import VSWITCH_ROWS

__all__ = ["ROWS", "Answers", "Refused", "Row"]

ROWS: tuple[Row, ...] = (
    *TAG_ROWS,
    *TOKEN_ROWS,
    *BUSY_ROWS,
    *CATALOG_ROWS,
    *DELETE_ROWS,
    *SNAPSHOT_ROWS,
    *IMAGE_ROWS,
    *RUN_ROWS,
    *DISK_ROWS,
    *VSWITCH_ROWS,
    *OUTAGE_ROWS,
    *RECOVERY_POINT_ROWS,
)
