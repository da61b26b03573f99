"""Instances found by name, zone or status, as find_instances lists them: one short row each,
capped, and an exact name resolved to the one instance it names (the user's choice when a few
share it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import Field

from ecs_dr.domain import arguments
from ecs_dr.domain.cloud_text import (
    MAX_CLOUD_VALUE_CHARS,
    cloud_text_field,
    quoted,
    table_markdown,
)
from ecs_dr.domain.decisions import MAX_OPTIONS, ChoiceOption, ChoicePrompt, chosen, make_prompt
from ecs_dr.domain.models import Frozen, Instance
from ecs_dr.domain.refusal import Refusal

# Enough rows to pick from, few enough for a model to read; the rest are counted.
MAX_ROWS = 50
# An ambiguous name's refusal lists this many of the instances that have it.
MAX_LISTED_MATCHES = 10
# What a row copies from the instance as it is.
_ROW_FIELDS = {"instance_id", "name", "zone_id", "instance_type", "status", "region_id"}


class InstanceQuery(Frozen):
    """DescribeInstances' filters find_instances uses; None is not filtered. ECS matches
    InstanceName exactly, or with `*` as a wildcard ("pay-*", "*db*"): the SDK documents fuzzy
    search with the asterisk and no other wildcard."""

    name: str | None = None
    zone_id: str | None = None
    status: str | None = None


class InstanceRow(Frozen):
    """One instance as a list shows it: the columns of its table row, then its region."""

    instance_id: str
    name: str = cloud_text_field("the instance's name", max_chars=MAX_CLOUD_VALUE_CHARS)
    zone_id: str
    instance_type: str
    status: str
    disk_count: int
    public_ip: str = Field(default="", description="its first public IP; empty when none")
    region_id: str


class FoundInstances(Frozen):
    """The instances that matched, at most MAX_ROWS of them, and how many were left out."""

    regions_searched: list[str]
    instances: list[InstanceRow]
    left_out: int

    @property
    def table(self) -> str:
        """The instances as a markdown table, cells escaped."""
        return table_markdown(
            ["Id", "Name", "Zone", "Type", "Status", "Disks", "Public IP"],
            [
                [
                    r.instance_id,
                    r.name,
                    r.zone_id,
                    r.instance_type,
                    r.status,
                    str(r.disk_count),
                    r.public_ip or "-",
                ]
                for r in self.instances
            ],
        )


def instance_row(instance: Instance) -> InstanceRow:
    return InstanceRow(
        **instance.model_dump(include=_ROW_FIELDS),
        disk_count=len(instance.disks),
        public_ip=next(iter(instance.public_ips), ""),
    )


def found_instances(
    regions_searched: Sequence[str], instances: Sequence[Instance], limit: int = MAX_ROWS
) -> FoundInstances:
    """The first `limit` instances by name (then id), and the count of the others."""
    ordered = sorted(instances, key=lambda i: (i.name, i.instance_id))
    rows = [instance_row(i) for i in ordered[:limit]]
    return FoundInstances(
        regions_searched=list(regions_searched),
        instances=rows,
        left_out=len(ordered) - len(rows),
    )


class InstanceNameChoice(Refusal):
    """Several instances (at most MAX_OPTIONS) have the name an argument gave: the user picks
    one through `prompts`. Where no prompt can be put, the text still lists them and says to
    pass the chosen id."""

    def __init__(self, prompts: Sequence[ChoicePrompt], text: str) -> None:
        self.prompts = list(prompts)
        super().__init__(text)

    @classmethod
    def joined(cls, choices: Sequence[InstanceNameChoice]) -> InstanceNameChoice:
        """Every argument's choice in one (a fleet can name several ambiguous sources)."""
        prompts = {p.decision_id: p for c in choices for p in c.prompts}
        return cls(list(prompts.values()), " ".join(dict.fromkeys(str(c) for c in choices)))


def _listed(matches: Sequence[Instance]) -> str:
    return "; ".join(
        f"{i.instance_id} ({i.zone_id}, {i.status})" for i in matches[:MAX_LISTED_MATCHES]
    )


