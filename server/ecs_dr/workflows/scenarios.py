"""The recovery scenarios plan_recovery plans and execute_recovery runs, in one registry keyed by
the plan's `scenario`: "full_instance" (Scenario A, one source), "fleet" (Scenario A, several
sources, one confirmation) and "disks" (Scenario B).

Each entry binds its workflow's functions (plan, check-current, confirm prompt, execute) and
what its plan and result carry, so a tool looks its scenario up once (`scenario_for` from
plan_recovery's arguments, `stored_plan` for a plan the journal holds) and never tells plan
kinds apart itself. A new scenario is one more entry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, get_type_hints

from pydantic import BaseModel, ValidationError

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain import arguments as argument_rules
from ecs_dr.domain.decisions import ChoicePrompt
from ecs_dr.domain.disk_recovery import (
    DiskRecoveryPlan,
    DiskRecoveryResult,
    Preflight,
    confirm_disk_plan_prompt,
)
from ecs_dr.domain.fleet_recovery import (
    FleetRecoveryPlan,
    FleetRecoveryResult,
    confirm_fleet_plan_prompt,
)
from ecs_dr.domain.instance_recovery import (
    InstancePreflight,
    InstanceRecoveryPlan,
    InstanceRecoveryResult,
    confirm_instance_plan_prompt,
)
from ecs_dr.domain.plans import Cancelled, Decisions, NeedsDecision
from ecs_dr.domain.refusal import Refusal
from ecs_dr.workflows import (
    disk_recovery,
    fleet_recovery,
    instance_checks,
    instance_recovery,
    source,
)
from ecs_dr.workflows.journal import StepRecorder
from ecs_dr.workflows.operations import ProgressFn, Work
from ecs_dr.workflows.point_recovery import PointReads

# Every scenario's models, for the orchestration tools' output schemas (a type checker needs
# them written out; tests/unit/test_scenarios.py checks they match SCENARIOS).
AnyPlan = DiskRecoveryPlan | InstanceRecoveryPlan | FleetRecoveryPlan
AnyResult = InstanceRecoveryResult | FleetRecoveryResult | DiskRecoveryResult
AnyPreflight = Preflight | InstancePreflight

P = TypeVar("P", bound=BaseModel)
P_contra = TypeVar("P_contra", contravariant=True)
R = TypeVar("R", bound=BaseModel)
R_co = TypeVar("R_co", bound=BaseModel, covariant=True)
PlanT = TypeVar("PlanT")
ResultT = TypeVar("ResultT", bound=BaseModel)


PlanFn = Callable[[EcsGateway, Mapping[str, Any], Decisions, PointReads], Awaitable[Any]]
"""A scenario's planning: (gateway, plan_recovery's arguments, answers so far, where recovery
points' records are read) -> the plan, or NeedsDecision, or Cancelled."""


class Execute(Protocol[P_contra, R_co]):
    """A workflow's `execute_*`: create, wait, and return the result."""

    def __call__(
        self,
        gw: EcsGateway,
        plan: P_contra,
        step: StepRecorder,
        progress: ProgressFn,
        /,
        *,
        timing: Timing,
    ) -> Awaitable[R_co]: ...


class CheckedExecute(Protocol[P_contra, R_co]):
    """A scenario's `execute_*`: told whether its scenario's `check_current` passed just
    before this run began, so that its first reading of the source is that check's."""

    def __call__(
        self,
        gw: EcsGateway,
        plan: P_contra,
        step: StepRecorder,
        progress: ProgressFn,
        /,
        *,
        timing: Timing,
        checked: bool = False,
    ) -> Awaitable[R_co]: ...


def plan_and_result(execute: Execute[PlanT, ResultT]) -> tuple[type[PlanT], type[ResultT]]:
    """The plan model `execute` takes and the result model it returns, from its annotations:
    the journal stores the plan, and reads both back, as these models."""
    hints = get_type_hints(execute)
    return hints["plan"], hints["return"]


