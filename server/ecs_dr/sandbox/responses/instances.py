"""RunInstances, DescribeInstances, DeleteInstance, ModifyInstanceNetworkSpec: parse, call
`models.launch` or `models.instances`, shape."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.clock import iso
from ecs_dr.sandbox.errors import DryRunOperation, InvalidParameter, MissingParameter
from ecs_dr.sandbox.models.instances import (
    INSTANCE_STATUSES,
    InstanceFilter,
    delete_instance,
    filter_instances,
    modify_network_spec,
)
from ecs_dr.sandbox.models.launch import DiskRequest, LaunchRequest, launch, plan_launch
from ecs_dr.sandbox.models.resources import Instance, Region
from ecs_dr.sandbox.models.tags import tags_body
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import CLIENT_TOKEN_MAX_LENGTH, Body, action, paginate

MAX_AMOUNT = 100
MAX_SECURITY_GROUPS = 5
MAX_DATA_DISKS = 16
# What ECS reports as the expiry of a pay-as-you-go instance.
POSTPAID_EXPIRY = "2099-12-31T15:59Z"


@action("RunInstances")
def run_instances(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    request = _launch_request(params)
    tags = params.tags()
    if params.boolean("DryRun"):
        plan_launch(backend, region, request)
        raise DryRunOperation()
    ids = backend.idempotent(
        region,
        "RunInstances",
        params.text("ClientToken", max_length=CLIENT_TOKEN_MAX_LENGTH),
        params.raw,
        lambda: tuple(
            launch(backend, region, plan_launch(backend, region, request), request, tags)
        ),
    )
    return {"InstanceIdSets": {"InstanceIdSet": list(ids)}}


def _launch_request(params: Params) -> LaunchRequest:
    group = params.text("SecurityGroupId")
    groups = params.repeated("SecurityGroupIds", max_items=MAX_SECURITY_GROUPS)
    if group is not None and groups:
        raise InvalidParameter("SecurityGroupIds", "send SecurityGroupId or SecurityGroupIds.N")
    if group is None and not groups:
        raise MissingParameter("SecurityGroupId")
    amount = params.integer("Amount", minimum=1, maximum=MAX_AMOUNT) or 1
    return LaunchRequest(
        image_id=params.required_text("ImageId"),
        instance_type=params.required_text("InstanceType"),
        vswitch_id=params.required_text("VSwitchId"),
        security_group_ids=[group] if group is not None else groups,
        zone_id=params.text("ZoneId"),
        instance_name=params.text("InstanceName", max_length=128),
        host_name=params.text("HostName", max_length=64),
        instance_charge_type=params.choice(
            "InstanceChargeType", ("PostPaid", "PrePaid"), default="PostPaid"
        )
        or "PostPaid",
        internet_charge_type=params.choice(
            "InternetChargeType", ("PayByTraffic", "PayByBandwidth"), default="PayByTraffic"
        )
        or "PayByTraffic",
        internet_max_bandwidth_out=params.integer("InternetMaxBandwidthOut", minimum=0, maximum=100)
        or 0,
        system_disk=DiskRequest(
            category=params.text("SystemDisk.Category"),
            size=params.integer("SystemDisk.Size", minimum=1),
            performance_level=params.text("SystemDisk.PerformanceLevel"),
        ),
        data_disks=[
            _data_disk(n, item)
            for n, item in enumerate(params.structs("DataDisk", max_items=MAX_DATA_DISKS), 1)
        ],
        amount=amount,
        min_amount=params.integer("MinAmount", minimum=1, maximum=amount),
    )


def _data_disk(number: int, item: dict[str, str]) -> DiskRequest:
    """One DataDisk.N, read with its full parameter names so errors name them."""
    sub = Params({f"DataDisk.{number}.{key}": value for key, value in item.items()})
    name = f"DataDisk.{number}."
    return DiskRequest(
        category=sub.text(name + "Category"),
        size=sub.integer(name + "Size", minimum=1),
        performance_level=sub.text(name + "PerformanceLevel"),
        device=sub.text(name + "Device"),
        snapshot_id=sub.text(name + "SnapshotId"),
        delete_with_instance=sub.boolean(name + "DeleteWithInstance", default=True),
    )


@action("DescribeInstances")
def describe_instances(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    wanted = InstanceFilter(
        instance_ids=params.json_list("InstanceIds"),
        zone_id=params.text("ZoneId"),
        vpc_id=params.text("VpcId"),
        vswitch_id=params.text("VSwitchId"),
        instance_name=params.text("InstanceName", max_length=128),
        status=params.choice("Status", INSTANCE_STATUSES),
        instance_type=params.text("InstanceType"),
        image_id=params.text("ImageId"),
        tags=params.tags(),
    )
    now = backend.now()
    page, paging = paginate(filter_instances(region, wanted, now), params)
    return {
        "Instances": {"Instance": [_instance_body(backend, region, i, now) for i in page]},
        **paging,
    }


def _instance_body(backend: Backend, region: Region, inst: Instance, now: float) -> Body:
    spec = backend.instance_types[inst.instance_type]
    return {
        "InstanceId": inst.instance_id,
        "InstanceName": inst.instance_name,
        "HostName": inst.hostname,
        "Description": "",
        "RegionId": region.region_id,
        "ZoneId": inst.zone_id,
        "InstanceType": inst.instance_type,
        "InstanceTypeFamily": spec.family,
        "Cpu": spec.cpu,
        "Memory": int(spec.memory_gib * 1024),
        "Status": inst.lifecycle.status(now),
        "InstanceChargeType": inst.instance_charge_type,
        "InternetChargeType": inst.internet_charge_type,
        "InternetMaxBandwidthOut": inst.internet_max_bandwidth_out,
        "InstanceNetworkType": "vpc",
        "IoOptimized": True,
        "PublicIpAddress": {"IpAddress": [inst.public_ip] if inst.public_ip else []},
        "InnerIpAddress": {"IpAddress": []},
        "EipAddress": {"AllocationId": "", "IpAddress": "", "InternetChargeType": ""},
        "VpcAttributes": {
            "VpcId": inst.vpc_id,
            "VSwitchId": inst.vswitch_id,
            "PrivateIpAddress": {"IpAddress": [inst.private_ip]},
            "NatIpAddress": "",
        },
        "SecurityGroupIds": {"SecurityGroupId": list(inst.security_group_ids)},
        "ImageId": inst.image_id,
        "OSName": inst.os_name,
        "OSNameEn": inst.os_name,
        "OSType": "linux",
        "CreationTime": iso(inst.created_at),
        "ExpiredTime": POSTPAID_EXPIRY,
        "DeletionProtection": False,
        "StoppedMode": "Not-applicable",
        "SpotStrategy": "NoSpot",
        "ResourceGroupId": "",
        "OperationLocks": {"LockReason": []},
        "Tags": tags_body(region, "instance", inst.instance_id),
    }


@action("DeleteInstance")
def delete_instance_action(backend: Backend, params: Params) -> Body:
    delete_instance(backend, params.required_text("InstanceId"), params.boolean("Force"))
    return {}


@action("ModifyInstanceNetworkSpec")
def modify_instance_network_spec(backend: Backend, params: Params) -> Body:
    modify_network_spec(
        backend,
        params.required_text("InstanceId"),
        params.integer("InternetMaxBandwidthOut"),
        allocate_public_ip=params.boolean("AllocatePublicIp"),
    )
    return {}
