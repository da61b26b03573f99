"""What cleanup tells the model: the confirmation naming every resource, the table of
outcomes, the reasons a delete left a resource, and the refusals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ecs_dr.domain.cleanup.resources import DELETE, CleanupRow
from ecs_dr.domain.cleanup.rules import in_delete_order
from ecs_dr.domain.cloud_text import quoted, table_markdown
from ecs_dr.domain.decisions import CANCEL, ChoiceOption, ChoicePrompt, make_prompt
from ecs_dr.domain.decisions import parameters_digest as _digest
from ecs_dr.domain.plans import TAG_OPERATION
from ecs_dr.domain.refusal import Refusal


class CleanupBusy(Refusal):
    """A resource is in a transitional state: nothing is deleted until it settles."""


def cleanup_busy(operation_id: str, reasons: Iterable[str]) -> CleanupBusy:
    return CleanupBusy(
        f"Nothing was deleted: {'; '.join(reasons)}. Cleanup waits until every resource of "
        f"{operation_id} has settled; call cleanup_recovery again in a minute."
    )


def cleanup_of_a_cleanup(operation_id: str) -> Refusal:
    return Refusal(
        f"{operation_id} is itself a cleanup: it created nothing, so there is nothing to "
        "clean up. Pass the id of the operation that created the resources."
    )


def no_region(operation_id: str) -> Refusal:
    return Refusal(f"operation {operation_id} has no region in the journal")


def untagged_operation(operation_id: str, searched: Sequence[str]) -> Refusal:
    """An operation id neither the journal nor any resource's tag knows."""
    return Refusal(
        f"unknown operation id {operation_id!r}: the journal does not hold it, and no "
        f"resource in any region ({', '.join(searched)}) carries the tag "
        f"{TAG_OPERATION}={operation_id}, so there is nothing to clean up. list_operations "
        "shows the journal's operations, find_orphans the tagged resources it does not know."
    )


def delete_unconfirmed_reason(detail: str) -> str:
    return f"ECS accepted the delete, but {detail}; check it in the console"


def delete_refused_reason(code: str, message: str) -> str:
    return f"ECS refused the delete: {quoted(code)}: {quoted(message)}"


def still_in_use_reason(code: str, message: str, asked_for_s: float) -> str:
    """A VSwitch whose delete ECS still refused after being asked again for `asked_for_s`."""
    return (
        f"ECS still refused the delete after asking again for {asked_for_s:.0f} s: "
        f"{quoted(code)}: {quoted(message)}; what was in it may not be released yet: call "
        "cleanup_recovery again later"
    )


def group_not_deleted_reason(group_id: str) -> str:
    return f"its group {group_id} could not be deleted"


def kept_by_group_reason(code: str) -> str:
    return f"ECS kept it when deleting its group ({code})"


def confirm_cleanup_prompt(operation_id: str, rows: Sequence[CleanupRow]) -> ChoicePrompt:
    """The explicit go-ahead, naming every resource to delete; its id covers exactly them."""
    doomed = [r for r in in_delete_order(rows) if r.action == "delete"]
    kept = [r for r in rows if r.action in ("left", "refused")]
    listing = {r.resource_id: r.kind.replace("_", " ") for r in doomed}
    n = len(doomed)
    question = (
        f"Permanently delete these {n} resource(s) that {operation_id} created? "
        f"{', '.join(f'{k} {i}' for i, k in listing.items())}. Deleted resources cannot be "
        "recovered. Nothing else is touched"
        + (f" ({len(kept)} other resource(s) stay, each with its reason)." if kept else ".")
    )
    return make_prompt(
        f"confirm_cleanup_{_digest({'operation_id': operation_id, 'delete': sorted(listing)})}",
        question,
        [
            ChoiceOption(
                value=DELETE,
                label=f"Delete these {n} resources",
                description="Delete exactly the resources listed, in dependency order.",
                recommended=True,
            ),
            ChoiceOption(value=CANCEL, label="Cancel", description="Delete nothing."),
        ],
        {
            "operation_id": operation_id,
            "parameters": listing,
            "left_in_place": {r.resource_id: r.reason for r in kept},
        },
        header="Delete",
    )


def cleanup_markdown(rows: Sequence[CleanupRow]) -> str:
    """The rows as a markdown table; the cells are escaped (a reason may quote cloud text)."""
    return table_markdown(
        ["Resource", "Kind", "Action", "Reason"],
        [[r.resource_id, r.kind.replace("_", " "), r.action, r.reason] for r in rows],
    )
