"""What a tool argument must look like before anything is sent to ECS.

The tools check every argument against these rules up front, so an id of another kind (a disk
id where an instance id goes), a malformed zone, a name ECS would refuse after the user
confirmed, or a list longer than any real source is refused at once, with the rule, and
nothing is sent. Every message shows the offending value shortened (`shown`): a 100 kB string
is never echoed back in full.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from ecs_dr.domain.names import (
    NAME_MAX,
    RESERVED_SNAPSHOT_PREFIX,
    matches_name_rule,
    validate_name,
)
from ecs_dr.domain.refusal import Refusal
from ecs_dr.domain.rules import MAX_IMAGE_DATA_DISKS, PL_SIZE_RANGES

# The prefix of each kind of id, as ECS (and, for operations and plans, the journal) issues
# them; the rest of an id is lowercase letters and digits (a '-' is let through too: it is
# not what tells the kinds apart, and ECS answers NotFound for it).
ID_PREFIXES: Mapping[str, str] = {
    "instance": "i-",
    "disk": "d-",
    "snapshot": "s-",
    "snapshot group": "ssg-",
    "image": "m-",
    "VSwitch": "vsw-",
    "VPC": "vpc-",
    "security group": "sg-",
    "operation": "op-",
    "plan": "plan-",
}
MAX_ID_LENGTH = 64
_ID_BODY = re.compile(r"[a-z0-9][a-z0-9-]*")

# cn-hangzhou, ap-southeast-1; a zone adds its letter: cn-hangzhou-i.
MAX_LOCATION_LENGTH = 64
_LOCATION = re.compile(r"[a-z]{2,}(-[a-z0-9]+)+")
# ecs.g7.large, ecs.u1-c1m2.large
MAX_INSTANCE_TYPE_LENGTH = 64
_INSTANCE_TYPE = re.compile(r"ecs(\.[a-z0-9-]+){2,}")
# 255.255.255.255/32: four decimal octets without leading zeros, and a prefix length.
MAX_CIDR_LENGTH = 18
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_CIDR = re.compile(rf"({_OCTET}\.){{3}}{_OCTET}/(3[0-2]|[12]?[0-9])")

MAX_NAME_LENGTH = NAME_MAX

# The largest disk ECS sells (GiB), whatever its category or performance level.
MAX_DISK_GIB = max(high for _, high in PL_SIZE_RANGES.values())
# disk_ids name disks of one instance: its system disk and up to 64 data disks.
MAX_INSTANCE_DISKS = 65
# snapshot_ids build one image: one system snapshot and at most 16 data snapshots.
MAX_IMAGE_SNAPSHOTS = 1 + MAX_IMAGE_DATA_DISKS
# Answers: a fleet of 50 asks a few questions per source and one confirmation; ids and values
# are short (confirm_CreateSnapshotGroup_1a2b3c4d, i-bp1...:vswitch_cn-hangzhou-j, zone:...).
MAX_DECISIONS = 500
MAX_DECISION_LENGTH = 256

# How much of an offending value a message shows.
SHOWN_CHARACTERS = 40


def shown(value: str) -> str:
    """The value as a message quotes it: escaped (control characters, bidi marks) and, past
    SHOWN_CHARACTERS, shortened with its length."""
    if len(value) <= SHOWN_CHARACTERS:
        return repr(value)
    return f"{value[:SHOWN_CHARACTERS]!r}... ({len(value)} characters)"


def _article(kind: str) -> str:
    return "an" if kind[0].lower() in "aeiou" else "a"


def id_kind(value: str) -> str | None:
    """The kind of id `value` looks like by its prefix, or None."""
    for kind, prefix in sorted(ID_PREFIXES.items(), key=lambda item: -len(item[1])):
        if value.startswith(prefix):
            return kind
    return None


def id_pattern(kind: str) -> str:
    """The JSON-schema pattern of an id of this kind."""
    # The prefixes are letters and '-': nothing to escape.
    return f"^{ID_PREFIXES[kind]}{_ID_BODY.pattern}$"


LOCATION_PATTERN = f"^{_LOCATION.pattern}$"
INSTANCE_TYPE_PATTERN = f"^{_INSTANCE_TYPE.pattern}$"
CIDR_PATTERN = f"^{_CIDR.pattern}$"


# plan_recovery's recovery_point: "latest", or a point's id as list_recovery_points shows it
# (a group, an image, or the snapshots of a set, comma-joined: one per disk an image holds).
LATEST_POINT = "latest"
_POINT_ID = re.compile(
    rf"{LATEST_POINT}|(ssg|m)-{_ID_BODY.pattern}|s-{_ID_BODY.pattern}(,s-{_ID_BODY.pattern})*"
)
# The schema's pattern is the shape only (a client's first check); check_recovery_point the rule.
RECOVERY_POINT_PATTERN = f"^({LATEST_POINT}|(ssg|m|s)-[a-z0-9,-]+)$"
MAX_RECOVERY_POINT_LENGTH = MAX_IMAGE_SNAPSHOTS * (MAX_ID_LENGTH + 1)


def check_recovery_point(value: str) -> str:
    """`value` when it is "latest" or a recovery point's id; raises Refusal with the forms."""
    shaped = len(value) <= MAX_RECOVERY_POINT_LENGTH and _POINT_ID.fullmatch(value)
    if shaped and len(value.split(",")) <= MAX_IMAGE_SNAPSHOTS:
        return value
    raise Refusal(
        f"{shown(value)} is no recovery point: give 'latest', or a point id as "
        "list_recovery_points shows it (ssg-..., m-..., or s-... snapshots comma-joined)."
    )