def operation_body(
    execute: Execute[PlanT, ResultT], gw: EcsGateway, plan: PlanT, timing: Timing
) -> Work:
    """`execute` of this plan as an operation's body (Operations.run and .resume run it)."""

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        return await execute(gw, plan, step, progress, timing=timing)

    return work


def checked_operation_body(
    execute: CheckedExecute[PlanT, ResultT], gw: EcsGateway, plan: PlanT, timing: Timing
) -> Work:
    """`operation_body` for a plan its scenario's `check_current` passed just now (in the same
    call, right before the operation starts): the operation's first run does not read the
    source again before its first create. Any later run (resume builds a new body) does."""
    first_run = [True]

    async def work(step: StepRecorder, progress: ProgressFn) -> BaseModel:
        checked, first_run[0] = first_run[0], False
        return await execute(gw, plan, step, progress, timing=timing, checked=checked)

    return work


def _fingerprint_digest(plan: Any) -> str:
    digest: str = plan.fingerprint.digest
    return digest


def _preflight(plan: Any) -> AnyPreflight | None:
    preflight: AnyPreflight = plan.preflight
    return preflight


@dataclass(frozen=True)
class Scenario(Generic[P, R]):
    """What every recovery scenario provides, bound to its workflow's functions; its plan and
    result models are `execute`'s, its name the plan model's `scenario`."""

    plan: PlanFn
    """Refuses arguments the scenario does not take."""
    check_current: Callable[[EcsGateway, str, P], Awaitable[None]]
    """Raises (PlanStale and others) when the world moved away from the plan."""
    confirm_prompt: Callable[[str, P], ChoicePrompt]
    execute: CheckedExecute[P, R]
    answer: Callable[[R], dict[str, Any]]
    """The result's parts execute_recovery's answer shows beside it, and its next_step."""
    digest: Callable[[P], str] = _fingerprint_digest
    """What the journal stores beside the plan to recognise the world it was made for."""
    preflight: Callable[[P], AnyPreflight | None] = _preflight
    plan_type: type[P] = field(init=False)
    result_type: type[R] = field(init=False)

    def __post_init__(self) -> None:
        plan_type, result_type = plan_and_result(self.execute)
        object.__setattr__(self, "plan_type", plan_type)
        object.__setattr__(self, "result_type", result_type)

    @property
    def name(self) -> str:
        name: str = self.plan_type.model_fields["scenario"].default
        return name


def _after_drill(drill: bool) -> str:
    if not drill:
        return "."
    return (
        "; this was a drill: cleanup_recovery(operation_id=<this operation_id>) removes what "
        "it created, once the user is done with it."
    )


# plan_recovery's arguments that name instances, by id or exact name.
INSTANCE_ARGUMENTS = ("source_instance_id", "target_instance_id")


def _by_instance_ids(plan: PlanFn) -> PlanFn:
    """`plan` given instance ids for the names among its instance arguments; a name several
    instances have is first a choice for the user (NeedsDecision)."""

    async def planned(
        gw: EcsGateway, arguments: Mapping[str, Any], answers: Decisions, points: PointReads
    ) -> Any:
        refs = {name: arguments.get(name) for name in INSTANCE_ARGUMENTS}
        ids = await source.instance_ids_or_choice(gw, refs, arguments.get("region_id"), answers)
        if isinstance(ids, NeedsDecision):
            return ids
        return await plan(gw, {**arguments, **ids}, answers, points)

    return planned


async def _plan_full_instance(
    gw: EcsGateway, arguments: Mapping[str, Any], answers: Decisions, points: PointReads
) -> InstanceRecoveryPlan | NeedsDecision | Cancelled:
    zone = argument_rules.full_instance_zone(arguments)
    return await instance_recovery.plan_instance_recovery(
        gw,
        argument_rules.sources(arguments)[0],
        zone,
        arguments["region_id"],
        arguments.get("instance_name"),
        answers,
        drill=bool(arguments.get("drill")),
        recovery_point=arguments.get("recovery_point"),
        points=points,
    )


