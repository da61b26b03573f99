"""Every name the server gives or checks: ECS's one rule for a resource's name, and the
runbook's default names (DR instance, new disk, image, snapshot, VSwitch), each built once."""

from __future__ import annotations

import re
from datetime import date

from ecs_dr.domain.cloud_text import quoted
from ecs_dr.domain.models import Disk, Instance, Snapshot
from ecs_dr.domain.refusal import Refusal

DR_NAME_PREFIX = "recovery-"

NAME_MIN, NAME_MAX = 2, 128
# A letter or a CJK ideograph first; then letters, digits, CJK, `.`, `_`, `-`, `:`.
_NAME_FIRST = r"A-Za-z\u3400-\u4dbf\u4e00-\u9fff"
# ECS's rule for a new resource's name, as a regular expression that Python and a JSON-schema
# validator (ECMA-262) read alike: the check below and the tools' input schemas both use it.
# A name starting with http:// or https:// never matches: `/` is not among its characters.
NAME_PATTERN = rf"^[{_NAME_FIRST}][{_NAME_FIRST}0-9._:-]{{{NAME_MIN - 1},{NAME_MAX - 1}}}$"
# Snapshot names starting with "auto" are ECS's automatic snapshots (CreateSnapshot refuses
# them); a group's name also names its snapshots when they are taken one by one.
RESERVED_SNAPSHOT_PREFIX = "auto"
SNAPSHOT_NAME_PATTERN = f"^(?!{RESERVED_SNAPSHOT_PREFIX}){NAME_PATTERN[1:]}"
# CreateVSwitch: 1-128 characters of any kind, not starting with http:// or https://.
VSWITCH_NAME_PATTERN = rf"^(?!https?://)[\s\S]{{1,{NAME_MAX}}}$"
_NAME_PATTERNS = {
    "snapshot": SNAPSHOT_NAME_PATTERN,
    "snapshot group": SNAPSHOT_NAME_PATTERN,
    "VSwitch": VSWITCH_NAME_PATTERN,
}
# A run of characters a name cannot hold, with the dashes around it: a default name has one `-`
# where the cloud's name has such a run.
_NAME_REJECTED = re.compile(rf"-*(?:[^{_NAME_FIRST}0-9._:\-]+-*)+")


def validate_name(name: str, what: str) -> None:
    """Refuse a name ECS rejects for a new `what` (instance, disk, snapshot, image: one rule);
    the message states the rule."""
    article = "An" if what[0] in "aeiou" else "A"
    rule = (
        f"{article} {what} name is {NAME_MIN}-{NAME_MAX} characters, starts with a letter or "
        "a Chinese character, contains only letters, digits, Chinese characters, '.', '_', '-' "
        "and ':', and does not start with http:// or https://"
    )
    if name.startswith(("http://", "https://")):
        raise Refusal(f"{quoted(name)} starts with http:// or https://. {rule}.")
    if not NAME_MIN <= len(name) <= NAME_MAX:
        length = f"{len(name)} character{'' if len(name) == 1 else 's'}"
        raise Refusal(f"{quoted(name)} is {length} long. {rule}.")
    if not re.fullmatch(NAME_PATTERN, name):
        raise Refusal(f"{quoted(name)} is not a valid {what} name. {rule}.")


def name_pattern(kind: str) -> str:
    """The pattern a new `kind`'s name ("instance", "disk", "snapshot", "snapshot group",
    "image", "VSwitch") matches whole: its check and its input schema's `pattern`."""
    return _NAME_PATTERNS.get(kind, NAME_PATTERN)


def matches_name_rule(kind: str, name: str) -> bool:
    """Whether ECS takes `name` for a new `kind`: the one test behind every name check."""
    return re.fullmatch(name_pattern(kind), name) is not None


def validate_instance_name(name: str) -> None:
    """Refuse a name ECS's InstanceName would reject; the message states the rule."""
    validate_name(name, "instance")


