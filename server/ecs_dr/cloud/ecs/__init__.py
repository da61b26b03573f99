"""Typed ECS calls: domain models in, domain models out.

The only package above the gateway that touches the SDK's request and response models, so
workflows never see one. Every function takes the gateway and a region; a missing id raises
`NotFound` with a message naming where it looked. One module per resource family:
`lookup` (which region holds an id), `instances` (instances and disks), `zones` (stock and
disk categories), `network` (VPCs and VSwitches, through the VPC API; free blocks),
`snapshots`, `images`, `tags`, `disks` (Scenario B's create and attach), `quotas` (the
account's quotas) and `cleanup` (tags and deletes). Each family declares beside its describe
functions the `Describe` of its kinds and their `wait_*` waiters (`cloud.waiters` runs them);
`WAITERS` lists every waiter the product runs.
"""

from collections.abc import Mapping
from typing import Any

from ecs_dr.cloud.ecs.cleanup import (
    delete_disk,
    delete_image,
    delete_instance,
    delete_snapshot,
    delete_snapshot_group,
    disk_snapshots,
    resource_tags,
    snapshot_users,
    tagged_resources,
)
from ecs_dr.cloud.ecs.disks import attach_disk, create_disk
from ecs_dr.cloud.ecs.images import (
    create_image,
    describe_image,
    images_named,
    images_tagged,
    wait_image,
)
from ecs_dr.cloud.ecs.instances import (
    describe_disk,
    describe_instance,
    describe_instance_if_there,
    describe_instance_with,
    disk_from,
    instances_matching,
    run_instance,
    wait_disk_available,
    wait_disk_in_use,
    wait_instance,
    wait_instance_settled,
)
from ecs_dr.cloud.ecs.lookup import (
    DISCOVERY_REGION,
    find_disk_region,
    find_instance_region,
    find_snapshot_region,
    find_vpc_region,
    region_ids,
)
from ecs_dr.cloud.ecs.network import (
    RELEASED_IN_BACKGROUND,
    VSWITCH_RELEASE,
    create_vswitch,
    delete_vswitch,
    describe_vswitch,
    first_free_block,
    free_cidr_block,
    vpc_cidr_block,
    vswitch_instances,
    vswitch_tags,
    vswitches,
    vswitches_tagged,
    wait_vswitch,
)
from ecs_dr.cloud.ecs.quotas import account_quotas
from ecs_dr.cloud.ecs.snapshots import (
    create_snapshot,
    create_snapshot_group,
    describe_snapshot,
    describe_snapshot_group,
    describe_snapshots,
    group_accomplished,
    instance_snapshot_groups,
    instance_snapshots,
    snapshot_group_failed,
    snapshot_groups_tagged,
    wait_snapshot,
    wait_snapshot_group,
    wait_snapshot_settled,
)
from ecs_dr.cloud.ecs.tags import TAG_BATCH, tag_resources
from ecs_dr.cloud.ecs.zones import (
    data_disk_categories,
    describe_zones,
    instance_type_specs,
    max_data_disks,
    types_in_stock,
    zone_offer,
    zone_resources,
    zones_with_stock,
)
from ecs_dr.cloud.timing import REAL_TIME, Timing
from ecs_dr.cloud.waiters import Waiter

WAITERS: Mapping[str, Waiter[Any]] = {
    waiter.spec.name: waiter
    for waiter in (
        wait_image,
        wait_snapshot,
        wait_snapshot_settled,
        group_accomplished,
        wait_disk_available,
        wait_disk_in_use,
        wait_instance,
        wait_instance_settled,
        wait_vswitch,
    )
}

__all__ = [
    "DISCOVERY_REGION",
    "REAL_TIME",
    "RELEASED_IN_BACKGROUND",
    "TAG_BATCH",
    "VSWITCH_RELEASE",
    "WAITERS",
    "Timing",
    "account_quotas",
    "attach_disk",
    "create_disk",
    "create_image",
    "create_snapshot",
    "create_snapshot_group",
    "create_vswitch",
    "data_disk_categories",
    "delete_disk",
    "delete_image",
    "delete_instance",
    "delete_snapshot",
    "delete_snapshot_group",
    "delete_vswitch",
    "describe_disk",
    "describe_image",
    "describe_instance",
    "describe_instance_if_there",
    "describe_instance_with",
    "describe_snapshot",
    "describe_snapshot_group",
    "describe_snapshots",
    "describe_vswitch",
    "describe_zones",
    "disk_from",
    "disk_snapshots",
    "find_disk_region",
    "find_instance_region",
    "find_snapshot_region",
    "find_vpc_region",
    "first_free_block",
    "free_cidr_block",
    "images_named",
    "images_tagged",
    "instance_snapshot_groups",
    "instance_snapshots",
    "instance_type_specs",
    "instances_matching",
    "max_data_disks",
    "region_ids",
    "resource_tags",
    "run_instance",
    "snapshot_group_failed",
    "snapshot_groups_tagged",
    "snapshot_users",
    "tag_resources",
    "tagged_resources",
    "types_in_stock",
    "vpc_cidr_block",
    "vswitch_instances",
    "vswitch_tags",
    "vswitches",
    "vswitches_tagged",
    "wait_disk_available",
    "wait_disk_in_use",
    "wait_image",
    "wait_instance",
    "wait_instance_settled",
    "wait_snapshot",
    "wait_snapshot_group",
    "wait_vswitch",
    "zone_offer",
    "zone_resources",
    "zones_with_stock",
]
