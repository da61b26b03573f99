"""`GET /_sandbox/state`: the whole world as JSON, statuses read at the current cloud time."""

from __future__ import annotations

import dataclasses
from typing import Any

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import iso
from ecs_dr.sandbox.models.lifecycle import Lifecycle

_COLLECTIONS = (
    "vpcs",
    "vswitches",
    "security_groups",
    "instances",
    "disks",
    "snapshots",
    "snapshot_groups",
    "images",
)


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return value


def _resource(obj: Any, now: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, Lifecycle):
            out["status"] = value.status(now)
            out["progress"] = value.progress(now)
            out["stages"] = [[status, seconds] for status, seconds in value.stages]
        else:
            out[f.name] = _plain(value)
    return out


def dump_state(backend: Backend) -> dict[str, Any]:
    now = backend.now()
    regions = {}
    for region_id, region in backend.regions.items():
        body: dict[str, Any] = {
            "zones": {zid: dataclasses.asdict(z) for zid, z in region.zones.items()},
            "tags": [
                {"resource_type": rtype, "resource_id": rid, "tags": tags}
                for (rtype, rid), tags in region.tags.items()
            ],
        }
        for name in _COLLECTIONS:
            body[name] = {rid: _resource(r, now) for rid, r in getattr(region, name).items()}
        regions[region_id] = body
    return {"now": iso(now), "quotas": backend.world.quotas.model_dump(), "regions": regions}
