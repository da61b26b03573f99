"""Which disks of the source Scenario B copies: those named, the only data disk, or the user's
choice among several; the system disk only with an explicit yes."""

from __future__ import annotations

from collections.abc import Sequence

from ecs_dr.domain.decisions import (
    CANCEL,
    MAX_OPTIONS,
    ChoiceOption,
    ChoicePrompt,
    make_prompt,
    members,
)
from ecs_dr.domain.models import Disk, Instance
from ecs_dr.domain.refusal import Refusal

ALL_DATA_DISKS = "all_data_disks"
DISK_PREFIX = "disk:"
DISKS_HEADER = "Disks"
INCLUDE = "include"
EXCLUDE = "exclude"


def _describe(disk: Disk) -> str:
    level = f" {disk.performance_level}" if disk.performance_level else ""
    return f"{disk.device} {disk.size_gib} GiB {disk.category}{level} ({disk.disk_id})"


def disks_named(source: Instance, disk_ids: Sequence[str]) -> list[Disk]:
    """The source's disks with these ids, in device order (system disk first).

    Raises Refusal for an empty list or an id that is not a disk of the source, listing
    the source's disks.
    """
    own = {d.disk_id: d for d in source.disks}
    listed = ", ".join(_describe(d) for d in sorted(source.disks, key=_order))
    if not disk_ids:
        raise Refusal(
            f"disk_ids is empty; omit it to be asked, or name disks of {source.instance_id}: "
            f"{listed}."
        )
    strangers = [d for d in dict.fromkeys(disk_ids) if d not in own]
    if strangers:
        raise Refusal(
            f"{', '.join(strangers)} {'is not a disk' if len(strangers) == 1 else 'are not disks'}"
            f" of {source.instance_id}; its disks are: {listed}. Pass disk_ids among those."
        )
    return sorted((own[d] for d in dict.fromkeys(disk_ids)), key=_order)


def _order(disk: Disk) -> tuple[bool, str]:
    return (disk.kind != "system", disk.device)


def disk_selection_prompt(source: Instance) -> ChoicePrompt:
    """Several data disks and none named. Up to four: each disk its own option, several may be
    chosen (all of them recommended), so "these two of three" is one answer. More: all of them
    (recommended) or stop; disk_ids names some."""
    data = source.data_disks
    question = (
        f"{source.instance_id} has {len(data)} data disks. Which should be copied onto the target?"
    )
    context = {"instance_id": source.instance_id, "data_disks": [d.disk_id for d in data]}
    if len(data) <= MAX_OPTIONS:
        return make_prompt(
            f"disks_{source.instance_id}",
            f"{question} Choose one or more.",
            [
                ChoiceOption(
                    value=f"{DISK_PREFIX}{d.disk_id}",
                    label=d.device,
                    description=_describe(d),
                    recommended=True,
                )
                for d in data
            ],
            context,
            header=DISKS_HEADER,
            multi_select=True,
        )
    return make_prompt(
        f"disks_{source.instance_id}",
        f"{question} To copy only some of them, call plan_recovery again with disk_ids.",
        [
            ChoiceOption(
                value=ALL_DATA_DISKS,
                label=f"All {len(data)} data disks",
                description="; ".join(_describe(d) for d in data),
                recommended=True,
            ),
            ChoiceOption(value=CANCEL, label="Cancel", description="Copy nothing."),
        ],
        context,
        header=DISKS_HEADER,
    )


def default_disks(source: Instance) -> list[Disk] | ChoicePrompt:
    """No disk named: the only data disk, or a prompt when there are several.

    Raises Refusal when the source has no data disk (its system disk is copied only when
    named in disk_ids).
    """
    data = source.data_disks
    if len(data) == 1:
        return data
    if data:
        return disk_selection_prompt(source)
    system = source.system_disk
    raise Refusal(
        f"{source.instance_id} has no data disk. To copy its system disk as a data disk, pass "
        f"disk_ids=[{system.disk_id if system else '<system disk>'!r}]."
    )


def selected_disks(source: Instance, answer: str) -> list[Disk]:
    """The disks an answer to `disk_selection_prompt` names (`chosen` checked its members)."""
    if answer == ALL_DATA_DISKS:
        return source.data_disks
    return disks_named(source, [m.removeprefix(DISK_PREFIX) for m in members(answer)])


def system_disk_prompt(disk: Disk, others: int) -> ChoicePrompt:
    """The system disk is copied only with an explicit yes: as a data disk of the target."""
    options = [
        ChoiceOption(
            value=INCLUDE,
            label="Copy the system disk",
            description=(
                f"{_describe(disk)} becomes a data disk of the target; the target keeps "
                "booting from its own system disk."
            ),
            recommended=True,
        ),
        (
            ChoiceOption(
                value=EXCLUDE,
                label="Leave it out",
                description=f"Copy only the {others} data disk(s) named.",
            )
            if others
            else ChoiceOption(value=CANCEL, label="Cancel", description="Copy nothing.")
        ),
    ]
    return make_prompt(
        f"system_disk_{disk.disk_id}",
        f"{disk.disk_id} ({disk.device}) is the source's system disk. Copy it onto the target "
        "as a data disk?",
        options,
        {"disk_id": disk.disk_id, "device": disk.device},
        header="System disk",
    )
