"""Every row of the contract table (`contract.py`): the sandbox answers as the ECS API reference
documents, through the official SDK over real HTTP, each row on a freshly reset world."""

from __future__ import annotations

import pytest

from tests.sandbox.contract import ROWS, Answers, Row
from tests.sandbox.contract_tally import HELD
from tests.support.sandboxes import RunningSandbox
from tests.support.sdk_calls import ecs_error


def _row_id(row: Row) -> str:
    return f"{row.action}: {row.condition}"


@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_the_sandbox_answers_as_the_api_reference_documents(
    row: Row, request: pytest.FixtureRequest
) -> None:
    served: RunningSandbox = request.getfixturevalue(row.world)
    call = row.provoke(served)
    if isinstance(row.answer, Answers):
        assert call() == row.answer.result
    else:
        assert ecs_error(call) == (row.answer.code, row.answer.status)
    HELD.append({"action": row.action, "was_wrong": row.was_wrong})


def test_every_row_names_its_source_and_is_unique() -> None:
    keys = [(row.action, row.condition) for row in ROWS]
    assert len(keys) == len(set(keys))
    assert all(row.page for row in ROWS)
