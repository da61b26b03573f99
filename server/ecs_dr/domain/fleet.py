"""Fleets: Scenario A for several source instances in one plan, one confirmation, one operation.

Each source keeps its own plan and its own decisions. A prompt several sources ask the same way
(their VPC lacks a VSwitch in the target zone, their type is out of stock) is asked once and
its answer holds for all; a prompt about one source is asked with the source's id in
front (`i-...:snapshot_strategy`), and that answer holds for it alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from ecs_dr.domain.cloud_text import cloud_text_field, table_markdown
from ecs_dr.domain.decisions import ChoicePrompt

# Enough for a rack or an application tier; a larger estate is planned in several fleets, so a
# single confirmation never covers more than a reader can check.
MAX_FLEET_SOURCES = 50
SCOPE_SEPARATOR = ":"


def fleet_sources(source_instance_ids: Sequence[str]) -> list[str]:
    """The sources of a fleet, in the order given.

    Raises ValueError for an empty list, a repeated id, or more than MAX_FLEET_SOURCES.
    """
    ids = [i.strip() for i in source_instance_ids]
    if not ids or not all(ids):
        raise ValueError(
            "source_instance_id: give one instance id, or a list of instance ids for a fleet; "
            "an empty id is not an instance."
        )
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise ValueError(
            f"source_instance_id lists {', '.join(repeated)} more than once; name each source once."
        )
    if len(ids) > MAX_FLEET_SOURCES:
        raise ValueError(
            f"source_instance_id lists {len(ids)} instances; one plan takes at most "
            f"{MAX_FLEET_SOURCES}. Split the fleet into several plans."
        )
    return ids


def scoped_id(source_instance_id: str, decision_id: str) -> str:
    return f"{source_instance_id}{SCOPE_SEPARATOR}{decision_id}"


def member_answers(answers: Mapping[str, str], source_instance_id: str) -> dict[str, str]:
    """The answers one source's plan sees: the fleet-wide ones, overridden by its own."""
    prefix = scoped_id(source_instance_id, "")
    own = {k.removeprefix(prefix): v for k, v in answers.items() if k.startswith(prefix)}
    shared = {k: v for k, v in answers.items() if SCOPE_SEPARATOR not in k}
    return {**shared, **own}


def fleet_prompts(pending: Mapping[str, Sequence[ChoicePrompt]]) -> list[ChoicePrompt]:
    """The prompts of every source (source id -> its open prompts) as the fleet asks them.

    A prompt that several sources ask identically (id, question and options) is asked once,
    unscoped; any other is scoped to its source and its question names the source.
    """
    variants: dict[str, set[tuple[str, tuple[str, ...]]]] = {}
    askers: dict[str, int] = {}
    for prompts in pending.values():
        for p in prompts:
            variants.setdefault(p.decision_id, set()).add((p.question, tuple(p.values)))
            askers[p.decision_id] = askers.get(p.decision_id, 0) + 1
    asked: list[ChoicePrompt] = []
    shared_seen: set[str] = set()
    for source, prompts in pending.items():
        for p in prompts:
            if len(variants[p.decision_id]) == 1 and askers[p.decision_id] > 1:
                if p.decision_id not in shared_seen:
                    shared_seen.add(p.decision_id)
                    asked.append(p)
                continue
            asked.append(
                p.model_copy(
                    update={
                        "decision_id": scoped_id(source, p.decision_id),
                        "question": f"[{source}] {p.question}",
                    }
                )
            )
    return asked


# A source's row status when it changed since planning (its recovery stopped, PlanStale).
SOURCE_CHANGED = "source_changed"


class FleetMemberRow(BaseModel):
    """One source of a fleet and where its recovery stands."""

    model_config = ConfigDict(frozen=True)

    source_instance_id: str
    status: str
    dr_instance_id: str | None = None
    image_id: str | None = None
    all_match: bool | None = None
    error: str | None = cloud_text_field("why it failed; may quote ECS's message", default=None)


def fleet_markdown(rows: Sequence[FleetMemberRow]) -> str:
    """One line per source: its DR instance, image, whether every rule held, or its error."""
    return table_markdown(
        ["Source", "Status", "DR instance", "Image", "All match", "Error"],
        [
            [
                r.source_instance_id,
                r.status,
                r.dr_instance_id or "",
                r.image_id or "",
                "" if r.all_match is None else ("yes" if r.all_match else "NO"),
                r.error or "",
            ]
            for r in rows
        ],
    )


def incomplete_message(rows: Sequence[FleetMemberRow]) -> str:
    """Why a fleet operation failed: which sources failed and what the others got. A source
    that changed since planning is no cause a resume cures: it needs a new plan."""
    failed = [r for r in rows if r.status != "completed"]
    done = [r for r in rows if r.status == "completed"]
    changed = [r.source_instance_id for r in failed if r.status == SOURCE_CHANGED]
    reasons = "; ".join(f"{r.source_instance_id}: {r.error}" for r in failed)
    recovered = ", ".join(f"{r.source_instance_id} -> {r.dr_instance_id}" for r in done)
    message = (
        f"{len(failed)} of {len(rows)} sources were not recovered ({reasons}). "
        f"Recovered: {recovered or 'none'}."
    )
    if len(changed) < len(failed):
        message += (
            " Fix the cause, then resume_recovery continues the failed ones; what was created "
            "is reused, not created again."
        )
    if changed:
        message += (
            f" {', '.join(changed)} changed since planning: resume_recovery stops at "
            f"{'it' if len(changed) == 1 else 'them'} again; plan again (plan_recovery) for "
            "what is there now, and cleanup_recovery deletes what this operation created."
        )
    return message
