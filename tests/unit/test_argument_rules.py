"""The rules a tool argument must meet before anything is sent to ECS (domain/arguments.py)."""

from __future__ import annotations

import re

import pytest

from ecs_dr.domain import arguments as rules
from ecs_dr.domain import names
from ecs_dr.domain.refusal import Refusal


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("instance", "i-bp1proddb0000000001"),
        ("disk", "d-bp1proddbdata0000001"),
        ("snapshot", "s-bp1abc"),
        ("snapshot group", "ssg-bp1abc"),
        ("image", "m-bp1abc"),
        ("VSwitch", "vsw-bp1prodh00000000001"),
        ("VPC", "vpc-bp1prod0000000000001"),
        ("security group", "sg-bp1prod000000000001"),
        ("operation", "op-0123456789abcdef"),
        ("plan", "plan-0123456789abcdef"),
    ],
)
def test_an_id_of_its_own_kind_is_accepted(kind: str, value: str) -> None:
    assert rules.check_id(kind, value) == value


@pytest.mark.parametrize(
    ("kind", "value", "named"),
    [
        ("instance", "d-bp1proddbdata0000001", "a disk id"),
        ("snapshot", "ssg-bp1abc", "a snapshot group id"),
        ("snapshot group", "s-bp1abc", "a snapshot id"),
        ("image", "s-bp1abc", "a snapshot id"),
        ("VSwitch", "vpc-bp1abc", "a VPC id"),
        ("VPC", "vsw-bp1abc", "a VSwitch id"),
        ("disk", "i-bp1abc", "an instance id"),
    ],
)
def test_an_id_of_another_kind_is_refused_naming_that_kind_and_the_expected_prefix(
    kind: str, value: str, named: str
) -> None:
    with pytest.raises(ValueError, match=r"is .* id") as refused:
        rules.check_id(kind, value)
    assert named in str(refused.value)
    assert f"{rules.ID_PREFIXES[kind]} followed by" in str(refused.value)


@pytest.mark.parametrize(
    "value", ["", "i-", "I-BP1ABC", "i-bp1 abc", "i-\x00", "i-\u202eabc", "bp1abc", "i-" + "a" * 63]
)
def test_a_malformed_instance_id_is_refused_with_the_shape_of_one(value: str) -> None:
    with pytest.raises(ValueError, match="is not an instance id; an instance id is i- followed"):
        rules.check_id("instance", value)


def test_a_huge_value_is_quoted_shortened_with_its_length() -> None:
    with pytest.raises(ValueError) as refused:
        rules.check_id("instance", "x" * 100_000)
    message = str(refused.value)
    assert "(100000 characters)" in message
    assert len(message) < 300


def test_control_characters_and_bidi_marks_are_quoted_escaped() -> None:
    assert rules.shown("a\x00\u202eb") == "'a\\x00\\u202eb'"


@pytest.mark.parametrize("value", ["cn-hangzhou", "ap-southeast-1", "cn-hangzhou-i", "us-west-1a"])
def test_region_and_zone_ids_of_alibaba_cloud_shape_are_accepted(value: str) -> None:
    assert rules.check_region(value) == value
    assert rules.check_zone(value) == value


@pytest.mark.parametrize("value", ["", "x", "CN-HANGZHOU", "cn hangzhou", "-cn-hangzhou", "cn_h"])
def test_a_malformed_zone_is_refused_with_an_example(value: str) -> None:
    with pytest.raises(ValueError, match="like cn-hangzhou-i"):
        rules.check_zone(value)
    with pytest.raises(ValueError, match="Omit region_id"):
        rules.check_region(value)


@pytest.mark.parametrize("value", ["ecs.g7.large", "ecs.u1-c1m2.large", "ecs.ebmg7.32xlarge"])
def test_instance_types_of_ecs_shape_are_accepted(value: str) -> None:
    assert rules.check_instance_type(value) == value


@pytest.mark.parametrize("value", ["g7.large", "ecs.g7", "ECS.G7.LARGE", "ecs..large", ""])
def test_a_malformed_instance_type_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"like ecs\.g7\.large"):
        rules.check_instance_type(value)


def test_a_cidr_block_with_host_bits_or_without_a_prefix_length_is_refused() -> None:
    assert rules.check_cidr("172.16.9.0/24") == "172.16.9.0/24"
    for value in ("172.16.9.1/24", "172.16.9.0", "300.1.1.1/24", "1" * 100):
        with pytest.raises(ValueError, match=r"is not an IPv4 block like 172\.16\.9\.0/24"):
            rules.check_cidr(value)


