"""The runbook's questions, each a `ChoicePrompt`: no VSwitch in the target zone, no stock,
a disk category the zone does not sell, a group that cannot be taken, a target that cannot take
a disk now."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from ecs_dr.domain.decisions import (
    CANCEL,
    MAX_OPTIONS,
    ChoiceOption,
    ChoicePrompt,
    make_prompt,
)
from ecs_dr.domain.models import Disk, Instance, InstanceTypeSpec
from ecs_dr.domain.names import device_key
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.rules import group_blockers

CREATE_VSWITCH = "create_vswitch"
WAIT = "wait"
PER_DISK_SNAPSHOTS = "per_disk_snapshots"
# Category preference when the source's is not offered: ESSD family first, best performance first.
CATEGORY_PREFERENCE = (
    "cloud_essd",
    "cloud_auto",
    "cloud_essd_entry",
    "cloud_ssd",
    "cloud_efficiency",
    "cloud",
)


def _cancel(description: str) -> ChoiceOption:
    return ChoiceOption(value=CANCEL, label="Cancel", description=description)


def vswitch_missing_prompt(
    zone_id: str, vpc_id: str, other_zones_with_vswitch: list[str], *, drill: bool = False
) -> ChoicePrompt:
    """The source's VPC has no VSwitch in the target zone: create one, or pick another zone.

    Creating one says whether it goes again: a drill's cleanup deletes it once nothing else is
    in it, while a recovery's DR instance is kept, and the VSwitch with it.
    """
    after = (
        "Cleaning up the operation (a drill) deletes it too, once no instance is in it; until "
        "then later recoveries into this zone reuse it."
        if drill
        else "It stays with the DR instance, which a recovery keeps (nothing cleans it up); "
        "later recoveries into this zone reuse it."
    )
    options = [
        ChoiceOption(
            value=CREATE_VSWITCH,
            label=f"Create a VSwitch in {zone_id}",
            description=f"Create a VSwitch of {vpc_id} in {zone_id} on a free CIDR block. {after}",
            recommended=True,
        ),
        *(
            ChoiceOption(
                value=f"zone:{zone}",
                label=f"Use zone {zone}",
                description=f"{vpc_id} already has a VSwitch in {zone}.",
            )
            for zone in other_zones_with_vswitch[:2]
        ),
        _cancel("Stop here; create nothing."),
    ]
    return make_prompt(
        f"vswitch_{zone_id}",
        f"The VPC {vpc_id} has no VSwitch in {zone_id}. How should the DR instance get one?",
        options,
        {"zone_id": zone_id, "vpc_id": vpc_id, "zones_with_vswitch": other_zones_with_vswitch},
        header="VSwitch",
    )


def _size(spec: InstanceTypeSpec) -> str:
    return f"{spec.cpu} vCPU, {spec.memory_gib:g} GiB"


def no_stock_prompt(
    wanted: InstanceTypeSpec,
    zone_id: str,
    similar: list[InstanceTypeSpec],
    zones_with_stock: list[str],
) -> ChoicePrompt:
    """The wanted type is out of stock in the target zone: the closest stand-in first. A type
    of the same size in the zone, then the wanted type itself in another zone, then a bigger
    type in the zone (each kind keeps a place when there is one); each says its size beside
    the wanted type's.

    Raises Refusal when there is neither, since a prompt offering only "cancel" is no choice.
    """
    instance_type = wanted.instance_type
    if not similar and not zones_with_stock:
        raise Refusal(
            f"{instance_type} is out of stock in {zone_id}, no similar instance type is in "
            f"stock there, and no other zone has {instance_type} in stock; choose another "
            "target zone or try again later."
        )
    slots = MAX_OPTIONS - 1
    same = [s for s in similar if (s.cpu, s.memory_gib) == (wanted.cpu, wanted.memory_gib)]
    bigger = [s for s in similar if s not in same]
    same = same[: slots - min(len(zones_with_stock), 1) - min(len(bigger), 1)]
    zones = zones_with_stock[: slots - len(same) - min(len(bigger), 1)]
    bigger = bigger[: slots - len(same) - len(zones)]
    beside = f"{wanted.instance_type} has {_size(wanted)}"
    type_options = {
        spec.instance_type: ChoiceOption(
            value=f"type:{spec.instance_type}",
            label=f"Use {spec.instance_type}",
            description=(f"{_size(spec)} ({spec.family}; {beside}), in stock in {zone_id}."),
        )
        for spec in [*same, *bigger]
    }
    options = [
        *(type_options[s.instance_type] for s in same),
        *(
            ChoiceOption(
                value=f"zone:{zone}",
                label=f"Use zone {zone}",
                description=f"Keep {instance_type} ({_size(wanted)}), in stock in {zone}.",
            )
            for zone in zones
        ),
        *(type_options[s.instance_type] for s in bigger),
    ]
    options[0] = options[0].model_copy(update={"recommended": True})
    options.append(_cancel("Stop here; create nothing."))
    return make_prompt(
        f"instance_type_{zone_id}",
        f"{instance_type} ({_size(wanted)}) is out of stock in {zone_id}. Which instance type "
        "or zone instead?",
        options,
        {
            "instance_type": instance_type,
            "cpu": wanted.cpu,
            "memory_gib": wanted.memory_gib,
            "zone_id": zone_id,
            "similar_types": [s.instance_type for s in similar],
            "zones_with_stock": zones_with_stock,
        },
        header="No stock",
    )


def _category_rank(category: str) -> int:
    if category in CATEGORY_PREFERENCE:
        return CATEGORY_PREFERENCE.index(category)
    return len(CATEGORY_PREFERENCE)


def _alternatives(offered: Sequence[str], unwanted: str) -> list[str]:
    """Up to three offered categories other than `unwanted`, the preferred first."""
    return sorted(
        (c for c in dict.fromkeys(offered) if c != unwanted),
        key=lambda c: (_category_rank(c), c),
    )[: MAX_OPTIONS - 1]


def _category_options(
    alternatives: Sequence[str], describe: Callable[[str], str], stop: str
) -> list[ChoiceOption]:
    """Use each category offered (`describe` says what the copy keeps with it; the preferred
    first and recommended), or stop (`stop` says what that leaves)."""
    return [
        *(
            ChoiceOption(
                value=f"category:{category}",
                label=f"Use {category}",
                description=describe(category),
                recommended=n == 0,
            )
            for n, category in enumerate(alternatives)
        ),
        _cancel(stop),
    ]


def disk_category_prompt(disk: Disk, zone_id: str, offered: list[str]) -> ChoicePrompt:
    """The disk's category is not sold in the target zone: pick one that is (ESSD first).

    Raises Refusal when the zone offers no other category at all.
    """
    alternatives = _alternatives(offered, disk.category)
    if not alternatives:
        raise Refusal(
            f"{zone_id} offers no disk category for the {disk.kind} disk {disk.disk_id} "
            f"({disk.category}); choose another target zone."
        )
    options = _category_options(
        alternatives,
        lambda category: (
            f"Size {disk.size_gib} GiB kept; "
            + (
                "performance level kept."
                if category == "cloud_essd"
                else "no performance level applies."
            )
        ),
        "Stop here; create nothing.",
    )
    return make_prompt(
        f"disk_category_{device_key(disk.device)}",
        f"{zone_id} does not offer {disk.category} for the {disk.kind} disk {disk.device} "
        f"({disk.disk_id}). Which category should the DR copy use?",
        options,
        {
            "disk_id": disk.disk_id,
            "device": disk.device,
            "category": disk.category,
            "zone_id": zone_id,
            "offered": offered,
        },
        header="Disk type",
    )


def non_essd_group_prompt(instance: Instance) -> ChoicePrompt:
    """A multi-disk instance whose disks cannot form a consistency group: per-disk or stop."""
    blockers = group_blockers(instance)
    return make_prompt(
        "snapshot_strategy",
        f"{instance.instance_id} cannot use a snapshot-consistent group: "
        + "; ".join(blockers)
        + ". Take one snapshot per disk instead?",
        [
            ChoiceOption(
                value=PER_DISK_SNAPSHOTS,
                label="Snapshot each disk separately",
                description=(
                    "One snapshot per disk, started as close together as possible. They are "
                    "NOT crash-consistent across disks: data written between two snapshots "
                    "may be in one disk's copy and missing from another's."
                ),
                recommended=True,
            ),
            _cancel("Take no snapshot."),
        ],
        {
            "instance_id": instance.instance_id,
            "blockers": blockers,
            "non_essd_disks": [d.disk_id for d in instance.disks if not d.is_essd_family],
        },
        header="Snapshots",
    )


def new_disk_category_prompt(
    snapshot_id: str,
    category: str,
    size_gib: int,
    essd_level: str,
    target: Instance,
    offered: Sequence[str],
) -> ChoicePrompt:
    """The new disk's category is not offered in the target's zone for the target's instance
    type: pick one that is (ESSD first), or stop. `essd_level` is the PL cloud_essd would get.

    Raises Refusal when nothing is offered at all.
    """
    alternatives = _alternatives(offered, category)
    where = f"{target.zone_id} for {target.instance_type} instances"
    if not alternatives:
        raise Refusal(
            f"{where} offers no data disk category; {target.instance_id} cannot take a disk "
            f"from {snapshot_id}. Choose another target instance."
        )
    options = _category_options(
        alternatives,
        lambda alternative: (
            f"{size_gib} GiB"
            + (f", performance level {essd_level}." if alternative == "cloud_essd" else ".")
        ),
        "Stop here; create no disk.",
    )
    return make_prompt(
        f"disk_category_{snapshot_id}",
        f"{where} offers no {category} disks (offered: {', '.join(offered)}). Which category "
        f"should the new disk from {snapshot_id} for {target.instance_id} have?",
        options,
        {
            "snapshot_id": snapshot_id,
            "category": category,
            "zone_id": target.zone_id,
            "instance_type": target.instance_type,
            "offered": list(offered),
        },
        header="Disk type",
    )


def instance_not_ready_prompt(
    instance: Instance, ready_states: Sequence[str], wait_minutes: int
) -> ChoicePrompt:
    """The instance is in a state that cannot take a disk: wait for one that can, or stop."""
    states = " or ".join(ready_states)
    return make_prompt(
        f"instance_status_{instance.instance_id}",
        f"{instance.instance_id} is {instance.status}; ECS attaches a disk only to an instance "
        f"that is {states}. Wait until it is?",
        [
            ChoiceOption(
                value=WAIT,
                label=f"Wait until it is {states}",
                description=(
                    f"Follow {instance.instance_id} for up to {wait_minutes} minutes, then "
                    "attach the disk; fail without attaching if it never gets there."
                ),
                recommended=True,
            ),
            _cancel("Attach nothing."),
        ],
        {
            "instance_id": instance.instance_id,
            "status": instance.status,
            "ready_states": list(ready_states),
        },
        header="Target state",
    )


# A DR instance name already in use: the answers, and how many holders the question names.
KEEP_NAME = "keep_name"
NUMBERED_NAME = "numbered_name"
MAX_LISTED_HOLDERS = 3


def dr_name_in_use_prompt(name: str, holders: Sequence[str], numbered: str) -> ChoicePrompt:
    """Instances (`holders`) already have the DR instance's name: give it the numbered name,
    keep the name anyway (ECS allows it; the two are then told apart by id only), or stop."""
    listed = ", ".join(holders[:MAX_LISTED_HOLDERS])
    more = len(holders) - MAX_LISTED_HOLDERS
    held_by = f"{listed}{f' and {more} more' if more > 0 else ''}"
    return make_prompt(
        f"dr_name_{name}",
        f"An instance named {name!r} already exists ({held_by}). What should the DR instance "
        "be named?",
        [
            ChoiceOption(
                value=NUMBERED_NAME,
                label=f"Name it {numbered}",
                description="A name no instance has yet, numbered as a second drill's image is.",
                recommended=True,
            ),
            ChoiceOption(
                value=KEEP_NAME,
                label=f"Keep {name}",
                description="ECS allows it; the instances are then told apart by id only.",
            ),
            _cancel("Plan nothing; pass instance_name to choose a name yourself."),
        ],
        {"name": name, "numbered_name": numbered, "instances": list(holders)},
        header="DR name",
    )
