"""Scenario A and B against ECS misbehaving at every step, through the `mcp` client.

Each fault is injected at each step it applies to (the creates and the polls of both
scenarios): the operation completes, or stops `failed` naming ECS's code and is completed by
`resume_recovery` once the fault is cleared; no resource is duplicated, every one the
operation made is in its journal, and no source resource changed (`matrix.run_case`). A busy
answer (`IdempotentProcessing`, `OperationConflict`, the VPC API's own) at any create or attach
is asked again by the server until ECS accepts: the operation completes with no user action.

Most cases run on a server that gives every call one attempt (ECS_DR_RETRY_ATTEMPTS=1): one
faulted call outlasts its retries, as a storm longer than the default budget (six attempts,
a minute) does, and the operation must stop resumably. The cases marked slow run on a server
with the default retries, where a short storm is absorbed and the create retried under its
own ClientToken. The sandbox and the servers live for the module; each case starts from a
reset world.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_asyncio

from ecs_dr.sandbox.control import SandboxControl
from tests.faults.cases import (
    Clean,
    Servers,
    audit,
    clean_run,
    client_tokens,
    execute,
    follow,
    plan,
    run_case,
)
from tests.faults.matrix import (
    CREATES,
    MATRIX,
    READ_TIMEOUT_S,
    TIME_SCALE,
    TRANSIENT,
    UNTOUCHED,
    Case,
    Fault,
    Scenario,
    Step,
    error,
    outcome,
    record,
    reset,
)
from tests.support.credentials import SANDBOX_KEY_ID, SANDBOX_KEY_SECRET
from tests.support.decisions import decide
from tests.support.mcp import mcp_session_on
from tests.support.recoveries import inventory_of
from tests.support.sandboxes import sandbox_process

pytestmark = pytest.mark.asyncio(loop_scope="module")

SERVER_SETTINGS = {
    "ECS_DR_CLOUD_TIME_SCALE": str(TIME_SCALE),
    "ECS_DR_READ_TIMEOUT_S": str(READ_TIMEOUT_S),
    "ECS_DR_MAX_CALL_WAIT_S": "2",
    "ECS_DR_MAX_QPS": "1000",
    # Busy answers are asked again for this many cloud seconds. At TIME_SCALE a request's few
    # real milliseconds are tens of cloud seconds, so the default 180 (60 ms real) would be
    # spent by the round trips alone; 3000 is one real second, still far short of the
    # 1000 busy answers of the "past the busy budget" case.
    "ECS_DR_BUSY_RETRY_TIMEOUT_S": "3000",
}
SERVERS = {
    "one_attempt": SERVER_SETTINGS | {"ECS_DR_RETRY_ATTEMPTS": "1"},
    "retrying": SERVER_SETTINGS,
}
SANDBOX_ARGS = [
    "-m",
    "ecs_dr.sandbox.cli",
    "--port",
    "0",
    "--time-scale",
    str(TIME_SCALE),
    "--access-key-id",
    SANDBOX_KEY_ID,
    "--access-key-secret",
    SANDBOX_KEY_SECRET,
]

# ECS's own ways a step ends badly, each where ECS does it.
TERMINAL = [
    Case(Fault("snapshot failed", outcome("failed"), "failed"), Step("A", "CreateSnapshotGroup")),
    Case(Fault("snapshot failed", outcome("failed"), "failed"), Step("B", "CreateSnapshot")),
    Case(
        Fault("image CreateFailed", outcome("CreateFailed"), "CreateFailed"),
        Step("A", "CreateImage"),
    ),
]
SPECIAL = [
    Case(
        Fault("OperationDenied.NoStock", error("OperationDenied.NoStock", 403), "NoStock"),
        Step("A", "RunInstances"),
    ),
    Case(
        # Busy for longer than the server asks again (ECS_DR_BUSY_RETRY_TIMEOUT_S).
        Fault(
            "IncorrectInstanceStatus past the busy budget",
            error("IncorrectInstanceStatus", 400, times=1000),
            "IncorrectInstanceStatus",
        ),
        Step("B", "AttachDisk"),
    ),
]


def qps_storm(action: str, nth: int) -> list[dict[str, Any]]:
    """ECS refusing every call of the action while the account sent another within a second."""
    return [{"kind": "throttle", "action": action, "qps": 2, "code": "Throttling.User"}]


# A short storm at a create, absorbed by the default retries: the retried create carries the
# ClientToken of the first attempt, so a request whose answer was lost creates nothing more.
BURSTS = [
    Fault("Throttling.User x2", error("Throttling.User", 400, times=2), "Throttling.User"),
    Fault(
        "429 Throttling.Resource x2",
        error("Throttling.Resource", 429, times=2),
        "Throttling.Resource",
    ),
    Fault("InternalError x2", error("InternalError", 500, times=2), "InternalError"),
    Fault("ServiceUnavailable x2", error("ServiceUnavailable", 503, times=2), "ServiceUnavailable"),
    Fault("connection reset x2", reset(times=2), "ConnectionError"),
    Fault("read timeout", TRANSIENT[-1].inject, "ReadTimeout", late_answer=True),
    Fault("Throttling.User QPS storm", qps_storm, "Throttling.User"),
]
ABSORBED = [
    Case(fault, step, server="retrying")
    for fault in BURSTS
    for step in (Step("A", "CreateImage"), Step("A", "RunInstances"), Step("B", "CreateDisk"))
]


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxControl]:
    with sandbox_process(tmp_path_factory.mktemp("sandbox"), SANDBOX_ARGS) as control:
        yield control


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def servers(
    cloud: SandboxControl, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Servers]:
    pool = Servers(cloud, tmp_path_factory.mktemp("servers"))
    try:
        yield pool
    finally:
        await pool.aclose()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def clean(servers: Servers, cloud: SandboxControl) -> dict[Scenario, Clean]:
    """One uninterrupted run of each scenario: what the cases are compared with."""
    served = await servers.get("one_attempt", SERVERS["one_attempt"])
    return {scenario: await clean_run(served, cloud, scenario) for scenario in ("A", "B")}


async def check(
    servers: Servers, cloud: SandboxControl, clean: dict[Scenario, Clean], case: Case
) -> None:
    served = await servers.get(case.server, SERVERS[case.server])
    row = record(case.fault.name, case.step.name, case.step.scenario)
    found = await run_case(served, cloud, clean[case.step.scenario], case, row)
    assert found.duplicates == [], found.duplicates
    assert found.orphans == [], found.orphans
    assert found.source_changes == [], found.source_changes


@pytest.mark.parametrize("case", MATRIX, ids=str)
async def test_a_fault_at_any_step_stops_the_recovery_resumably_and_resume_completes_it(
    servers: Servers, cloud: SandboxControl, clean: dict[Scenario, Clean], case: Case
) -> None:
    await check(servers, cloud, clean, case)


@pytest.mark.parametrize("case", SPECIAL, ids=str)
async def test_no_stock_and_a_busy_target_stop_the_recovery_resumably_and_resume_completes_it(
    servers: Servers, cloud: SandboxControl, clean: dict[Scenario, Clean], case: Case
) -> None:
    await check(servers, cloud, clean, case)


@pytest.mark.parametrize("case", TERMINAL, ids=str)
async def test_a_resource_ending_failed_is_made_again_on_resume_and_kept_for_cleanup(
    servers: Servers, cloud: SandboxControl, clean: dict[Scenario, Clean], case: Case
) -> None:
    served = await servers.get(case.server, SERVERS[case.server])
    await check(servers, cloud, clean, case)
    (listed,) = (await served.call("list_operations", {"limit": 1}))["operations"]
    op = listed["operation_id"]
    detail = await served.call("get_operation", {"operation_id": op})
    steps = {s["step"]: s for s in detail["operation"]["steps"]}
    (failed,) = [s for s in steps.values() if s["failure"]]
    assert failed["failure"] == case.fault.code
    again = steps[f"{failed['step']}#2"]
    assert again["resource_id"] not in (None, failed["resource_id"])
    assert again["client_token"] != failed["client_token"]
    result = (await served.call("wait_operation", {"operation_id": op}))["result"]
    assert [(r["resource_id"], r["replaced_by"]) for r in result["replaced"]] == [
        (failed["resource_id"], again["step"])
    ]
    # cleanup_recovery finds the failed resource in the journal and deletes it too.
    cleaned, _ = await decide(served, "cleanup_recovery", {"operation_id": op})
    assert cleaned["status"] == "completed", cleaned
    assert failed["resource_id"] not in set().union(*inventory_of(cloud.state()).values())


@pytest.mark.slow
@pytest.mark.parametrize("case", ABSORBED, ids=str)
async def test_a_short_storm_is_absorbed_by_the_retries_under_one_client_token(
    servers: Servers, cloud: SandboxControl, clean: dict[Scenario, Clean], case: Case
) -> None:
    await check(servers, cloud, clean, case)


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ({"ALIBABA_CLOUD_ACCESS_KEY_SECRET": "not-the-secret"}, "SignatureDoesNotMatch"),
        ({"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-unknown-key-id"}, "InvalidAccessKeyId.NotFound"),
    ],
    ids=["wrong_secret", "unknown_key_id"],
)
@pytest.mark.parametrize("scenario", ["A", "B"])
async def test_a_wrong_key_refuses_the_execution_creating_nothing_and_the_plan_still_runs(
    servers: Servers,
    cloud: SandboxControl,
    clean: dict[Scenario, Clean],
    key: dict[str, str],
    code: str,
    scenario: Scenario,
) -> None:
    served = await servers.get("one_attempt", SERVERS["one_attempt"])
    row = record(code, "execute_recovery (every call)", scenario)
    cloud.reset()
    plan_id = await plan(served, scenario)
    before = cloud.state()
    # A server on the same journal, started with the wrong key.
    journal = servers.workdir / "one_attempt"
    async with mcp_session_on(cloud, journal, "wrong_key", SERVERS["one_attempt"] | key) as (
        wrong,
        _,
    ):
        refused = await wrong.client.call_tool("execute_recovery", {"plan_id": plan_id})
    assert refused.is_error, refused.structured_content
    assert code in str(refused.content)
    assert not [r for r in cloud.requests() if r["action"] in CREATES]
    assert inventory_of(cloud.state()) == inventory_of(before)
    row.outcome = "refused-nothing-created"
    # The refused plan was not used up: with the right key it runs.
    result = await execute(served, plan_id)
    assert result["status"] == "completed", result
    operation = await served.call("get_operation", {"operation_id": result["operation_id"]})
    found = audit(
        clean[scenario],
        before,
        cloud.state(),
        cloud.requests(),
        operation["operation"],
        UNTOUCHED[scenario],
    )
    row.duplicates, row.orphans = len(found.duplicates), len(found.orphans)
    row.source_changes = len(found.source_changes)
    assert (found.duplicates, found.orphans, found.source_changes) == ([], [], [])


async def test_an_instance_stuck_in_pending_fails_at_the_wait_timeout_and_resume_waits_for_it(
    servers: Servers, cloud: SandboxControl, clean: dict[Scenario, Clean]
) -> None:
    """The instance stays Pending past the wait's 20 cloud minutes: the operation fails naming
    the instance, Pending and the timeout, having launched nothing more; once ECS releases
    the instance, resume waits for that same instance (one RunInstances, one ClientToken)."""
    served = await servers.get("one_attempt", SERVERS["one_attempt"])
    row = record("instance stuck in Pending", "DescribeInstances after RunInstances", "A")
    cloud.reset()
    plan_id = await plan(served, "A")
    before = cloud.state()
    cloud.add_fault({"kind": "outcome", "action": "RunInstances", "status": "Pending"})
    stopped = await execute(served, plan_id)
    assert stopped["status"] == "failed", stopped
    (stuck,) = inventory_of(cloud.state())["instances"] - inventory_of(before)["instances"]
    reason = stopped["error"] or ""
    assert all(said in reason for said in ("Waiter.Timeout", stuck, "Pending")), reason
    launches = [r for r in cloud.requests() if r["action"] == "RunInstances"]
    assert len(launches) == 1, launches
    op = stopped["operation_id"]
    resumable = await served.call("get_operation", {"operation_id": op})
    assert "resume_recovery" in resumable["next_step"], resumable
    cloud.clear_faults()
    done = await follow(served, await served.call("resume_recovery", {"operation_id": op}))
    assert done["status"] == "completed" and done["result"]["dr_instance_id"] == stuck, done
    launches = [r for r in cloud.requests() if r["action"] == "RunInstances"]
    assert len(launches) == 1 and len(client_tokens(launches)["RunInstances"]) == 1, launches
    row.outcome = "resumed-completed"
    operation = (await served.call("get_operation", {"operation_id": op}))["operation"]
    found = audit(clean["A"], before, cloud.state(), cloud.requests(), operation, UNTOUCHED["A"])
    row.duplicates, row.orphans = len(found.duplicates), len(found.orphans)
    row.source_changes = len(found.source_changes)
    assert (found.duplicates, found.orphans, found.source_changes) == ([], [], [])
