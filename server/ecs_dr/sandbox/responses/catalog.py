"""Regions, zones, instance types and resource availability."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action


@action("DescribeRegions")
def describe_regions(backend: Backend, params: Params) -> Body:
    regions = [
        {
            "RegionId": region.region_id,
            "LocalName": region.local_name,
            "RegionEndpoint": f"ecs.{region.region_id}.aliyuncs.com",
            "Status": "available",
        }
        for region in backend.regions.values()
    ]
    return {"Regions": {"Region": regions}}
