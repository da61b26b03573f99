"""Target zones with gaps: no VSwitch (zone J), no stock of the type (zone K), no
cloud_essd_entry (zone L). Each gap is a prompt; nothing is created before it is answered."""

from __future__ import annotations

import anyio
import pytest

from ecs_dr.cloud.ecs import Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.domain.decisions import InvalidDecision
from ecs_dr.domain.dr_instance import DrInstanceResult
from ecs_dr.domain.plans import TAG_OPERATION, TAG_SOURCE
from ecs_dr.workflows.journal import Journal
from ecs_dr.workflows.scenario_a import (
    check_target_zone,
    execute_dr_instance,
    execute_full_image,
    execute_snapshot_group,
    prepare_dr_instance,
    prepare_full_image,
    prepare_snapshot_group,
    verify_dr_instance,
)
from tests.support.decisions import confirmation, needs, ready_plan, was_cancelled
from tests.support.demo_world import (
    DB_INSTANCE,
    ENTRY_INSTANCE,
    NO_VSWITCH_ZONE,
    PROD_VPC,
    TARGET_VSWITCH,
)
from tests.support.sandboxes import SandboxHandle
from tests.support.workflows import (
    FLOW_LIMIT_S,
    ProgressLog,
    Steps,
    mutations,
    region_state,
    tags_of,
)

NO_STOCK_ZONE = "cn-hangzhou-k"
NO_ENTRY_ZONE = "cn-hangzhou-l"


async def recovery_image(
    gateway: EcsGateway, steps: Steps, timing: Timing, instance_id: str
) -> str:
    """A group and a full image of the instance, confirmed as the user would."""
    first = await prepare_snapshot_group(gateway, instance_id)
    group = ready_plan(
        await prepare_snapshot_group(gateway, instance_id, decisions=confirmation(first))
    )
    snapshots = await execute_snapshot_group(
        gateway, group.plan, steps.start("create_snapshot_group"), ProgressLog(), timing=timing
    )
    group_id = snapshots.snapshot_group_id
    first_image = await prepare_full_image(gateway, instance_id, snapshot_group_id=group_id)
    image = ready_plan(
        await prepare_full_image(
            gateway, instance_id, snapshot_group_id=group_id, decisions=confirmation(first_image)
        )
    )
    result = await execute_full_image(
        gateway, image.plan, steps.start("create_full_image"), ProgressLog(), timing=timing
    )
    return result.image_id


async def run_dr(
    gateway: EcsGateway,
    steps: Steps,
    timing: Timing,
    instance_id: str,
    image_id: str,
    zone_id: str,
    decisions: dict[str, str],
) -> DrInstanceResult:
    first = await prepare_dr_instance(gateway, instance_id, image_id, zone_id, decisions=decisions)
    plan = ready_plan(
        await prepare_dr_instance(
            gateway, instance_id, image_id, zone_id, decisions=confirmation(first, decisions)
        )
    )
    return await execute_dr_instance(
        gateway, plan.plan, steps.start("run_dr_instance"), ProgressLog(), timing=timing
    )