def _running_first(matches: Sequence[Instance]) -> list[Instance]:
    return sorted(matches, key=lambda i: (i.status != "Running", i.instance_id))


def instance_choice_prompt(argument: str, name: str, matches: Sequence[Instance]) -> ChoicePrompt:
    """Which of the 2-4 instances named `name` the user means by `argument`: one option per
    instance (its id; zone, status and type beside it), a Running one first."""
    ordered = _running_first(matches)
    options = [
        ChoiceOption(
            value=i.instance_id,
            label=i.instance_id,
            description=f"{i.zone_id}, {i.status}, {i.instance_type}",
            recommended=n == 0,
        )
        for n, i in enumerate(ordered)
    ]
    return make_prompt(
        f"{argument}={name}",
        f"{len(matches)} instances are named {quoted(name)}; which one is meant?",
        options,
        {"argument": argument, "name": name},
        header="Instance",
    )


def named_instance(
    argument: str,
    name: str,
    regions_searched: Sequence[str],
    matches: Sequence[Instance],
    answers: Mapping[str, str] | None = None,
) -> str:
    """The id of the one instance named exactly `name` (given as `argument`), or of the one
    the user chose among 2-4 such instances. Raises InstanceNameChoice when the user has not
    chosen yet, InvalidDecision for a choice that is not one of them, and Refusal when no
    instance has the name or more than MAX_OPTIONS have it (listing them, pointing at
    find_instances)."""
    if len(matches) == 1:
        return matches[0].instance_id
    if not matches:
        raise Refusal(
            f"{argument}={quoted(name)}: no instance has this id or exact name (searched "
            f"{', '.join(regions_searched)}). Call find_instances(name="
            f"{quoted('*' + name + '*')}) to list instances whose name contains it, then pass "
            f"the instance id as {argument}."
        )
    if len(matches) <= MAX_OPTIONS:
        prompt = instance_choice_prompt(argument, name, matches)
        answer = chosen(prompt, answers or {})
        if answer is None:
            raise InstanceNameChoice(
                [prompt],
                f"{argument}={quoted(name)}: {len(matches)} instances have this name: "
                f"{_listed(_running_first(matches))}. Ask the user which one they mean, then "
                f"pass its instance id as {argument}.",
            )
        return answer
    more = len(matches) - MAX_LISTED_MATCHES
    raise Refusal(
        f"{argument}={quoted(name)}: {len(matches)} instances have this name: {_listed(matches)}"
        f"{f' and {more} more' if more > 0 else ''}. find_instances(name={quoted(name)}, "
        f"zone_id=..., status=...) lists them with their zones; ask the user which one they "
        f"mean, then pass its instance id as {argument}."
    )


def unknown_zone(zone_id: str, regions: Sequence[str]) -> Refusal:
    """The refusal of a zone id no region of the account can hold."""
    return Refusal(
        f"zone_id {quoted(zone_id)} is not a zone of any region of this account "
        f"({', '.join(regions)}); a zone id is its region's id and a letter, like "
        "cn-hangzhou-i. Omit zone_id to search every zone."
    )


def check_instance_ref(value: str) -> str:
    """`value` when it is an instance id, or a name ECS accepts for an instance (resolved
    later by `named_instance`). Anything with an id's prefix is held to the id's rule, so a
    disk id is refused as one. Raises Refusal with the rule and the way to find an instance
    by name."""
    try:
        if arguments.id_kind(value) is None:
            return arguments.check_name("instance", value)
        return arguments.check_id("instance", value)
    except Refusal as error:
        raise Refusal(
            f"{error} Pass an instance id (i-...) or an instance's exact name; "
            "find_instances(name=...) finds instances by (part of) their name."
        ) from None


def check_name_pattern(value: str) -> str:
    """`value` when DescribeInstances can match names with it: 1-128 characters, `*` as a
    wildcard; raises Refusal with the rule."""
    if not value or len(value) > arguments.MAX_NAME_LENGTH:
        raise Refusal(
            f"{arguments.shown(value)} is not a name to search for: give 1-"
            f"{arguments.MAX_NAME_LENGTH} characters, an exact name or one with * as a "
            "wildcard (pay-*, *db*)."
        )
    return value
