"""How long ECS takes, in cloud seconds, at time scale 1.

Figures follow what ECS users observe: an ESSD snapshot is usable (instant access) within
seconds but uploads to zone-redundant storage at a few GiB a second; an image from snapshots
takes a few minutes; an instance reaches Running in about a minute.
"""

from __future__ import annotations

ESSD_FAMILY = frozenset({"cloud_essd", "cloud_auto", "cloud_essd_entry"})

SNAPSHOT_INSTANT_ACCESS_S = 5.0
SNAPSHOT_BASE_S = 30.0
SNAPSHOT_UPLOAD_S_PER_GIB = 0.6  # 500 GiB uploads in about five minutes
NON_ESSD_SNAPSHOT_S_PER_GIB = 1.5

IMAGE_BASE_S = 120.0
IMAGE_S_PER_GIB = 0.2

INSTANCE_PENDING_S = 20.0
INSTANCE_STARTING_S = 40.0

DISK_CREATING_S = 10.0
DISK_CREATING_S_PER_GIB = 0.02
DISK_ATTACHING_S = 5.0
DISK_DETACHING_S = 5.0

VSWITCH_PENDING_S = 3.0
INSTANCE_STOPPING_S = 10.0


def snapshot_upload(size_gib: int, category: str) -> float:
    """Seconds until a snapshot is `accomplished` (fully uploaded, zone-redundant)."""
    per_gib = SNAPSHOT_UPLOAD_S_PER_GIB if category in ESSD_FAMILY else NON_ESSD_SNAPSHOT_S_PER_GIB
    return SNAPSHOT_BASE_S + per_gib * size_gib


def image_creation(total_gib: int) -> float:
    return IMAGE_BASE_S + IMAGE_S_PER_GIB * total_gib


def disk_creation(size_gib: int) -> float:
    return DISK_CREATING_S + DISK_CREATING_S_PER_GIB * size_gib