def check_id(kind: str, value: str) -> str:
    """`value` when it is an id of this kind; raises Refusal naming the kind it is instead,
    or the shape an id of this kind has."""
    prefix = ID_PREFIXES[kind]
    rule = (
        f"{_article(kind)} {kind} id is {prefix} followed by lowercase letters and digits, "
        f"at most {MAX_ID_LENGTH} characters in all"
    )
    other = id_kind(value)
    if other is not None and other != kind:
        raise Refusal(
            f"{shown(value)} is {_article(other)} {other} id ({ID_PREFIXES[other]}...), not "
            f"{_article(kind)} {kind} id; {rule}."
        )
    body = value.removeprefix(prefix)
    if not value.startswith(prefix) or len(value) > MAX_ID_LENGTH or not _ID_BODY.fullmatch(body):
        raise Refusal(f"{shown(value)} is not {_article(kind)} {kind} id; {rule}.")
    return value


def _check_location(kind: str, example: str, value: str, hint: str = "") -> str:
    """`value` when it has the shape of a region or zone id; raises Refusal with the rule."""
    if len(value) > MAX_LOCATION_LENGTH or not _LOCATION.fullmatch(value):
        raise Refusal(
            f"{shown(value)} is not a {kind} id; a {kind} id is like {example} (lowercase "
            f"letters and digits in parts joined by '-').{hint}"
        )
    return value


def check_region(value: str) -> str:
    """`value` when it has the shape of a region id; raises Refusal with the rule."""
    return _check_location(
        "region", "cn-hangzhou", value, " Omit region_id to search every region."
    )


def check_zone(value: str) -> str:
    """`value` when it has the shape of a zone id; raises Refusal with the rule."""
    return _check_location("zone", "cn-hangzhou-i", value)


def check_instance_type(value: str) -> str:
    """`value` when it has the shape of an ECS instance type; raises Refusal with the rule."""
    if len(value) > MAX_INSTANCE_TYPE_LENGTH or not _INSTANCE_TYPE.fullmatch(value):
        raise Refusal(
            f"{shown(value)} is not an instance type; an instance type is like ecs.g7.large."
        )
    return value


def _is_ipv4_block(value: str) -> bool:
    """An a.b.c.d/n block (CreateVSwitch takes no netmask form) with its host bits zero."""
    if len(value) > MAX_CIDR_LENGTH or not _CIDR.fullmatch(value):
        return False
    try:
        ipaddress.IPv4Network(value)
    except ValueError:
        return False
    return True


def check_cidr(value: str) -> str:
    """`value` when it is an IPv4 block with its host bits zero (whether it fits the VPC is
    the VSwitch workflow's to say); raises Refusal with the shape."""
    if not _is_ipv4_block(value):
        raise Refusal(f"{shown(value)} is not an IPv4 block like 172.16.9.0/24 (host bits zero).")
    return value


def check_name(kind: str, value: str) -> str:
    """`value` when ECS accepts it as the name of a new resource of this kind ("instance",
    "disk", "snapshot", "snapshot group", "image", "VSwitch"); raises Refusal with the
    rule. The length comes first, so a huge name is never quoted whole."""
    if len(value) > MAX_NAME_LENGTH:
        raise Refusal(
            f"{shown(value)} is too long for {_article(kind)} {kind} name: at most "
            f"{MAX_NAME_LENGTH} characters."
        )
    if kind == "VSwitch":
        if not matches_name_rule(kind, value):
            raise Refusal(
                f"{shown(value)} is not a VSwitch name; a VSwitch name is 1-{MAX_NAME_LENGTH} "
                "characters and does not start with http:// or https://."
            )
        return value
    validate_name(value, kind)
    # What the common rule lets through and this kind's does not: a snapshot's reserved prefix.
    if not matches_name_rule(kind, value):
        raise Refusal(
            f"{shown(value)} starts with {RESERVED_SNAPSHOT_PREFIX!r}, which ECS keeps "
            f"for automatic snapshots; choose another {kind} name."
        )
    return value


