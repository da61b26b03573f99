"""The rules of finding instances by name: rows, the cap, the one instance a name names, and
what an instance argument accepts, each tested by name."""

from __future__ import annotations

import pytest

from ecs_dr.domain.decisions import InvalidDecision
from ecs_dr.domain.instances import (
    MAX_ROWS,
    InstanceNameChoice,
    check_instance_ref,
    check_name_pattern,
    found_instances,
    named_instance,
)
from ecs_dr.domain.refusal import Refusal
from tests.support.factories import REGION, instance

REGIONS = [REGION]


def test_a_row_shows_id_name_zone_type_status_disk_count_and_public_ip() -> None:
    found = found_instances(REGIONS, [instance(public_ips=["47.1.2.3"])])
    [row] = found.instances
    assert (row.instance_id, row.name, row.zone_id, row.instance_type, row.status) == (
        "i-source",
        "prod-db-01",
        "cn-hangzhou-h",
        "ecs.g7.large",
        "Running",
    )
    assert (row.disk_count, row.public_ip) == (3, "47.1.2.3")
    assert found.table.splitlines()[2].startswith("| i-source | prod-db-01 |")


def test_instances_are_listed_by_name_then_id() -> None:
    found = found_instances(
        REGIONS,
        [
            instance(instance_id="i-b", name="web"),
            instance(instance_id="i-c", name="app"),
            instance(instance_id="i-a", name="web"),
        ],
    )
    assert [r.instance_id for r in found.instances] == ["i-c", "i-a", "i-b"]


def test_the_list_is_capped_and_counts_what_was_left_out() -> None:
    many = [instance(instance_id=f"i-{n:03d}", name=f"app-{n:03d}") for n in range(MAX_ROWS + 7)]
    found = found_instances(REGIONS, many)
    assert len(found.instances) == MAX_ROWS
    assert found.left_out == 7
    assert len(found.table.splitlines()) == MAX_ROWS + 2


def test_a_cloud_name_cannot_break_the_table() -> None:
    found = found_instances(REGIONS, [instance(name="x | y\n| i-evil |")])
    assert len(found.table.splitlines()) == 3


def test_a_name_held_by_one_instance_names_it() -> None:
    assert named_instance("instance_id", "prod-db-01", REGIONS, [instance()]) == "i-source"


def test_a_name_held_by_no_instance_is_refused_with_the_way_to_find_it() -> None:
    with pytest.raises(Refusal, match=r'find_instances\(name="\*pay-db\*"\)'):
        named_instance("instance_id", "pay-db", REGIONS, [])


def test_a_name_held_by_several_instances_is_refused_listing_them() -> None:
    twins = [instance(instance_id="i-one"), instance(instance_id="i-two")]
    with pytest.raises(Refusal, match=r"2 instances have this name: i-one .*; i-two") as refused:
        named_instance("instance_id", "prod-db-01", REGIONS, twins)
    assert "instance_id" in str(refused.value)


def test_a_name_two_to_four_instances_have_is_a_choice_among_them() -> None:
    twins = [
        instance(instance_id="i-two", status="Stopped"),
        instance(instance_id="i-one", zone_id="cn-hangzhou-j"),
    ]
    with pytest.raises(InstanceNameChoice) as asked:
        named_instance("source_instance_id", "prod-db-01", REGIONS, twins)
    [prompt] = asked.value.prompts
    assert prompt.decision_id == "source_instance_id=prod-db-01"
    assert prompt.values == ["i-one", "i-two"]  # a Running one first, recommended
    assert prompt.options[0].recommended
    assert prompt.options[0].description.startswith("cn-hangzhou-j, Running")
    assert prompt.options[1].description.startswith("cn-hangzhou-h, Stopped")


def test_the_users_choice_among_instances_sharing_a_name_names_it() -> None:
    twins = [instance(instance_id="i-one"), instance(instance_id="i-two")]
    answers = {"instance_id=prod-db-01": "i-two"}
    assert named_instance("instance_id", "prod-db-01", REGIONS, twins, answers) == "i-two"
    with pytest.raises(InvalidDecision):
        named_instance("instance_id", "prod-db-01", REGIONS, twins, {"instance_id=prod-db-01": "x"})


def test_a_name_more_than_four_instances_have_is_refused_pointing_at_find_instances() -> None:
    many = [instance(instance_id=f"i-{n}") for n in range(5)]
    with pytest.raises(Refusal, match="5 instances have this name") as refused:
        named_instance("instance_id", "prod-db-01", REGIONS, many)
    assert not isinstance(refused.value, InstanceNameChoice)
    assert 'find_instances(name="prod-db-01"' in str(refused.value)


def test_an_instance_argument_takes_an_id_or_a_name_ecs_accepts() -> None:
    assert check_instance_ref("i-bp1abc") == "i-bp1abc"
    assert check_instance_ref("pay-db-primary") == "pay-db-primary"


@pytest.mark.parametrize("value", ["d-bp1abc", "pay db primary", "x", "i-BP1"])
def test_an_instance_argument_that_is_neither_is_refused_pointing_at_find_instances(
    value: str,
) -> None:
    with pytest.raises(Refusal, match=r"find_instances\(name=\.\.\.\)"):
        check_instance_ref(value)


@pytest.mark.parametrize("value", ["", "a" * 129])
def test_a_name_pattern_is_one_to_128_characters(value: str) -> None:
    with pytest.raises(Refusal, match="1-128 characters"):
        check_name_pattern(value)
