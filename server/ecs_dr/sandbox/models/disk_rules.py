"""Disk rules shared by CreateDisk, RunInstances and CreateImage (ECS-FACTS.md; codes from the
CreateDisk and RunInstances API reference pages)."""

from __future__ import annotations

import re

from ecs_dr.sandbox.errors import (
    InvalidDiskSizeTooLarge,
    InvalidDiskSizeTooSmall,
    InvalidPerformanceLevelMalformed,
    OperationDeniedPerformanceLevelNotMatch,
)
from ecs_dr.sandbox.models.durations import ESSD_FAMILY

__all__ = ["ESSD_FAMILY"]

PERFORMANCE_LEVELS = ("PL0", "PL1", "PL2", "PL3")
DEFAULT_PERFORMANCE_LEVEL = "PL1"
# GiB ranges of ESSD performance levels; a system disk caps at 2048.
PL_SIZE_RANGES = {"PL0": (1, 65536), "PL1": (20, 65536), "PL2": (461, 65536), "PL3": (1261, 65536)}
SYSTEM_DISK_MAX_GIB = 2048
# Other categories: (min, max) GiB for data disks.
CATEGORY_SIZE_RANGES = {
    "cloud_auto": (1, 65536),
    "cloud_essd_entry": (10, 32768),
    "cloud_efficiency": (20, 32768),
    "cloud_ssd": (20, 32768),
    "cloud": (5, 2000),
}
SYSTEM_DEVICE = "/dev/xvda"
DATA_DEVICE = re.compile(r"^/dev/xvd[b-z]$")
# cloud_essd_entry is sold only with these instance families.
ESSD_ENTRY_FAMILIES = ("ecs.u1", "ecs.e")


def resolve_performance_level(category: str, requested: str | None, param: str) -> str | None:
    """The PL a new disk gets: the requested one, or PL1 for cloud_essd when omitted.

    Raises InvalidPerformanceLevel.Malformed (400) for a PL that does not exist.
    """
    if category != "cloud_essd":
        return None
    if requested is None:
        return DEFAULT_PERFORMANCE_LEVEL
    if requested not in PERFORMANCE_LEVELS:
        raise InvalidPerformanceLevelMalformed(
            f"{param} {requested!r} is not one of {', '.join(PERFORMANCE_LEVELS)}."
        )
    return requested


def check_size(category: str, performance_level: str | None, size: int, *, system: bool) -> None:
    """Refuse a size outside the category's (and PL's) range, with ECS's codes: a size below
    the PL's floor is OperationDenied.PerformanceLevelNotMatch (403)."""
    if category == "cloud_essd" and performance_level is not None:
        low, high = PL_SIZE_RANGES[performance_level]
        if size < low:
            raise OperationDeniedPerformanceLevelNotMatch(
                f"{performance_level} needs at least {low} GiB; the disk is {size} GiB."
            )
    else:
        low, high = CATEGORY_SIZE_RANGES.get(category, (1, 65536))
        if size < low:
            raise InvalidDiskSizeTooSmall(f"A {category} disk needs at least {low} GiB.")
    if system:
        high = min(high, SYSTEM_DISK_MAX_GIB)
    if size > high:
        raise InvalidDiskSizeTooLarge(f"A {category} disk holds at most {high} GiB.")
