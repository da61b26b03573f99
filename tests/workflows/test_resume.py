"""Resuming an operation whose process died: the same plan runs again under the same operation
id, so every create reuses its ClientToken, a step the journal has a resource for is not sent
again, and the sandbox ends with exactly the resources one uninterrupted run makes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio
import pytest
from pydantic import BaseModel

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.disk_recovery import DiskRecoveryPlan
from ecs_dr.domain.instance_recovery import InstanceRecoveryPlan, InstanceRecoveryResult
from ecs_dr.domain.plans import TAG_OPERATION, Cancelled, NeedsDecision
from ecs_dr.tools.refusals import refusal_text
from ecs_dr.workflows.disk_recovery import execute_disk_recovery, plan_disk_recovery
from ecs_dr.workflows.instance_recovery import execute_instance_recovery, plan_instance_recovery
from ecs_dr.workflows.journal import (
    Journal,
    OperationNotResumable,
    StepRecorder,
    UnknownOperation,
)
from ecs_dr.workflows.operations import Operations, ProgressFn
from tests.support.demo_world import DB_INSTANCE, REGION, TARGET_INSTANCE, TARGET_ZONE
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import FLOW_LIMIT_S, ProgressLog, mutations, region_state, tags_of


class Crash(Exception):
    """The process dies here: nothing after it runs, the journal keeps what it had."""


class CrashingRecorder(StepRecorder):
    """A recorder whose process dies when a step's create call has returned, before the
    journal has its resource id."""

    def __init__(
        self,
        journal: Journal,
        operation_id: str,
        before_recording: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(journal, operation_id, tags)
        self.journal = journal
        self.before_recording = before_recording

    def with_tags(self, tags: Mapping[str, str]) -> StepRecorder:
        return CrashingRecorder(
            self.journal, self.operation_id, self.before_recording, {**self.tags, **tags}
        )

    async def created(self, step: str, resource_id: str) -> None:
        if step == self.before_recording:
            raise Crash(step)
        await super().created(step, resource_id)


def full_plan(result: InstanceRecoveryPlan | NeedsDecision | Cancelled) -> InstanceRecoveryPlan:
    assert isinstance(result, InstanceRecoveryPlan), f"expected a plan, got {result!r}"
    return result


def disk_plan(result: DiskRecoveryPlan | NeedsDecision | Cancelled) -> DiskRecoveryPlan:
    assert isinstance(result, DiskRecoveryPlan), f"expected a plan, got {result!r}"
    return result


def sent(sandbox: SandboxHandle, action: str) -> list[dict[str, Any]]:
    return [r for r in mutations(sandbox) if r["action"] == action]


def of_operation(sandbox: SandboxHandle, kind: str, resource_type: str, operation_id: str) -> int:
    state = region_state(sandbox)
    return sum(
        1
        for resource_id in state[kind]
        if tags_of(state, resource_type, resource_id).get(TAG_OPERATION) == operation_id
    )


async def resume_full(
    gateway: EcsGateway, journal: Journal, timing: Timing, plan: InstanceRecoveryPlan, op: str
) -> InstanceRecoveryResult:
    """A fresh server on the same journal resumes the operation."""

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        assert step.operation_id == op
        return await execute_instance_recovery(gateway, plan, step, progress, timing=timing)

    async with Operations(journal, max_call_wait_s=FLOW_LIMIT_S) as operations:
        outcome = await operations.resume(op, work)
    assert outcome.status == "completed", outcome.error
    assert journal.get(op).status == "completed"
    return InstanceRecoveryResult.model_validate(outcome.result)


@pytest.mark.parametrize("crash_at", ["create_snapshot_group", "create_image", "run_instances"])
async def test_resume_after_a_crash_before_the_journal_write_creates_nothing_twice(
    sandbox: SandboxHandle, gateway: EcsGateway, journal: Journal, timing: Timing, crash_at: str
) -> None:
    plan = full_plan(await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE))
    op = journal.create_operation("execute_recovery", REGION, {"plan_id": "plan-test"})
    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(Crash):
        await execute_instance_recovery(
            gateway, plan, CrashingRecorder(journal, op, crash_at), ProgressLog(), timing=timing
        )
    assert journal.get(op).status == "running"

    with anyio.fail_after(FLOW_LIMIT_S):
        result = await resume_full(gateway, journal, timing, plan, op)

    assert of_operation(sandbox, "snapshot_groups", "snapshotgroup", op) == 1
    assert of_operation(sandbox, "images", "image", op) == 1
    assert of_operation(sandbox, "instances", "instance", op) == 1
    assert result.dr_instance_id is not None
    # Every re-sent create carried the ClientToken the first run sent.
    for action in ("CreateSnapshotGroup", "CreateImage", "RunInstances"):
        tokens = {r["parameters"].get("ClientToken") for r in sent(sandbox, action)}
        assert len(tokens) == 1, (action, tokens)


async def test_a_step_with_a_recorded_resource_is_not_sent_again(
    sandbox: SandboxHandle, gateway: EcsGateway, journal: Journal, timing: Timing
) -> None:
    plan = full_plan(await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE))
    op = journal.create_operation("execute_recovery", REGION, {"plan_id": "plan-test"})
    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(Crash):
        await execute_instance_recovery(
            gateway,
            plan,
            CrashingRecorder(journal, op, "run_instances"),
            ProgressLog(),
            timing=timing,
        )
    with anyio.fail_after(FLOW_LIMIT_S):
        await resume_full(gateway, journal, timing, plan, op)

    assert len(sent(sandbox, "CreateSnapshotGroup")) == 1
    assert len(sent(sandbox, "CreateImage")) == 1
    assert len(sent(sandbox, "RunInstances")) == 2


async def test_resume_of_a_cancelled_run_finishes_it_once(
    sandbox: SandboxHandle, gateway: EcsGateway, journal: Journal, timing: Timing
) -> None:
    plan = full_plan(await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE))
    op = journal.create_operation("execute_recovery", REGION, {"plan_id": "plan-test"})
    recorder = StepRecorder(journal, op)
    image_started = anyio.Event()

    async def until_image(progress: float, total: float | None, message: str) -> None:
        if message.startswith("image"):
            image_started.set()

    with anyio.fail_after(FLOW_LIMIT_S):
        async with anyio.create_task_group() as group:

            async def first_run() -> None:
                await execute_instance_recovery(gateway, plan, recorder, until_image, timing=timing)

            group.start_soon(first_run)
            await image_started.wait()
            group.cancel_scope.cancel()
    assert "create_image" in {s.step for s in journal.get(op).steps if s.resource_id}

    with anyio.fail_after(FLOW_LIMIT_S):
        await resume_full(gateway, journal, timing, plan, op)
    assert of_operation(sandbox, "images", "image", op) == 1
    assert of_operation(sandbox, "instances", "instance", op) == 1
    assert len(sent(sandbox, "CreateImage")) == 1


async def test_resumed_disk_recovery_never_attaches_an_attached_disk_again(
    sandbox: SandboxHandle, gateway: EcsGateway, journal: Journal, timing: Timing
) -> None:
    first = await plan_disk_recovery(gateway, DB_INSTANCE, TARGET_INSTANCE)
    assert isinstance(first, NeedsDecision)
    (prompt,) = first.prompts
    plan = disk_plan(
        await plan_disk_recovery(
            gateway, DB_INSTANCE, TARGET_INSTANCE, decisions={prompt.decision_id: prompt.values[0]}
        )
    )
    op = journal.create_operation("execute_recovery", REGION, {"plan_id": "plan-test"})
    last_attach = f"attach_{plan.copies[-1].key}"
    with anyio.fail_after(FLOW_LIMIT_S), pytest.raises(Crash):
        await execute_disk_recovery(
            gateway, plan, CrashingRecorder(journal, op, last_attach), ProgressLog(), timing=timing
        )

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        return await execute_disk_recovery(gateway, plan, step, progress, timing=timing)

    with anyio.fail_after(FLOW_LIMIT_S):
        async with Operations(journal, max_call_wait_s=FLOW_LIMIT_S) as operations:
            outcome = await operations.resume(op, work)
    assert outcome.status == "completed", outcome.error
    k = len(plan.copies)
    assert len(sent(sandbox, "AttachDisk")) == k
    assert len(sent(sandbox, "CreateSnapshot")) == k
    assert len(sent(sandbox, "CreateDisk")) == k
    assert of_operation(sandbox, "disks", "disk", op) == k


async def test_resume_refuses_unknown_ended_cleaned_and_running_operations_naming_the_status(
    journal: Journal,
) -> None:
    release = anyio.Event()

    class Done(BaseModel):
        ok: bool = True

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        await release.wait()
        return Done()

    refused: dict[str, tuple[str, str]] = {}
    for status, instead in (("completed", "cleanup_recovery"), ("cancelled", "plan_recovery")):
        op = journal.create_operation("execute_recovery", REGION, {})
        journal.finish(op, status)  # type: ignore[arg-type]
        refused[op] = (status, instead)
    cleaning = journal.create_operation("execute_recovery", REGION, {})
    journal.finish(cleaning, "completed", result={})
    journal.claim_cleanup(cleaning)
    refused[cleaning] = ("cleaning_up", "cleanup_recovery")
    cleaned = journal.create_operation("execute_recovery", REGION, {})
    journal.finish(cleaned, "failed", error="boom")
    journal.claim_cleanup(cleaned)
    journal.finish_cleanup(cleaned, {"deleted": []})
    refused[cleaned] = ("cleaned_up", "plan_recovery")

    with anyio.fail_after(FLOW_LIMIT_S):
        async with Operations(journal, max_call_wait_s=0.01) as operations:
            with pytest.raises(UnknownOperation):
                await operations.resume("op-0000000000000000", work)
            for op, (status, instead) in refused.items():
                before = journal.get(op)
                with pytest.raises(OperationNotResumable) as raised:
                    await operations.resume(op, work)
                refusal = refusal_text(raised.value)
                assert f"is {status}" in refusal
                assert instead in refusal and "get_operation" in refusal
                assert journal.get(op) == before
            running = await operations.run("execute_recovery", REGION, {}, work)
            assert running.status == "in_progress"
            with pytest.raises(OperationNotResumable) as raised:
                await operations.resume(running.operation_id, work)
            assert "wait_operation" in refusal_text(raised.value)
            release.set()
            # Each wait is capped at 0.01 s; the journal's writes run in worker threads.
            waited = await operations.wait(running.operation_id)
            while waited.status == "in_progress":
                waited = await operations.wait(running.operation_id)
            assert waited.status == "completed"


class FailingRecorder(StepRecorder):
    """A recorder whose step fails before its create call is sent (a quota, a typo in the
    console): the operation ends failed at that step."""

    def __init__(
        self,
        journal: Journal,
        operation_id: str,
        failing: str,
        tags: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(journal, operation_id, tags)
        self.journal = journal
        self.failing = failing

    def with_tags(self, tags: Mapping[str, str]) -> StepRecorder:
        return FailingRecorder(self.journal, self.operation_id, self.failing, {**self.tags, **tags})

    async def intent(self, step: str, action: str, parameters: Mapping[str, Any]) -> str:
        if step == self.failing:
            raise RuntimeError(f"{action} refused: QuotaExceeded (the cause to fix)")
        return await super().intent(step, action, parameters)


async def test_a_failed_operation_resumes_reusing_recorded_steps(
    sandbox: SandboxHandle, gateway: EcsGateway, journal: Journal, timing: Timing
) -> None:
    plan = full_plan(await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE))

    async def failing(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        recorder = FailingRecorder(journal, step.operation_id, "run_instances")
        return await execute_instance_recovery(gateway, plan, recorder, progress, timing=timing)

    with anyio.fail_after(FLOW_LIMIT_S):
        async with Operations(journal, max_call_wait_s=FLOW_LIMIT_S) as operations:
            first = await operations.run("execute_recovery", REGION, {"plan_id": "p"}, failing)
    assert first.status == "failed" and "QuotaExceeded" in (first.error or "")
    op = first.operation_id
    failed = journal.get(op)
    assert (failed.status, failed.lease) == ("failed", None)
    assert "RunInstances" not in {m["action"] for m in mutations(sandbox)}

    # The cause is fixed; resume continues at the failed step under the same operation.
    with anyio.fail_after(FLOW_LIMIT_S):
        result = await resume_full(gateway, journal, timing, plan, op)

    record = journal.get(op)
    assert (record.status, record.error, record.lease) == ("completed", None, None)
    assert result.dr_instance_id is not None
    assert len(sent(sandbox, "CreateSnapshotGroup")) == 1
    assert len(sent(sandbox, "CreateImage")) == 1
    assert len(sent(sandbox, "RunInstances")) == 1
    assert of_operation(sandbox, "images", "image", op) == 1
    assert of_operation(sandbox, "instances", "instance", op) == 1
    recorded = {s.step: s.resource_id for s in failed.steps}
    assert {s.step: s.resource_id for s in record.steps if s.step in recorded} == recorded


async def test_a_failed_group_is_made_again_only_once_none_of_its_snapshots_still_uploads(
    sandbox: SandboxHandle, gateway: EcsGateway, journal: Journal, timing: Timing
) -> None:
    plan = full_plan(await plan_instance_recovery(gateway, DB_INSTANCE, TARGET_ZONE))
    sandbox.add_fault({"kind": "outcome", "action": "CreateSnapshotGroup", "status": "failed"})

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        return await execute_instance_recovery(gateway, plan, step, progress, timing=timing)

    with anyio.fail_after(FLOW_LIMIT_S):
        async with Operations(journal, max_call_wait_s=FLOW_LIMIT_S) as operations:
            first = await operations.run("execute_recovery", REGION, {"plan_id": "p"}, work)
    assert first.status == "failed" and "failed" in (first.error or "")
    sandbox.clear_faults()

    with anyio.fail_after(FLOW_LIMIT_S):
        await resume_full(gateway, journal, timing, plan, first.operation_id)

    groups = [r for r in sandbox.requests() if r["action"] == "CreateSnapshotGroup"]
    # ECS refuses a snapshot of a disk while one of it uploads: the remake waited, not asked.
    assert [r["code"] for r in groups] == ["", ""]
    failed_group = region_state(sandbox)["snapshot_groups"][
        journal.get(first.operation_id).steps[0].resource_id or ""
    ]
    statuses = {
        region_state(sandbox)["snapshots"][s]["status"] for s in failed_group["snapshot_ids"]
    }
    assert "progressing" not in statuses
