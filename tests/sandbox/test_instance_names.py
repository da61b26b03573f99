"""DescribeInstances' InstanceName filter as ECS documents it: an exact match, where `*`
(fuzzy search) matches any run of characters and nothing else is a wildcard."""

from __future__ import annotations

import pytest

from ecs_dr.sandbox.models.instances import name_matches


@pytest.mark.parametrize(
    ("name", "pattern", "matches"),
    [
        ("prod-db-01", "prod-db-01", True),
        ("prod-db-01", "prod-db", False),
        ("prod-db-01", "*db*", True),
        ("prod-db-01", "prod-*-01", True),
        ("prod-db-01", "PROD-*", False),
        ("prod-db-01", "prod-db-0?", False),
        ("prod-db-0?", "prod-db-0?", True),
        ("a[1]", "a[1]", True),
    ],
)
def test_the_sandbox_matches_instance_names_as_ecs_does_with_only_star_as_wildcard(
    name: str, pattern: str, matches: bool
) -> None:
    assert name_matches(name, pattern) is matches
