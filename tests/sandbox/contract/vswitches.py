"""The contract's rows of the VPC API's DeleteVSwitch (2016-04-28), whose reference page and
error table the product's cleanup relies on: only an Available VSwitch with nothing in it is
deleted. Its table's other codes (DependencyViolation.HaVip, .RouteTable, .Snat,
IncorrectRouteEntryStatus, TaskConflict) are for resources the sandbox does not hold."""

from __future__ import annotations

from alibabacloud_vpc20160428 import models
from alibabacloud_vpc20160428.client import Client as VpcClient

from ecs_dr.sandbox.models.durations import VSWITCH_PENDING_S
from tests.sandbox.contract.rows import Answers, Call, Refused, Row, at_once
from tests.support.demo_world import PROD_VPC, REGION, SOURCE_VSWITCH
from tests.support.sandboxes import RunningSandbox, sdk_config

PAGE = "VPC API reference: DeleteVSwitch (its error table)"
EMPTY_ZONE = "cn-hangzhou-j"  # the prod VPC has no VSwitch there


def _vpc(s: RunningSandbox) -> VpcClient:
    return VpcClient(sdk_config(s.handle))


def _create(s: RunningSandbox, cidr_block: str) -> str:
    request = models.CreateVSwitchRequest(
        region_id=REGION, vpc_id=PROD_VPC, zone_id=EMPTY_ZONE, cidr_block=cidr_block
    )
    return str(_vpc(s).create_vswitch(request).body.v_switch_id)


def _delete(s: RunningSandbox, vswitch_id: str) -> None:
    _vpc(s).delete_vswitch(models.DeleteVSwitchRequest(region_id=REGION, v_switch_id=vswitch_id))


def _delete_a_pending_one(s: RunningSandbox) -> Call:
    vswitch_id = _create(s, "172.16.9.0/24")
    return lambda: _delete(s, vswitch_id)


def _delete_while_another_is_pending(s: RunningSandbox) -> Call:
    settled = _create(s, "172.16.9.0/24")
    s.handle.advance_clock(VSWITCH_PENDING_S + 1)
    _create(s, "172.16.10.0/24")
    return lambda: _delete(s, settled)


def _deleted(s: RunningSandbox) -> Call:
    vswitch_id = _create(s, "172.16.9.0/24")
    s.handle.advance_clock(VSWITCH_PENDING_S + 1)

    def call() -> bool:
        _delete(s, vswitch_id)
        return vswitch_id not in s.handle.state()["regions"][REGION]["vswitches"]

    return call


VSWITCH_ROWS = (
    Row(
        "DeleteVSwitch",
        "an unknown VSwitch id (the code is unconfirmed: the sandbox's own not-found, strictly)",
        Refused("InvalidVSwitchId.NotFound", 404),
        PAGE,
        False,
        at_once(lambda s: _delete(s, "vsw-bp1nosuchvswitch00")),
    ),
    Row(
        "DeleteVSwitch",
        "a VSwitch an instance is in",
        Refused("DependencyViolation", 400),
        PAGE,
        False,
        at_once(lambda s: _delete(s, SOURCE_VSWITCH)),
    ),
    Row(
        "DeleteVSwitch",
        "a VSwitch still Pending",
        Refused("IncorrectVSwitchStatus", 400),
        PAGE,
        False,
        _delete_a_pending_one,
    ),
    Row(
        "DeleteVSwitch",
        "while another VSwitch of its VPC is being created",
        Refused("OperationDenied.OtherSubnetProcessing", 400),
        PAGE,
        False,
        _delete_while_another_is_pending,
    ),
    Row(
        "DeleteVSwitch",
        "an Available VSwitch nothing is in: deleted",
        Answers(True),
        PAGE,
        False,
        _deleted,
    ),
)