@pytest.mark.parametrize("kind", ["instance", "disk", "snapshot", "snapshot group", "image"])
def test_a_name_ecs_would_refuse_after_confirmation_is_refused_up_front(kind: str) -> None:
    assert rules.check_name(kind, "recovery-db.01:a_b") == "recovery-db.01:a_b"
    for value in ("x", "1abc", "http://db", "ab cd", "ab|cd", "a\u202eb"):
        with pytest.raises(ValueError, match=f"{kind} name"):
            rules.check_name(kind, value)


@pytest.mark.parametrize("kind", ["snapshot", "snapshot group"])
def test_a_snapshot_name_may_not_start_as_an_automatic_snapshot_does(kind: str) -> None:
    with pytest.raises(ValueError, match="automatic snapshots"):
        rules.check_name(kind, "auto-backup")


def test_a_vswitch_name_is_free_text_but_no_url_and_not_empty() -> None:
    assert rules.check_name("VSwitch", "DR switch | zone j") == "DR switch | zone j"
    for value in ("", "https://x"):
        with pytest.raises(ValueError, match="VSwitch name"):
            rules.check_name("VSwitch", value)


def test_a_name_too_long_is_refused_before_any_other_rule_and_quoted_shortened() -> None:
    with pytest.raises(ValueError, match="too long for an image name: at most 128") as refused:
        rules.check_name("image", "a" * 100_000)
    assert len(str(refused.value)) < 200


def test_answers_are_bounded_in_number_and_length() -> None:
    rules.check_answers({"confirm_CreateSnapshot_1a2b3c4d": "proceed"})
    with pytest.raises(ValueError, match="at most 500"):
        rules.check_answers({f"d{n}": "proceed" for n in range(501)})
    with pytest.raises(ValueError, match=r"\(100000 characters\) is not a decision id"):
        rules.check_answers({"a" * 100_000: "proceed"})
    with pytest.raises(ValueError, match="is not one of its option values"):
        rules.check_answers({"confirm": 1})


def test_the_largest_disk_is_the_largest_any_performance_level_allows() -> None:
    assert rules.MAX_DISK_GIB == 65536
    assert rules.MAX_IMAGE_SNAPSHOTS == 17


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("172.16.9.0/24", True),
        ("10.0.0.0/8", True),
        ("10.0.0.0/255.0.0.0", False),
        ("010.0.0.0/8", False),
        ("10.0.0.0/33", False),
        ("300.1.1.1/24", False),
    ],
)
def test_a_cidr_block_is_a_b_c_d_slash_n_and_its_schema_pattern_says_the_same(
    value: str, accepted: bool
) -> None:
    assert bool(re.fullmatch(rules.CIDR_PATTERN.strip("^$"), value)) is accepted
    if accepted:
        assert rules.check_cidr(value) == value
    else:
        with pytest.raises(Refusal):
            rules.check_cidr(value)


NAME_KINDS = ["instance", "disk", "snapshot", "snapshot group", "image", "VSwitch"]
NAME_SAMPLES = [
    "recovery-db.01:a_b",
    "数据库-主",
    "x",
    "1abc",
    "http://db",
    "https://x",
    "ab cd",
    "ab|cd",
    "a\u202eb",
    "auto-backup",
    "autumn",
    "ab\n",
    "",
    "a" * 128,
    "a" * 129,
]


@pytest.mark.parametrize("kind", NAME_KINDS)
def test_a_name_is_refused_exactly_when_its_schema_pattern_does_not_match_it(kind: str) -> None:
    """One definition serves both: a schema-checking client refuses what the server refuses."""
    pattern = names.name_pattern(kind)
    for value in NAME_SAMPLES:
        try:
            rules.check_name(kind, value)
            accepted = True
        except Refusal:
            accepted = False
        assert bool(re.fullmatch(pattern, value)) is accepted, (kind, value)


def test_a_name_pattern_is_one_a_json_schema_validator_reads_as_python_does() -> None:
    """ECMA-262 and Python agree on the syntax used: anchors, classes, \\u escapes and `(?!`;
    nothing Python-only (no `\\Z`, `(?P<`, inline flags)."""
    for kind in NAME_KINDS:
        pattern = names.name_pattern(kind)
        assert pattern.startswith("^") and pattern.endswith("$"), kind
        assert not re.search(r"\\[AZ]|\(\?P|\(\?[aiLmsux]", pattern), kind