async def test_a_zone_without_a_vswitch_of_the_vpc_asks_to_create_one_or_pick_another_zone(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    check = await check_target_zone(gateway, DB_INSTANCE, NO_VSWITCH_ZONE)

    assert not check.ready and check.vswitch_id is None and check.vswitches == []
    [prompt] = check.prompts
    assert prompt.decision_id == f"vswitch_{NO_VSWITCH_ZONE}"
    assert [o.value for o in prompt.options] == [
        "create_vswitch",
        "zone:cn-hangzhou-i",
        "zone:cn-hangzhou-k",
        "cancel",
    ]
    assert prompt.options[0].label.endswith("(Recommended)")
    assert check.instance_type_in_stock
    assert mutations(sandbox) == []


async def test_choosing_create_vswitch_creates_one_on_a_free_block_and_runs_the_instance_in_it(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    decisions = {f"vswitch_{NO_VSWITCH_ZONE}": "create_vswitch"}
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await recovery_image(gateway, steps, timing, DB_INSTANCE)
        plan = ready_plan(
            await prepare_dr_instance(
                gateway, DB_INSTANCE, image_id, NO_VSWITCH_ZONE, decisions=decisions
            )
        )
        # The confirmation shows the VSwitch to be created, on the VPC's first free block.
        shown = plan.confirm.context["parameters"]
        assert shown["CreateVSwitch"] == {
            "RegionId": "cn-hangzhou",
            "VpcId": PROD_VPC,
            "ZoneId": NO_VSWITCH_ZONE,
            "CidrBlock": "172.16.0.0/24",
            "VSwitchName": f"ecs-dr-{NO_VSWITCH_ZONE}",
        }
        assert not any(r["action"] == "CreateVSwitch" for r in mutations(sandbox))
        result = await run_dr(
            gateway, steps, timing, DB_INSTANCE, image_id, NO_VSWITCH_ZONE, decisions
        )

    assert result.all_match, result.markdown
    state = region_state(sandbox)
    vswitch = state["vswitches"][result.created_vswitch_id]
    assert (vswitch["zone_id"], vswitch["vpc_id"], vswitch["cidr_block"]) == (
        NO_VSWITCH_ZONE,
        PROD_VPC,
        "172.16.0.0/24",
    )
    assert result.instance.vswitch_id == result.created_vswitch_id == result.vswitch_id
    assert result.instance.zone_id == NO_VSWITCH_ZONE
    tags = tags_of(state, "vswitch", result.created_vswitch_id or "")
    assert tags[TAG_SOURCE] == DB_INSTANCE and tags[TAG_OPERATION].startswith("op-")
    [run] = [r["parameters"] for r in mutations(sandbox) if r["action"] == "RunInstances"]
    assert run["VSwitchId"] == result.created_vswitch_id


async def test_choosing_another_zone_moves_the_plan_to_that_zone_and_its_vswitch(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    check = await check_target_zone(
        gateway,
        DB_INSTANCE,
        NO_VSWITCH_ZONE,
        decisions={f"vswitch_{NO_VSWITCH_ZONE}": "zone:cn-hangzhou-i"},
    )

    assert check.ready
    assert (check.requested_zone_id, check.zone_id) == (NO_VSWITCH_ZONE, "cn-hangzhou-i")
    assert check.vswitch_id == TARGET_VSWITCH and not check.create_vswitch


async def test_cancel_at_the_vswitch_prompt_creates_nothing(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await recovery_image(gateway, steps, timing, DB_INSTANCE)
    before = mutations(sandbox)

    prepared = await prepare_dr_instance(
        gateway,
        DB_INSTANCE,
        image_id,
        NO_VSWITCH_ZONE,
        decisions={f"vswitch_{NO_VSWITCH_ZONE}": "cancel"},
    )

    assert was_cancelled(prepared).decision_id == f"vswitch_{NO_VSWITCH_ZONE}"
    assert mutations(sandbox) == before


async def test_an_answer_that_is_not_an_option_is_refused_with_the_options(
    gateway: EcsGateway,
) -> None:
    with pytest.raises(InvalidDecision, match="create_vswitch"):
        await check_target_zone(
            gateway,
            DB_INSTANCE,
            NO_VSWITCH_ZONE,
            decisions={f"vswitch_{NO_VSWITCH_ZONE}": "zone:mars-1"},
        )


async def test_a_zone_out_of_stock_offers_similar_types_and_zones_with_stock(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    check = await check_target_zone(gateway, DB_INSTANCE, NO_STOCK_ZONE)

    assert not check.instance_type_in_stock
    [prompt] = check.prompts
    assert prompt.decision_id == f"instance_type_{NO_STOCK_ZONE}"
    # Closest first: the same vCPU and memory, then the same type in a zone with stock, then
    # the nearest larger; never smaller.
    assert [o.value for o in prompt.options] == [
        "type:ecs.g6.large",
        "zone:cn-hangzhou-i",
        "type:ecs.r7.large",
        "cancel",
    ]
    assert prompt.context["zones_with_stock"] == ["cn-hangzhou-i", "cn-hangzhou-j", "cn-hangzhou-l"]
    actions = {r["action"] for r in sandbox.requests()}
    assert {"DescribeInstanceTypes", "DescribeAvailableResource"} <= actions
    assert mutations(sandbox) == []


async def test_a_chosen_similar_type_is_the_one_run_and_the_comparison_says_so(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    decisions = {f"instance_type_{NO_STOCK_ZONE}": "type:ecs.g6.large"}
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await recovery_image(gateway, steps, timing, DB_INSTANCE)
        result = await run_dr(
            gateway, steps, timing, DB_INSTANCE, image_id, NO_STOCK_ZONE, decisions
        )

    assert result.instance.instance_type == "ecs.g6.large"
    assert result.instance.zone_id == NO_STOCK_ZONE
    row = next(r for r in result.comparison if r.item == "Instance type")
    assert row.match and row.chosen and "chosen by the user" in row.note
    assert result.all_match, result.markdown
    [run] = [r["parameters"] for r in mutations(sandbox) if r["action"] == "RunInstances"]
    assert run["InstanceType"] == "ecs.g6.large"


async def test_verifying_later_marks_the_chosen_type_chosen_and_all_match(
    gateway: EcsGateway, steps: Steps, timing: Timing, journal: Journal
) -> None:
    decisions = {f"instance_type_{NO_STOCK_ZONE}": "type:ecs.g6.large"}
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await recovery_image(gateway, steps, timing, DB_INSTANCE)
        result = await run_dr(
            gateway, steps, timing, DB_INSTANCE, image_id, NO_STOCK_ZONE, decisions
        )
    dr_id = result.dr_instance_id

    verified = await verify_dr_instance(gateway, DB_INSTANCE, dr_id, journal=journal)
    row = next(r for r in verified.comparison if r.item == "Instance type")
    assert row.chosen and row.match
    assert verified.all_match, verified.markdown
    # Without the journal that made it, the source is the measure: the type differs.
    unplanned = await verify_dr_instance(gateway, DB_INSTANCE, dr_id)
    assert not unplanned.all_match


async def test_a_category_the_zone_lacks_is_asked_for_each_disk_and_the_choice_is_run(
    gateway: EcsGateway, sandbox: SandboxHandle, steps: Steps, timing: Timing
) -> None:
    check = await check_target_zone(gateway, ENTRY_INSTANCE, NO_ENTRY_ZONE)
    assert [p.decision_id for p in check.prompts] == ["disk_category_xvda", "disk_category_xvdb"]
    for prompt in check.prompts:
        assert [o.value for o in prompt.options] == [
            "category:cloud_essd",
            "category:cloud_auto",
            "category:cloud_ssd",
            "cancel",
        ]
    assert "cloud_essd_entry" not in check.system_disk_categories

    decisions = {
        "disk_category_xvda": "category:cloud_essd",
        "disk_category_xvdb": "category:cloud_auto",
    }
    with anyio.fail_after(FLOW_LIMIT_S):
        image_id = await recovery_image(gateway, steps, timing, ENTRY_INSTANCE)
        partial = needs(
            await prepare_dr_instance(
                gateway,
                ENTRY_INSTANCE,
                image_id,
                NO_ENTRY_ZONE,
                decisions={"disk_category_xvda": "category:cloud_essd"},
            )
        )
        assert [p.decision_id for p in partial.prompts] == ["disk_category_xvdb"]
        result = await run_dr(
            gateway, steps, timing, ENTRY_INSTANCE, image_id, NO_ENTRY_ZONE, decisions
        )

    disks = {d.device: (d.category, d.size_gib, d.performance_level) for d in result.instance.disks}
    # A disk that becomes cloud_essd gets ECS's PL1 explicitly; cloud_auto takes none.
    assert disks == {"/dev/xvda": ("cloud_essd", 40, "PL1"), "/dev/xvdb": ("cloud_auto", 100, None)}
    assert result.all_match, result.markdown
    [run] = [r["parameters"] for r in mutations(sandbox) if r["action"] == "RunInstances"]
    assert run["SystemDisk.Category"] == "cloud_essd"
    assert run["SystemDisk.PerformanceLevel"] == "PL1"
    assert (run["DataDisk.1.Device"], run["DataDisk.1.Category"]) == ("/dev/xvdb", "cloud_auto")
    assert "DataDisk.1.PerformanceLevel" not in run


def data_disk_asks(sandbox: SandboxHandle) -> list[str | None]:
    """The SystemDiskCategory of each DescribeAvailableResource for data disks."""
    return [
        r["parameters"].get("SystemDiskCategory")
        for r in sandbox.requests()
        if r["action"] == "DescribeAvailableResource"
        and r["parameters"]["DestinationResource"] == "DataDisk"
    ]


async def test_data_disk_offers_are_asked_for_the_system_disk_category_the_copy_gets(
    gateway: EcsGateway, sandbox: SandboxHandle
) -> None:
    await check_target_zone(gateway, DB_INSTANCE, "cn-hangzhou-i")
    assert data_disk_asks(sandbox) == ["cloud_essd"]  # the source's: zone I sells it

    # Zone L sells no cloud_essd_entry: the copy's system disk gets the recommended category
    # until the user chooses another.
    check = await check_target_zone(gateway, ENTRY_INSTANCE, NO_ENTRY_ZONE)
    assert check.prompts[0].values[0] == "category:cloud_essd"
    assert data_disk_asks(sandbox)[-1] == "cloud_essd"
    chosen = {"disk_category_xvda": "category:cloud_auto"}
    await check_target_zone(gateway, ENTRY_INSTANCE, NO_ENTRY_ZONE, decisions=chosen)
    assert data_disk_asks(sandbox)[-1] == "cloud_auto"
