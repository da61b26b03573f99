"""Fleet rules: which sources a plan takes, and how decisions are asked and answered."""

from __future__ import annotations

import pytest

from ecs_dr.domain.decisions import ChoiceOption, ChoicePrompt, make_prompt
from ecs_dr.domain.fleet_recovery import (
    MAX_FLEET_SOURCES,
    SOURCE_CHANGED,
    FleetMemberRow,
    fleet_markdown,
    fleet_prompts,
    fleet_sources,
    incomplete_message,
    member_answers,
)


def prompt(decision_id: str, question: str) -> ChoicePrompt:
    return make_prompt(
        decision_id,
        question,
        [
            ChoiceOption(value="create_vswitch", label="Create", recommended=True),
            ChoiceOption(value="cancel", label="Cancel"),
        ],
        header="VSwitch",
    )


def test_a_fleet_keeps_its_sources_in_the_order_given() -> None:
    assert fleet_sources(["i-b", " i-a "]) == ["i-b", "i-a"]


@pytest.mark.parametrize(
    ("ids", "named"),
    [
        ([], "give one instance id"),
        (["i-a", ""], "empty id"),
        (["i-a", "i-b", "i-a"], "i-a more than once"),
        ([f"i-{n}" for n in range(MAX_FLEET_SOURCES + 1)], f"at most {MAX_FLEET_SOURCES}"),
    ],
)
def test_a_fleet_refuses_an_empty_repeated_or_oversized_list(ids: list[str], named: str) -> None:
    with pytest.raises(ValueError, match=named):
        fleet_sources(ids)


def test_a_prompt_several_sources_ask_identically_is_asked_once_unscoped() -> None:
    same = prompt("vswitch_z", "vpc-1 has no VSwitch in z")
    asked = fleet_prompts({"i-a": [same], "i-b": [same]})
    assert [p.decision_id for p in asked] == ["vswitch_z"]


def test_a_prompt_only_one_source_asks_is_scoped_to_it_and_names_it() -> None:
    asked = fleet_prompts({"i-a": [prompt("snapshot_strategy", "i-a has a non-ESSD disk")]})
    assert [p.decision_id for p in asked] == ["i-a:snapshot_strategy"]
    assert asked[0].question.startswith("[i-a] ")


def test_a_prompt_sources_ask_differently_is_scoped_to_each_source() -> None:
    asked = fleet_prompts(
        {
            "i-a": [prompt("vswitch_z", "vpc-1 has no VSwitch in z")],
            "i-b": [prompt("vswitch_z", "vpc-2 has no VSwitch in z")],
        }
    )
    assert [p.decision_id for p in asked] == ["i-a:vswitch_z", "i-b:vswitch_z"]


def test_a_sources_own_answer_overrides_the_fleet_wide_one() -> None:
    answers = {"vswitch_z": "create_vswitch", "i-a:vswitch_z": "cancel", "i-b:other": "x"}
    assert member_answers(answers, "i-a") == {"vswitch_z": "cancel"}
    assert member_answers(answers, "i-b") == {"vswitch_z": "create_vswitch", "other": "x"}
    assert member_answers(answers, "i-c") == {"vswitch_z": "create_vswitch"}


def test_an_incomplete_fleet_names_each_failed_source_and_what_the_others_got() -> None:
    rows = [
        FleetMemberRow(source_instance_id="i-a", status="completed", dr_instance_id="i-dr"),
        FleetMemberRow(source_instance_id="i-b", status="failed", error="NoStock"),
    ]
    message = incomplete_message(rows)
    assert "1 of 2 sources were not recovered (i-b: NoStock)" in message
    assert "i-a -> i-dr" in message
    assert "resume_recovery" in message


def test_the_fleet_table_escapes_cloud_text() -> None:
    rows = [FleetMemberRow(source_instance_id="i-a", status="failed", error="a | b\nc")]
    table = fleet_markdown(rows)
    assert table.splitlines()[2] == "| i-a | failed |  |  |  | a \\| b c |"


def test_a_fleet_source_that_changed_since_planning_is_planned_again_not_resumed() -> None:
    rows = [
        FleetMemberRow(source_instance_id="i-a", status=SOURCE_CHANGED, error="disk resized"),
        FleetMemberRow(source_instance_id="i-b", status="completed", dr_instance_id="i-dr"),
    ]
    message = incomplete_message(rows)
    assert "i-a changed since planning" in message
    assert "plan again (plan_recovery)" in message and "cleanup_recovery" in message
    assert "Fix the cause, then resume_recovery continues" not in message