async def _plan_fleet(
    gw: EcsGateway, arguments: Mapping[str, Any], answers: Decisions, points: PointReads
) -> FleetRecoveryPlan | NeedsDecision | Cancelled:
    return await fleet_recovery.plan_fleet_recovery(
        gw,
        argument_rules.sources(arguments),
        argument_rules.fleet_zone(arguments),
        arguments["region_id"],
        answers,
        drill=bool(arguments.get("drill")),
        recovery_point=arguments.get("recovery_point"),
        points=points,
    )


async def _plan_disks(
    gw: EcsGateway, arguments: Mapping[str, Any], answers: Decisions, _points: PointReads
) -> DiskRecoveryPlan | NeedsDecision | Cancelled:
    target = argument_rules.disks_target(arguments)
    source = argument_rules.sources(arguments)[0]
    disk_ids = arguments["disk_ids"]
    return await disk_recovery.plan_disk_recovery(
        gw, source, target, disk_ids, arguments["region_id"], answers
    )


def _disks_answer(copied: DiskRecoveryResult) -> dict[str, Any]:
    return {
        "next_step": (
            "Show the summary, the layout and the reminder to the user; do not suggest OS commands."
        ),
    }


FULL_INSTANCE = Scenario(
    plan=_by_instance_ids(_plan_full_instance),
    check_current=instance_checks.check_current,
    confirm_prompt=confirm_instance_plan_prompt,
    execute=instance_recovery.execute_instance_recovery,
    answer=lambda full: {
        "dr_instance_id": full.dr_instance_id,
        "next_step": (
            "Show the comparison table to the user; verify_dr_instance(source_instance_id="
            f"{full.source_instance_id!r}, dr_instance_id={full.dr_instance_id!r}) compares "
            "them again later" + _after_drill(full.drill)
        ),
    },
)

DISKS = Scenario(
    plan=_by_instance_ids(_plan_disks),
    check_current=disk_recovery.check_current,
    confirm_prompt=confirm_disk_plan_prompt,
    execute=disk_recovery.execute_disk_recovery,
    answer=_disks_answer,
)

FLEET = Scenario(
    plan=_by_instance_ids(_plan_fleet),
    check_current=fleet_recovery.check_current,
    confirm_prompt=confirm_fleet_plan_prompt,
    execute=fleet_recovery.execute_fleet_recovery,
    # The fleet's own digest is over its members'; each member has its own preflight.
    digest=lambda plan: plan.digest,
    preflight=lambda _: None,
    answer=lambda fleet: {
        "next_step": "Show the fleet table to the user" + _after_drill(fleet.drill),
    },
)

SCENARIOS: Mapping[str, Scenario[Any, Any]] = {s.name: s for s in (FULL_INSTANCE, FLEET, DISKS)}


def scenario_for(arguments: Mapping[str, Any]) -> Scenario[Any, Any]:
    """The scenario plan_recovery's arguments ask for."""
    return SCENARIOS[argument_rules.plan_scenario(arguments)]


def stored_plan(
    plan_id: str, scenario: str, stored: Mapping[str, Any]
) -> tuple[Scenario[Any, Any], Any]:
    """The journal's plan as its scenario and model. Refused for a plan an earlier version of
    the server stored without what this one binds it to (the source's facts it re-checks)."""
    try:
        entry = SCENARIOS[scenario]
        return entry, entry.plan_type.model_validate(stored)
    except (KeyError, ValidationError):
        raise Refusal(
            f"{plan_id} was stored by an earlier version of this server and lacks what this "
            "one checks before it acts; plan again (plan_recovery). What an operation of it "
            "created is in its journal (get_operation, cleanup_recovery)."
        ) from None
