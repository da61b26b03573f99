"""The VPC API (2016-04-28), served beside ECS's on the same port: VPCs, VSwitches and their
tags, as the official `alibabacloud-vpc20160428` SDK sends and reads them.

A second registry, `VPC_ACTIONS`, holds these handlers; `app.py` picks it by `x-acs-version`.
Handlers parse and shape; the rules live in `models/network.py`, the same ones ECS's
deprecated VPC actions use. Where the VPC API differs from ECS (tags as `Key`/`Value`, its
own codes) the difference is here or in the models' `VPC_CREATE` rules.
"""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import (
    IdempotentProcessing,
    IllegalParamTagKey,
    IllegalParamTagValue,
    InvalidParameter,
    InvalidTagKeyMalformed,
    InvalidTagValueMalformed,
    MissingParameter,
    MissingParamTagKey,
    OperationFailedIdempotentTokenProcessing,
)
from ecs_dr.sandbox.models.network import (
    VPC_CREATE,
    VPC_RESOURCE_TYPES,
    delete_vswitch,
    locate_region,
    require_vpc_resource,
    require_vswitch,
    untag_resource,
    vpc_resource_type,
)
from ecs_dr.sandbox.models.resources import Region
from ecs_dr.sandbox.models.tags import check_tag_room, has_tags, tag_resource, tags_of
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.network import (
    VSwitchPlace,
    vpc_body,
    vswitch_body,
    vswitch_creator,
)
from ecs_dr.sandbox.responses.registry import (
    Body,
    Handler,
    create_tagged,
    paginate_pages,
    registry,
)
from ecs_dr.sandbox.responses.tags import tag_rows_page

VPC_ACTIONS: dict[str, Handler] = {}
vpc_action = registry(VPC_ACTIONS, "VPC")

# DescribeVpcs and DescribeVSwitches page at most 50 items (the VPC SDK's PageSize docstrings).
MAX_PAGE_SIZE = 50
# DescribeVpcs takes up to 20 comma-separated VPC ids.
MAX_VPC_IDS = 20
# The tag actions take up to 50 resource ids, UnTagResources up to 20 tag keys; ListTagResources
# answers 1 to 50 rows a page, 50 by default (`tags.LIST_PAGE_SIZE`).
MAX_RESOURCES = 50
MAX_TAG_KEYS = 20
# The VPC API's ClientTokens are its own, apart from those of ECS's deprecated CreateVSwitch.
VPC_CREATE_VSWITCH = "vpc:CreateVSwitch"


# --- parsing ---------------------------------------------------------------------------------
def _region(
    backend: Backend, params: Params, *, vpc_id: str | None = None, vswitch_id: str | None = None
) -> Region:
    """RegionId's region; without one, the region of the VSwitch or VPC the request names,
    where the VPC API reference lets RegionId be left out."""
    region_id = params.text("RegionId")
    if region_id is not None:
        return backend.region(region_id)
    return locate_region(backend.regions.values(), vpc_id=vpc_id, vswitch_id=vswitch_id)


def _tags(params: Params) -> dict[str, str]:
    """`Tag.N.Key/Value`, checked as ECS checks them but refused with the VPC API's codes
    (its public error codes page: IllegalParam.TagKey/TagValue, MissingParam.TagKey)."""
    try:
        return params.tags()
    except InvalidTagKeyMalformed as exc:
        raise IllegalParamTagKey(exc.message) from None
    except InvalidTagValueMalformed as exc:
        raise IllegalParamTagValue(exc.message) from None
    except MissingParameter:
        raise MissingParamTagKey() from None


def _tag_filter(params: Params) -> dict[str, str]:
    """Describe*'s `Tag.N` filter: a resource matches when it carries every key, with the
    given value when one is given."""
    return {t["Key"]: t.get("Value", "") for t in params.structs("Tag", max_items=20) if "Key" in t}


def _vpc_ids(params: Params) -> list[str] | None:
    value = params.text("VpcId", max_length=MAX_VPC_IDS * 64)
    if value is None:
        return None
    ids = [v.strip() for v in value.split(",") if v.strip()]
    if len(ids) > MAX_VPC_IDS:
        raise InvalidParameter("VpcId", f"at most {MAX_VPC_IDS} VPC ids, got {len(ids)}")
    return ids


def _tags_body(region: Region, key: str, resource_id: str) -> Body:
    """The `Tags: {Tag: [{Key, Value}]}` block of the VPC API's views (ECS's says TagKey)."""
    tags = tags_of(region, key, resource_id)
    return {"Tag": [{"Key": k, "Value": v} for k, v in tags.items()]}


