"""The account's quotas in a region (DescribeAccountAttributes)."""

from __future__ import annotations

from ecs_dr.sandbox.backend import Backend
from ecs_dr.sandbox.errors import InvalidParameter, InvalidZoneIdNotFound
from ecs_dr.sandbox.models.quotas import ACCOUNT_ATTRIBUTES, account_attribute
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses.registry import Body, action

# ECS takes AttributeName.1 .. AttributeName.8.
MAX_ATTRIBUTE_NAMES = 8


@action("DescribeAccountAttributes")
def describe_account_attributes(backend: Backend, params: Params) -> Body:
    """The attributes asked (every documented one when none is), in the order asked, each once.

    An AttributeName ECS does not document is refused with InvalidParameter (400); a ZoneId not
    of the region with InvalidZoneId.NotFound. Quotas are per region: a zone changes no value.
    """
    region = backend.region(params.required_text("RegionId"))
    zone_id = params.text("ZoneId")
    if zone_id is not None and zone_id not in region.zones:
        raise InvalidZoneIdNotFound(zone_id)
    asked = params.repeated("AttributeName", max_items=MAX_ATTRIBUTE_NAMES)
    for name in asked:
        if name not in ACCOUNT_ATTRIBUTES:
            raise InvalidParameter(
                "AttributeName", f"{name!r} is not one of {', '.join(ACCOUNT_ATTRIBUTES)}"
            )
    names = list(dict.fromkeys(asked)) or list(ACCOUNT_ATTRIBUTES)
    items = [
        {
            "AttributeName": name,
            "AttributeValues": {
                "ValueItem": [
                    {"Value": value} for value in account_attribute(backend, region, name)
                ]
            },
        }
        for name in names
    ]
    return {"AccountAttributeItems": {"AccountAttributeItem": items}}