def validate_disk_name(name: str) -> None:
    """Refuse a name ECS's DiskName would reject (the same rule as an instance name's)."""
    validate_name(name, "disk")


def name_part(text: str) -> str:
    """Cloud text as part of a name ECS accepts: every run of characters a name cannot hold
    (spaces, `|`, `*`, `<`, `/`, newlines, ...) becomes one `-`, or nothing at either end; a
    name ECS accepts stays as it is."""
    return "-".join(part for part in _NAME_REJECTED.split(text) if part)


def default_dr_name(source: Instance) -> str:
    """`recovery-<source name>`, the name's unusable characters replaced (its id when nothing
    usable is left): a source name is cloud text, so it never reaches RunInstances as is."""
    return f"{DR_NAME_PREFIX}{name_part(source.name) or source.instance_id}"


def dr_instance_name(source: Instance, requested: str | None) -> str:
    """The user's name for the DR instance, else `default_dr_name`; validated either way.

    Raises Refusal when the name is one ECS would reject: the user's, or a default that is
    too long (the user then names it).
    """
    name = requested or default_dr_name(source)
    try:
        validate_instance_name(name)
    except Refusal as error:
        if requested:
            raise
        raise Refusal(
            f"The default DR name {quoted(name)} does not fit ECS's rules; pass instance_name. "
            f"{error}"
        ) from error
    return name


def numbered_name(name: str, number: int) -> str:
    """`<name>_<number>`, within ECS's name length: how a name already in use is told apart
    (a second drill's image, a DR instance whose name another instance has)."""
    suffix = f"_{number}"
    return name[: NAME_MAX - len(suffix)] + suffix


def default_disk_name(snapshot: Snapshot, source: Disk | None) -> str:
    """`recovery-<source disk name>` (or its id when unnamed), like the DR instance's name: the
    name's unusable characters replaced, cut to the longest name ECS takes."""
    base = name_part(source.name) if source is not None else ""
    return f"{DR_NAME_PREFIX}{base or snapshot.source_disk_id or snapshot.snapshot_id}"[:NAME_MAX]


def image_name(source: Instance, today: date) -> str:
    """The image's default name; the date keeps repeated drills from colliding."""
    return f"Create_from_{source.instance_id}_{today:%Y%m%d}"


def image_reattempt_name(name: str, number: int) -> str:
    """The name of attempt `number` of an image whose earlier attempt failed: ECS keeps a
    CreateFailed image's name taken. Within ECS's name length."""
    suffix = f"_attempt{number}"
    return name[: NAME_MAX - len(suffix)] + suffix


def device_key(device: str) -> str:
    """A disk's device as step and snapshot names carry it: `/dev/vdb` -> `vdb`."""
    return device.removeprefix("/dev/")


def snapshot_name(owner: str, today: date, *, prefix: str = "Snap") -> str:
    """The runbook's default snapshot name, `<prefix>_<owner>_<yyyymmdd>`: `owner` says what
    is snapshotted (`i-1` for a group, `i-1_system`, `i-1_vdb`, or a disk id)."""
    return f"{prefix}_{owner}_{today:%Y%m%d}"


def group_snapshot_name(instance_id: str, per_disk: bool, today: date) -> str:
    """A group's default name is SnapGroup_<id>_<date>; per-disk snapshots of every disk are
    Snap_<id>_<date>, each told apart by its device."""
    return snapshot_name(instance_id, today, prefix="Snap" if per_disk else "SnapGroup")


def disk_snapshot_name(disk: Disk, today: date) -> str:
    """One disk's default snapshot name: named for its instance and kind when attached."""
    owner = f"{disk.instance_id}_{disk.kind}" if disk.instance_id else disk.disk_id
    return snapshot_name(owner, today)


def default_vswitch_name(zone_id: str) -> str:
    return f"ecs-dr-{zone_id}"