def check_answers(answers: Mapping[object, object]) -> None:
    """Refuse more than MAX_DECISIONS answers, or a decision id or value that is no string or
    longer than MAX_DECISION_LENGTH; the message quotes the id shortened (a validation error
    would quote a huge key whole)."""
    if len(answers) > MAX_DECISIONS:
        raise Refusal(
            f"decisions holds {len(answers)} answers; a call takes at most {MAX_DECISIONS}. "
            "Pass the answers to the prompts this tool returned."
        )
    for decision_id, value in answers.items():
        if not isinstance(decision_id, str) or len(decision_id) > MAX_DECISION_LENGTH:
            what = shown(decision_id) if isinstance(decision_id, str) else repr(decision_id)
            raise Refusal(
                f"{what} is not a decision id: decision ids are strings of at most "
                f"{MAX_DECISION_LENGTH} characters, as the prompts give them."
            )
        if not isinstance(value, str) or len(value) > MAX_DECISION_LENGTH:
            raise Refusal(
                f"the answer to {shown(decision_id)} is not one of its option values: each "
                f"value is a string of at most {MAX_DECISION_LENGTH} characters, as the prompt "
                "lists them."
            )


# --- plan_recovery: which arguments go with which scenario -------------------------------------


def sources(arguments: Mapping[str, Any]) -> list[str]:
    """source_instance_id as a list: one id, or a fleet's ids."""
    given = arguments["source_instance_id"]
    return [given] if isinstance(given, str) else list(given)


def plan_scenario(arguments: Mapping[str, Any]) -> str:
    """The scenario of the plan these plan_recovery arguments ask for: "full_instance" with
    several sources plans a "fleet"."""
    if arguments["scenario"] == "full_instance" and len(sources(arguments)) != 1:
        return "fleet"
    return str(arguments["scenario"])


_DISK_IDS_ARE_FOR_DISKS = (
    "scenario='full_instance' recovers every disk of the source; disk_ids is for scenario='disks'."
)
_INSTANCE_NAME_IS_FOR_FULL_INSTANCE = (
    "instance_name names the DR instance of scenario='full_instance'; scenario='disks' "
    "creates no instance. Leave instance_name out."
)


def _not_given(arguments: Mapping[str, Any], name: str, refusal: str) -> None:
    """Refuse `name` when it is given: the scenario would ignore it."""
    if arguments.get(name) is not None:
        raise Refusal(refusal)


def _required(arguments: Mapping[str, Any], scenario: str, needed: str, stray: str) -> str:
    """The argument `scenario` needs; refused when it is missing or when the other scenario's
    argument is given (instead or as well: it would be ignored)."""
    _not_given(
        arguments,
        stray,
        f"scenario={scenario!r} takes {needed}, not {stray}; pass {needed} only, or choose the "
        "other scenario.",
    )
    value = arguments.get(needed)
    if not value:
        raise Refusal(f"scenario={scenario!r} needs {needed}.")
    return str(value)


def full_instance_zone(arguments: Mapping[str, Any]) -> str:
    """The target zone of a full_instance plan; refuses Scenario B's arguments."""
    zone = _required(arguments, "full_instance", "target_zone_id", "target_instance_id")
    _not_given(arguments, "disk_ids", _DISK_IDS_ARE_FOR_DISKS)
    return zone


def fleet_zone(arguments: Mapping[str, Any]) -> str:
    """The target zone of a fleet plan; refuses one name for several DR instances too."""
    zone = full_instance_zone(arguments)
    if arguments.get("instance_name"):
        raise Refusal(
            "instance_name names one DR instance; with several sources each DR "
            "instance is named recovery-<source>. Leave instance_name out."
        )
    if arguments.get("recovery_point") not in (None, LATEST_POINT):
        raise Refusal(
            "A point id is one source's; a fleet recovers each source from its own latest "
            f"point with recovery_point={LATEST_POINT!r}."
        )
    return zone


def disks_target(arguments: Mapping[str, Any]) -> str:
    """The target instance of a disks plan; refuses Scenario A's arguments and a fleet."""
    target = _required(arguments, "disks", "target_instance_id", "target_zone_id")
    _not_given(arguments, "instance_name", _INSTANCE_NAME_IS_FOR_FULL_INSTANCE)
    _not_given(
        arguments,
        "recovery_point",
        "recovery_point recovers a whole instance (scenario='full_instance'); scenario='disks' "
        "snapshots the disks it copies. Leave recovery_point out.",
    )
    given = sources(arguments)
    if len(given) != 1:
        raise Refusal(
            "scenario='disks' copies disks of one source instance: give source_instance_id as "
            f"one id, not a list of {len(given)}; or use scenario='full_instance' for a fleet."
        )
    if arguments.get("drill"):
        raise Refusal("drill is for scenario='full_instance'.")
    return target
