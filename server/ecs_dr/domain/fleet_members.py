"""One source of a fleet among the others: a decision scoped to it, the answers its plan sees,
and what becomes of it when it cannot be planned.

A source that cannot be planned (not found, already in the target zone, not snapshottable, out
of stock with no replacement) does not refuse the others: it becomes its own prompt, skip it
(recommended, since the others can go) or cancel the fleet, and its reason is about it alone.
Only a fleet none of whose sources can be planned is refused, one line per source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from ecs_dr.domain.cloud_text import cloud_text_field
from ecs_dr.domain.decisions import CANCEL, ChoiceOption, ChoicePrompt, chosen, make_prompt
from ecs_dr.domain.models import Frozen, Instance
from ecs_dr.domain.refusal import Refusal

SCOPE_SEPARATOR = ":"
# The answer to a source's SKIP_DECISION that leaves it out and recovers the others.
SKIP = "skip"
SKIP_DECISION = "skip_source"


def scoped_id(source_instance_id: str, decision_id: str) -> str:
    return f"{source_instance_id}{SCOPE_SEPARATOR}{decision_id}"


class MemberAnswers(Mapping[str, str]):
    """The answers one source's plan sees: the fleet-wide ones, overridden by its own. A value
    is looked up in the fleet's answers only when the source's plan reads it, so an answer no
    plan read stays unread, and is refused by name, as in a plan of one source."""

    def __init__(self, answers: Mapping[str, str], source_instance_id: str) -> None:
        prefix = scoped_id(source_instance_id, "")
        self._answers = answers
        self._keys = {k: k for k in answers if SCOPE_SEPARATOR not in k}
        self._keys |= {k.removeprefix(prefix): k for k in answers if k.startswith(prefix)}

    def __getitem__(self, decision_id: str) -> str:
        return self._answers[self._keys[decision_id]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class SkippedSource(Frozen):
    """A source the fleet goes on without, and why it could not be planned."""

    source_instance_id: str
    reason: str = cloud_text_field("why it cannot be planned; may quote ECS's message")


class FleetSourceError(Refusal):
    """Sources of a fleet cannot be planned or checked, and the fleet cannot go without them:
    one line per source, since in a fleet "not found" alone would not say which one."""

    def __init__(self, reasons: Mapping[str, str]) -> None:
        self.reasons = dict(reasons)
        super().__init__("\n".join(f"{s}: {r}" for s, r in reasons.items()))


def zone_unfit_reason(source: Instance, target_zone_id: str, zones: Sequence[str]) -> str | None:
    """Why the fleet's target zone cannot take this source, in words about this source alone
    (`zones` are its region's); None when the zone is no reason. The single-source refusal
    lists the zones valid for it, which read in a fleet as zones for every source."""
    others = ", ".join(z for z in zones if z != source.zone_id)
    alone = f"recover it on its own into another zone of its region ({others})"
    if target_zone_id not in zones:
        return (
            f"{source.instance_id} is in {source.region_id}, and {target_zone_id} is not a "
            f"zone of it; a DR copy stays in its source's region: {alone}."
        )
    if target_zone_id == source.zone_id:
        return (
            f"{source.instance_id} already lives in {target_zone_id}, the fleet's target "
            f"zone; a DR copy must survive that zone's failure: {alone}."
        )
    return None


def skip_source_prompt(source_instance_id: str, reason: str) -> ChoicePrompt:
    """A source that cannot be planned: go on without it (recommended, the others can go), or
    cancel the whole fleet."""
    return make_prompt(
        scoped_id(source_instance_id, SKIP_DECISION),
        f"[{source_instance_id}] cannot be recovered with this fleet: {reason} "
        "Skip it and recover the others, or cancel the fleet?",
        [
            ChoiceOption(
                value=SKIP,
                label=f"Skip {source_instance_id}",
                description=(
                    "Recover the other sources; this one is listed as skipped, with the "
                    "reason, in the plan and the result."
                ),
                recommended=True,
            ),
            ChoiceOption(
                value=CANCEL,
                label="Cancel the fleet",
                description="Create nothing; fix this source or leave it out, then plan again.",
            ),
        ],
        {"source_instance_id": source_instance_id},
        header="Skip source",
    )


@dataclass(frozen=True)
class UnplannableSources:
    """What the answers so far make of the sources that cannot be planned."""

    skipped: list[SkippedSource] = field(default_factory=list)
    prompts: list[ChoicePrompt] = field(default_factory=list)
    cancelled_by: str | None = None


def settle_unplannable(
    reasons: Mapping[str, str], plannable: int, answers: Mapping[str, str]
) -> UnplannableSources:
    """Each unplannable source (source id -> why) skipped, still to be asked about, or the
    fleet cancelled by the user's answer; `plannable` counts the sources that can go.

    Raises FleetSourceError, one line per source, when none can go.
    """
    if not reasons:
        return UnplannableSources()
    if plannable == 0:
        raise FleetSourceError(reasons)
    settled = UnplannableSources()
    for source, reason in reasons.items():
        prompt = skip_source_prompt(source, reason)
        answer = chosen(prompt, answers)
        if answer == CANCEL:
            return UnplannableSources(cancelled_by=prompt.decision_id)
        if answer == SKIP:
            settled.skipped.append(SkippedSource(source_instance_id=source, reason=reason))
        else:
            settled.prompts.append(prompt)
    return settled
