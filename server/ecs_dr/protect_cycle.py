"""One protection cycle (`ecs-dr-mcp protect`, whose command line is `ecs_dr.protect`).

Per instance, at once and under the gateway's rate limit: a new recovery point through the
same prepare/execute as `create_recovery_point`, journaled as an operation of that tool (so
list_operations shows it, and one a stopped cycle left is ended by cancel_operation), the
command line being the user's consent to its confirmation; then the instance's points beyond
the newest --keep are deleted (`workflows.retention`). One summary line per instance on
stdout; no traceback: a failure is a one-line reason naming what failed.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field

import anyio
import structlog

from ecs_dr.bootstrap import ConfigError, Services, build_services
from ecs_dr.cloud.errors import CloudError
from ecs_dr.domain.decisions import PROCEED
from ecs_dr.domain.plans import NeedsDecision, Ready
from ecs_dr.domain.recovery_points import RecoveryPointPlan, RecoveryPointResult
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.retention import Retention, per_disk_consent
from ecs_dr.logs import configure_logging, log_uncaught_exceptions, route_stdlib_logging
from ecs_dr.tools.mutation import PLAN_ARGUMENT
from ecs_dr.tools.recovery_points import POINT
from ecs_dr.workflows.journal import off_loop
from ecs_dr.workflows.operations import describe_error
from ecs_dr.workflows.recovery_points import execute_recovery_point, prepare_recovery_point
from ecs_dr.workflows.retention import PointDeletion, apply_retention, unfinished_operations
from ecs_dr.workflows.scenarios import operation_body
from ecs_dr.workflows.source import instance_by_ref

log = structlog.get_logger("ecs_dr.protect")

EXIT_FAILED = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130


@dataclass
class InstanceCycle:
    """How one instance's cycle ended: its new point, what retention decided and did, or why
    it failed."""

    instance: str
    point: RecoveryPointResult | None = None
    retention: Retention | None = None
    deletions: list[PointDeletion] = field(default_factory=list)
    error: str | None = None

    def summary(self) -> str:
        """One line: the point made, the points kept, deleted and why any was kept; or what
        failed."""
        if self.point is None:
            return one_line(
                f"{self.instance}: FAILED, no point made: {self.error}; nothing deleted"
            )
        point = self.point
        named = self.instance
        if point.instance_id != self.instance:  # given by name
            named += f" ({point.instance_id})"
        parts = [f"{named}: point {point.point_id} ({point.kind}) made"]
        if self.retention is not None:
            parts.append(f"{len(self.retention.kept)} kept")
            gone = [d.point_id for d in self.deletions if d.kept_reason is None]
            parts.append(f"{len(gone)} deleted" + (f" ({', '.join(gone)})" if gone else ""))
            parts += [
                f"{p} kept: operation {op} needs it and has not ended"
                for p, op in self.retention.in_use.items()
            ]
            parts += [
                f"{d.point_id} kept: {d.kept_reason}" for d in self.deletions if d.kept_reason
            ]
        if self.error:
            parts.append(f"FAILED to delete old points: {self.error}")
        return one_line("; ".join(parts))


def one_line(text: str) -> str:
    return " ".join(text.splitlines())


async def take_point(
    s: Services, instance: str, region_id: str | None, image: bool, allow_per_disk: bool
) -> RecoveryPointResult:
    """A new point of the instance, journaled as a create_recovery_point operation and
    followed until it ends. Raises Refusal (per-disk snapshots not allowed, an instance that
    cannot be snapshotted now), CloudError, and RuntimeError for an operation that failed."""
    gw = s.gateway
    instance_id = await instance_by_ref(gw, instance, region_id, argument="--instance")
    decisions: dict[str, str] = {}
    prepared = await prepare_recovery_point(gw, instance_id, region_id, image, decisions)
    if isinstance(prepared, NeedsDecision):
        decisions |= per_disk_consent(prepared, allow_per_disk, instance_id)
        prepared = await prepare_recovery_point(gw, instance_id, region_id, image, decisions)
    if not isinstance(prepared, Ready):
        raise Refusal(f"{instance_id}: the point waits for a decision the command cannot make")
    plan: RecoveryPointPlan = prepared.plan
    # The command line is the user's go-ahead for the point, as the confirmation would be.
    decisions[prepared.confirm.decision_id] = PROCEED
    journaled = {
        "instance_id": instance_id,
        "region_id": region_id,
        "image": image,
        "decisions": decisions,
        PLAN_ARGUMENT: plan.model_dump(mode="json"),
    }
    work = operation_body(execute_recovery_point, gw, plan, s.timing)
    outcome = await s.operations.run(POINT.tool, plan.region_id, journaled, work)
    while outcome.status == "in_progress":
        outcome = await s.operations.wait(outcome.operation_id)
    if outcome.status != "completed" or outcome.result is None:
        raise RuntimeError(f"operation {outcome.operation_id} {outcome.status}: {outcome.error}")
    return RecoveryPointResult.model_validate(outcome.result)


async def protect_instance(s: Services, instance: str, args: argparse.Namespace) -> InstanceCycle:
    """One instance's cycle; never raises: a failure is its summary's reason."""
    cycle = InstanceCycle(instance)
    try:
        cycle.point = await take_point(s, instance, args.region, args.image, args.allow_per_disk)
        unfinished = await off_loop(unfinished_operations, s.journal)
        cycle.retention, cycle.deletions = await apply_retention(
            s.gateway, cycle.point.region_id, cycle.point.instance_id, args.keep, unfinished
        )
    except (Refusal, RuntimeError) as exc:
        cycle.error = str(exc)
    except Exception as exc:
        # A cloud error's text names the call, ECS's code and RequestId; anything else is a bug
        # whose traceback goes to the log (stderr), never to the summary.
        cycle.error = describe_error(exc)
        if not isinstance(exc, CloudError):
            log.error("protect.failed", instance=instance, error=cycle.error, exc_info=exc)
    return cycle


async def run_cycle(s: Services, args: argparse.Namespace) -> list[InstanceCycle]:
    """Every instance's cycle at once (the gateway paces their calls), in the order given
    (one given twice runs once)."""
    instances = list(dict.fromkeys(args.instances))
    cycles: dict[int, InstanceCycle] = {}

    async def one(index: int, instance: str) -> None:
        cycles[index] = await protect_instance(s, instance, args)

    async with s.operations, anyio.create_task_group() as group:
        for index, instance in enumerate(instances):
            group.start_soon(one, index, instance)
    return [cycles[i] for i in range(len(instances))]


def run_protection(args: argparse.Namespace) -> int:
    """Run one cycle; print a line per instance. Returns the exit status."""
    configure_logging(args.log_level)
    route_stdlib_logging(args.log_level)
    log_uncaught_exceptions()
    try:
        with build_services(sandbox=False) as services:
            cycles = anyio.run(run_cycle, services, args)
    except ConfigError as exc:
        print(f"ecs-dr-mcp protect: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        # Its operations stay in the journal as they stood (list_operations shows them).
        print("ecs-dr-mcp protect: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    for cycle in cycles:
        print(cycle.summary(), flush=True)
    return EXIT_FAILED if any(c.error for c in cycles) else 0
