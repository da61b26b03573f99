"""Issue 17's decisions through a real MCP client: prompts shaped as an agent's clickable
questions (a header chip, several disks in one answer, in a form or in `decisions`), an answer
under an id no question asks refused by name, a replacement type offered closest first with
the sizes side by side, and a difference the user chose counted done by verify_dr_instance."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import mcp_types as types

from ecs_dr.sandbox.control import SandboxControl
from tests.support.decisions import decide, first_option
from tests.support.demo_world import (
    DB_DATA,
    DB_INSTANCE,
    DB_LOG,
    TARGET_INSTANCE,
    TARGET_ZONE,
    WEB_INSTANCE,
)
from tests.support.mcp import Elicitations, mcp_session
from tests.support.recoveries import snapshot_and_image

NO_G7_STOCK = "cn-hangzhou-k"
DISKS_PLAN = {
    "scenario": "disks",
    "source_instance_id": DB_INSTANCE,
    "target_instance_id": TARGET_INSTANCE,
}


def _created_nothing(sandbox: SandboxControl) -> bool:
    return not any(a.startswith(("Create", "Attach", "Run")) for a in sandbox.actions())


def _planned_disks(planned: dict[str, Any]) -> list[str]:
    return [s["parameters"]["SnapshotId"] for s in planned["steps"] if s["action"] == "CreateDisk"]


async def test_which_disks_is_one_multi_select_question_answered_with_some_of_them(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        first = await served.call("plan_recovery", DISKS_PLAN)
        (prompt,) = first["decisions"]
        assert prompt["header"] == "Disks"
        assert prompt["multi_select"] is True
        assert [o["value"] for o in prompt["options"]] == [f"disk:{DB_DATA}", f"disk:{DB_LOG}"]

        only_log = {prompt["decision_id"]: f"disk:{DB_LOG}"}
        planned = await served.call("plan_recovery", {**DISKS_PLAN, "decisions": only_log})
        assert planned["status"] == "completed", planned
        assert _planned_disks(planned) == [f"(snapshot of {DB_LOG})"]

        stranger = {prompt["decision_id"]: f"disk:{DB_LOG},disk:d-nothere"}
        text = await served.fail("plan_recovery", {**DISKS_PLAN, "decisions": stranger})
        assert "'disk:d-nothere' is not one of the options" in text
        assert _created_nothing(served.sandbox)


async def test_a_form_asks_which_disks_as_an_array_and_takes_the_users_pick(
    tmp_path: Path,
) -> None:
    def pick_the_log_disk(params: types.ElicitRequestParams) -> types.ElicitResult:
        assert isinstance(params, types.ElicitRequestFormParams)
        ((decision_id, field),) = params.requested_schema["properties"].items()
        assert field["type"] == "array"
        assert field["default"] == [f"disk:{DB_DATA}", f"disk:{DB_LOG}"]
        return types.ElicitResult(action="accept", content={decision_id: [f"disk:{DB_LOG}"]})

    forms = Elicitations(pick_the_log_disk)
    async with mcp_session(tmp_path, elicitation=forms) as served:
        planned = await served.call("plan_recovery", DISKS_PLAN)
        assert planned["status"] == "completed", planned
        assert _planned_disks(planned) == [f"(snapshot of {DB_LOG})"]
        assert len(forms.seen) == 1


async def test_an_answer_under_an_id_no_question_asks_is_refused_by_name(tmp_path: Path) -> None:
    async with mcp_session(tmp_path) as served:
        first = await served.call("plan_recovery", DISKS_PLAN)
        (prompt,) = first["decisions"]
        misspelt = {"disks": f"disk:{DB_LOG}"}
        text = await served.fail("plan_recovery", {**DISKS_PLAN, "decisions": misspelt})
        assert "'disks'" in text
        assert repr(prompt["decision_id"]) in text
        assert "Nothing was changed" in text

        both = {prompt["decision_id"]: f"disk:{DB_LOG}", "vswitch_cn-hangzhou-i": "cancel"}
        text = await served.fail("plan_recovery", {**DISKS_PLAN, "decisions": both})
        assert "'vswitch_cn-hangzhou-i'" in text
        assert _created_nothing(served.sandbox)


async def test_a_fleet_refuses_an_answer_no_sources_plan_reads_by_name(tmp_path: Path) -> None:
    fleet = {
        "scenario": "full_instance",
        "source_instance_id": [DB_INSTANCE, WEB_INSTANCE],
        "target_zone_id": TARGET_ZONE,
    }
    async with mcp_session(tmp_path) as served:
        planned, _ = await decide(served, "plan_recovery", fleet, first_option)
        misspelt = {f"{DB_INSTANCE}:vswitch_nowhere": "cancel"}
        text = await served.fail("plan_recovery", {**fleet, "decisions": misspelt})
        assert _created_nothing(served.sandbox)
    assert planned["status"] == "completed", planned
    assert f"'{DB_INSTANCE}:vswitch_nowhere'" in text and "Nothing was changed" in text


async def test_a_chosen_replacement_type_is_closest_first_and_verified_as_chosen(
    tmp_path: Path,
) -> None:
    async with mcp_session(tmp_path) as served:
        image_id = await snapshot_and_image(served, DB_INSTANCE)
        arguments = {
            "instance_id": DB_INSTANCE,
            "image_id": image_id,
            "target_zone_id": NO_G7_STOCK,
        }
        first = await served.call("run_dr_instance", arguments)
        (prompt,) = first["decisions"]
        assert prompt["header"] == "No stock"
        assert [o["value"] for o in prompt["options"]] == [
            "type:ecs.g6.large",
            "zone:cn-hangzhou-i",
            "type:ecs.r7.large",
            "cancel",
        ]
        bigger = prompt["options"][2]["description"]
        assert "2 vCPU, 16 GiB" in bigger and "ecs.g7.large has 2 vCPU, 8 GiB" in bigger

        def bigger_type(asked: Mapping[str, Any]) -> str:
            if asked["decision_id"] == prompt["decision_id"]:
                return "type:ecs.r7.large"
            return first_option(asked)

        dr, _ = await decide(served, "run_dr_instance", arguments, bigger_type)
        assert dr["status"] == "completed", dr
        verified = await served.call(
            "verify_dr_instance",
            {"source_instance_id": DB_INSTANCE, "dr_instance_id": dr["dr_instance_id"]},
        )
        row = next(r for r in verified["comparison"] if r["item"] == "Instance type")
        assert (row["dr"], row["chosen"], row["match"]) == ("ecs.r7.large", True, True)
        assert verified["all_match"] is True