# --- VPCs and VSwitches ------------------------------------------------------------------------
@vpc_action("DescribeVpcs")
def describe_vpcs(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    vpc_ids = _vpc_ids(params)
    name = params.text("VpcName", max_length=128)
    wanted = _tag_filter(params)
    # the sandbox's VPCs are all user-created: asking for the default one finds nothing
    only_default = params.boolean("IsDefault")
    vpcs = [
        v
        for v in region.vpcs.values()
        if not only_default
        and (vpc_ids is None or v.vpc_id in vpc_ids)
        and name in (None, v.vpc_name)
        and has_tags(region, "vpc", v.vpc_id, wanted)
    ]
    page, paging = paginate_pages(vpcs, params, max_page_size=MAX_PAGE_SIZE)
    return {
        "Vpcs": {
            "Vpc": [
                {**vpc_body(region, v), "Tags": _tags_body(region, "vpc", v.vpc_id)} for v in page
            ]
        },
        **paging,
    }


@vpc_action("DescribeVSwitches")
def describe_vswitches(backend: Backend, params: Params) -> Body:
    wanted = {
        "vpc_id": params.text("VpcId"),
        "zone_id": params.text("ZoneId"),
        "vswitch_id": params.text("VSwitchId"),
        "vswitch_name": params.text("VSwitchName", max_length=128),
    }
    region = _region(backend, params, vpc_id=wanted["vpc_id"])
    wanted_tags = _tag_filter(params)
    only_default = params.boolean("IsDefault")
    vswitches = [
        s
        for s in region.vswitches.values()
        if not only_default
        and all(value in (None, getattr(s, key)) for key, value in wanted.items())
        and has_tags(region, "vswitch", s.vswitch_id, wanted_tags)
    ]
    page, paging = paginate_pages(vswitches, params, max_page_size=MAX_PAGE_SIZE)
    now = backend.now()
    return {
        "VSwitches": {
            "VSwitch": [
                {
                    **vswitch_body(region, s, now),
                    "Tags": _tags_body(region, "vswitch", s.vswitch_id),
                }
                for s in page
            ]
        },
        **paging,
    }


@vpc_action("DescribeVSwitchAttributes")
def describe_vswitch_attributes(backend: Backend, params: Params) -> Body:
    vswitch_id = params.required_text("VSwitchId")
    region = _region(backend, params, vswitch_id=vswitch_id)
    vswitch = require_vswitch(region, vswitch_id)
    return {
        **vswitch_body(region, vswitch, backend.now()),
        "Tags": _tags_body(region, "vswitch", vswitch_id),
    }


@vpc_action("CreateVSwitch")
def create_vswitch_action(backend: Backend, params: Params) -> Body:
    place = VSwitchPlace.parse(params)
    region = _region(backend, params, vpc_id=place.vpc_id)
    create = vswitch_creator(backend, region, params, place, VPC_CREATE)
    tags = _tags(params)

    try:
        vswitch_id = create_tagged(
            backend,
            region,
            params,
            create,
            action_name=VPC_CREATE_VSWITCH,
            resource_type="vswitch",
            tags=tags,
        )
    except IdempotentProcessing:
        # A repeat of the ClientToken while its create is still processed: the VPC API's code
        # for it (the ECS reference's CreateVSwitch error table, which the VPC service answers).
        raise OperationFailedIdempotentTokenProcessing(
            "Action is processing: the create with this ClientToken is still in progress; "
            "retry later with the same token."
        ) from None
    return {"VSwitchId": vswitch_id}


@vpc_action("DeleteVSwitch")
def delete_vswitch_action(backend: Backend, params: Params) -> Body:
    vswitch_id = params.required_text("VSwitchId")
    region = _region(backend, params, vswitch_id=vswitch_id)
    delete_vswitch(region, vswitch_id, backend.now())
    return {}


# --- tags --------------------------------------------------------------------------------------
def _resource_ids(params: Params) -> list[str]:
    resource_ids = params.repeated("ResourceId", max_items=MAX_RESOURCES)
    if not resource_ids:
        raise MissingParameter("ResourceId.N")
    return resource_ids


@vpc_action("TagResources")
def tag_resources(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    resource_type = vpc_resource_type(params.required_text("ResourceType"))
    resource_ids = _resource_ids(params)
    tags = _tags(params)
    if not tags:
        raise MissingParamTagKey()
    # Every resource is checked before any is tagged, so a refusal changes nothing.
    keys = [require_vpc_resource(region, resource_type, rid) for rid in resource_ids]
    for key, resource_id in zip(keys, resource_ids, strict=True):
        check_tag_room(region, key, resource_id, tags)
    for key, resource_id in zip(keys, resource_ids, strict=True):
        tag_resource(region, key, resource_id, tags)
    return {}


@vpc_action("ListTagResources")
def list_tag_resources(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    resource_type = vpc_resource_type(params.required_text("ResourceType"))
    resource_ids = params.repeated("ResourceId", max_items=MAX_RESOURCES)
    wanted = _tags(params)
    if not resource_ids and not wanted:
        # The reference asks for ResourceId.N or Tag.N; its code for neither is unconfirmed,
        # so the sandbox refuses strictly with the generic one.
        raise MissingParameter("ResourceId.N")
    return tag_rows_page(
        region,
        params,
        key=VPC_RESOURCE_TYPES[resource_type],
        resource_type=resource_type,
        resource_ids=resource_ids,
        wanted=wanted,
    )


@vpc_action("UnTagResources")
def untag_resources(backend: Backend, params: Params) -> Body:
    region = backend.region(params.required_text("RegionId"))
    resource_type = vpc_resource_type(params.required_text("ResourceType"))
    resource_ids = _resource_ids(params)
    tag_keys = params.repeated("TagKey", max_items=MAX_TAG_KEYS)
    if not tag_keys and not params.boolean("All"):
        # `All` counts only without TagKey.N; a request with neither removes nothing, and its
        # code is unconfirmed, so the sandbox refuses strictly.
        raise MissingParameter("TagKey.N")
    keys = [require_vpc_resource(region, resource_type, rid) for rid in resource_ids]
    for key, resource_id in zip(keys, resource_ids, strict=True):
        untag_resource(region, key, resource_id, tag_keys)
    return {}
