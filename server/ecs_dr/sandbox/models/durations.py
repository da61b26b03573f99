"""How long ECS takes, in cloud seconds, at time scale 1.

Figures follow what ECS users observe: an ESSD snapshot is usable (instant access) within
seconds but uploads to zone-redundant storage at a few GiB a second; an image from snapshots
takes a few minutes; an instance reaches Running in about a minute. These are nominal: a
world may let each resource stray from them (`Variation`), as a real cloud's durations do.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

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

VSWITCH_PENDING_S = 3.0


def snapshot_upload(size_gib: int, category: str) -> float:
    """Seconds until a snapshot is `accomplished` (fully uploaded, zone-redundant)."""
    per_gib = SNAPSHOT_UPLOAD_S_PER_GIB if category in ESSD_FAMILY else NON_ESSD_SNAPSHOT_S_PER_GIB
    return SNAPSHOT_BASE_S + per_gib * size_gib


def image_creation(total_gib: int) -> float:
    return IMAGE_BASE_S + IMAGE_S_PER_GIB * total_gib


def disk_creation(size_gib: int) -> float:
    return DISK_CREATING_S + DISK_CREATING_S_PER_GIB * size_gib


@dataclass
class Variation:
    """How far each new resource's durations stray from the nominal ones.

    A real cloud's durations never land on a round grid; with nominal ones, a client that
    polls every 30 s can be lucky on every run. Each resource draws one factor in
    [1 - spread, 1 + spread] from (seed, its kind, how many of its kind came before), so two
    clients that create the same resources in the same order meet the same durations.
    """

    spread: float = 0.0
    seed: int = 0
    drawn: Counter[str] = field(default_factory=Counter)

    def factor(self, kind: str) -> float:
        ordinal = self.drawn[kind]
        self.drawn[kind] += 1
        if not self.spread:
            return 1.0
        draw = random.Random(f"{self.seed}/{kind}/{ordinal}")
        return 1.0 + draw.uniform(-self.spread, self.spread)
