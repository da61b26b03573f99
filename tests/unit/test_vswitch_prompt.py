"""The VSwitch choice says whether the VSwitch it creates goes again: a drill's cleanup deletes
it, a recovery's DR instance keeps it."""

from __future__ import annotations

from ecs_dr.domain.prompts import CREATE_VSWITCH, vswitch_missing_prompt


def create_description(*, drill: bool) -> str:
    prompt = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", ["z-1"], drill=drill)
    (create,) = [o for o in prompt.options if o.value == CREATE_VSWITCH]
    return create.description


def test_a_drills_new_vswitch_is_said_to_go_with_the_drills_cleanup() -> None:
    description = create_description(drill=True)
    assert "Cleaning up the operation (a drill) deletes it too" in description
    assert "once no instance is in it" in description


def test_a_recoverys_new_vswitch_is_said_to_stay_with_its_dr_instance() -> None:
    description = create_description(drill=False)
    assert "stays with the DR instance" in description
    assert "deletes it" not in description


def test_the_vswitch_choice_is_the_same_question_for_a_drill_and_a_recovery() -> None:
    drill = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", ["z-1"], drill=True)
    recovery = vswitch_missing_prompt("cn-hangzhou-k", "vpc-prod", ["z-1"])
    assert (drill.decision_id, drill.values) == (recovery.decision_id, recovery.values)
