"""Each choice prompt is one clickable question an agent shows (AskUserQuestion): a short
header chip, 2-4 options, the recommended first, several answers where several make sense; and
its form in the shape the negotiated protocol version defines; an answer under an id no
question asks is refused by name."""

from __future__ import annotations

import pytest
from mcp.server.elicitation import render_elicitation_schema

from ecs_dr.domain import disk_selection
from ecs_dr.domain.decisions import (
    MAX_HEADER_LENGTH,
    ChoiceOption,
    ChoicePrompt,
    chosen,
    confirm_prompt,
    make_prompt,
    recommended_answer,
)
from ecs_dr.domain.prompts import (
    disk_category_prompt,
    instance_not_ready_prompt,
    no_stock_prompt,
    non_essd_group_prompt,
    vswitch_missing_prompt,
)
from ecs_dr.tools.decision_forms import answer_form
from ecs_dr.tools.decisions import Settled, UnaskedDecision, open_prompts
from tests.support.factories import data_disk, instance, spec, system_disk


def _options(*values: str, recommended: tuple[str, ...]) -> list[ChoiceOption]:
    return [ChoiceOption(value=v, label=v.title(), recommended=v in recommended) for v in values]


@pytest.mark.parametrize("header", ["", "Thirteen char"])
def test_a_header_has_one_to_twelve_characters(header: str) -> None:
    with pytest.raises(ValueError, match="header"):
        make_prompt("d", "?", _options("a", "b", recommended=("a",)), header=header)


def test_a_twelve_character_header_is_kept() -> None:
    prompt = make_prompt("d", "?", _options("a", "b", recommended=("a",)), header="Target state")
    assert prompt.header == "Target state"


@pytest.mark.parametrize("count", [1, 5])
def test_a_multi_select_prompt_has_two_to_four_options_too(count: int) -> None:
    values = [f"v{n}" for n in range(count)]
    with pytest.raises(ValueError, match="2-4 options"):
        make_prompt("d", "?", _options(*values, recommended=("v0",)), header="H", multi_select=True)


def test_only_a_multi_select_prompt_may_recommend_several_options_shown_first() -> None:
    options = _options("a", "b", "c", recommended=("b", "c"))
    with pytest.raises(ValueError, match="exactly one option is recommended"):
        make_prompt("d", "?", options, header="H")
    prompt = make_prompt("d", "?", options, header="H", multi_select=True)
    assert prompt.values == ["b", "c", "a"]
    assert recommended_answer(prompt) == "b,c"


def test_a_multi_select_answer_is_its_members_in_the_options_order() -> None:
    prompt = make_prompt(
        "d", "?", _options("a", "b", "c", recommended=("a",)), header="H", multi_select=True
    )
    assert chosen(prompt, {"d": "c, a,c"}) == "a,c"


def test_every_runbook_question_has_a_header_chip() -> None:
    source = instance([system_disk(), data_disk("/dev/xvdb", category="cloud_efficiency")])
    prompts: list[ChoicePrompt] = [
        vswitch_missing_prompt("z", "vpc-1", []),
        no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", [], ["z-1"]),
        disk_category_prompt(source.disks[1], "z", ["cloud_essd"]),
        non_essd_group_prompt(source),
        instance_not_ready_prompt(source, ["Running", "Stopped"], 5),
        disk_selection.disk_selection_prompt(instance()),
        confirm_prompt("RunInstances", {"A": 1}),
    ]
    assert all(0 < len(p.header) <= MAX_HEADER_LENGTH for p in prompts)


@pytest.mark.parametrize("version", ["2025-11-25", "2026-07-28", None])
def test_a_multi_select_form_from_2025_11_25_is_an_array_of_titled_options(
    version: str | None,
) -> None:
    prompt = disk_selection.disk_selection_prompt(instance())
    form = answer_form([prompt], version)
    field = render_elicitation_schema(form)["properties"][prompt.decision_id]
    assert field["type"] == "array"
    assert [o["const"] for o in field["items"]["anyOf"]] == prompt.values
    assert field["default"] == prompt.values
    assert field["minItems"] == 1
    answer = form.model_validate({prompt.decision_id: [prompt.values[1]]})
    assert answer.model_dump(by_alias=True) == {prompt.decision_id: [prompt.values[1]]}


def test_a_multi_select_form_before_2025_11_25_is_text_naming_the_values() -> None:
    prompt = disk_selection.disk_selection_prompt(instance())
    field = render_elicitation_schema(answer_form([prompt], "2025-06-18"))["properties"][
        prompt.decision_id
    ]
    assert field["type"] == "string"
    assert "enum" not in field and "items" not in field and "default" not in field
    assert all(value in field["description"] for value in prompt.values)
    assert "comma-separated" in field["description"]


def test_no_stock_offers_the_same_type_in_another_zone_before_a_bigger_type() -> None:
    similar = [spec("ecs.g6.large", 2, 8), spec("ecs.r7.large", 2, 16)]
    prompt = no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", similar, ["z-1", "z-2"])
    assert prompt.values == ["type:ecs.g6.large", "zone:z-1", "type:ecs.r7.large", "cancel"]
    bigger_only = no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", similar[1:], ["z-1"])
    assert bigger_only.values[0] == "zone:z-1"
    assert bigger_only.options[0].recommended


def test_each_no_stock_option_shows_its_size_beside_the_wanted_types() -> None:
    similar = [spec("ecs.r7.large", 2, 16)]
    prompt = no_stock_prompt(spec("ecs.g7.large", 2, 8), "z", similar, ["z-1"])
    by_value = {o.value: o.description for o in prompt.options}
    assert "2 vCPU, 16 GiB" in by_value["type:ecs.r7.large"]
    assert "ecs.g7.large has 2 vCPU, 8 GiB" in by_value["type:ecs.r7.large"]
    assert "ecs.g7.large (2 vCPU, 8 GiB)" in by_value["zone:z-1"]


def test_an_answer_no_workflow_read_is_refused_by_name_with_the_ids_asked() -> None:
    prompt = vswitch_missing_prompt("z", "vpc-1", [])
    settled = Settled(given={prompt.decision_id: "create_vswitch", "vswitch": "create_vswitch"})
    with pytest.raises(UnaskedDecision, match="'vswitch', which no question") as caught:
        open_prompts([prompt], settled.answers)
    assert caught.value.unasked == ["vswitch"]
    assert repr(prompt.decision_id) in str(caught.value)


def test_an_answer_read_or_copied_on_counts_as_asked() -> None:
    settled = Settled(given={"a": "1", "b": "2"})
    answers = settled.choices
    assert answers.get("a") == "1"
    copied = dict(settled.answers)
    assert copied == {"a": "1", "b": "2"}
    settled.refuse_unasked()


def test_a_confirmation_or_a_forms_answer_is_not_checked_as_a_choice() -> None:
    settled = Settled(given={"confirm_plan_x": "proceed"}, from_form={"asked": "yes"})
    assert open_prompts([], settled.answers) == []
    settled.refuse_unasked()
