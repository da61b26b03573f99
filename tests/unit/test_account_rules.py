"""The account rules: which credential the chain resolved, named by kind (never by value), and
a confirmation naming the account and region a change acts in."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from ecs_dr.domain.account import credential_kind, credential_of
from ecs_dr.domain.decisions import confirm_prompt, naming_account
from ecs_dr.tools.decisions import confirmation_id


@pytest.mark.parametrize(
    ("provider_name", "temporary", "kind"),
    [
        ("env", False, "access_key"),
        ("default/env", True, "sts"),
        ("static_ak", False, "access_key"),
        ("static_sts", True, "sts"),
        ("default/cli_profile/static_ak", False, "access_key"),
        ("default/cli_profile/static_sts", True, "sts"),
        ("profile/static_ak", False, "access_key"),
    ],
)
def test_a_key_read_as_it_is_is_an_access_key_or_sts_with_a_token(
    provider_name: str, temporary: bool, kind: str
) -> None:
    assert credential_kind(provider_name, temporary) == kind


@pytest.mark.parametrize(
    ("provider_name", "kind"),
    [
        ("default/cli_profile/ram_role_arn/static_ak", "ram_role_arn"),
        ("ram_role_arn/static_sts", "ram_role_arn"),
        ("default/ecs_ram_role", "ecs_ram_role"),
        ("default/oidc_role_arn", "oidc_role_arn"),
        ("default/credential_uri", "credentials_uri"),
        ("default/cli_profile/cloud_sso", "cloud_sso"),
    ],
)
def test_a_credential_the_chain_obtains_is_named_by_how_it_is_obtained(
    provider_name: str, kind: str
) -> None:
    # The role signs (its STS token), whatever key assumed it.
    assert credential_kind(provider_name, temporary=True) == kind


def test_a_provider_the_chain_adds_later_is_named_as_the_chain_names_it() -> None:
    assert credential_kind("default/cli_profile/chainable_ram_role", True) == "chainable_ram_role"


def test_the_profile_is_named_only_when_the_credential_came_from_the_aliyun_cli_config() -> None:
    from_cli = credential_of("default/cli_profile/ram_role_arn/static_ak", True, "prod")
    from_env = credential_of("default/env", False, "prod")
    assert (from_cli.kind, from_cli.profile) == ("ram_role_arn", "prod")
    assert (from_env.kind, from_env.profile) == ("access_key", None)


def test_a_confirmation_opens_with_the_account_and_region_and_keeps_its_decision_id() -> None:
    prompt = confirm_prompt("CreateSnapshot", {"DiskId": "d-1"})
    named = naming_account(prompt, "1234567890123456", "cn-hangzhou")
    assert named.question == f"In account 1234567890123456 (cn-hangzhou): {prompt.question}"
    assert named.decision_id == prompt.decision_id
    assert named.context["account_id"] == "1234567890123456"
    assert named.context["region_id"] == "cn-hangzhou"
    assert named.context["parameters"] == {"DiskId": "d-1"}


def test_an_account_sts_did_not_name_is_named_unknown() -> None:
    prompt = confirm_prompt("CreateSnapshot", {"DiskId": "d-1"})
    named = naming_account(prompt, None, "cn-shanghai")
    assert named.question.startswith("In account unknown (cn-shanghai): ")


def test_a_confirmation_id_shown_for_one_account_does_not_confirm_in_another() -> None:
    ctx = cast(Any, SimpleNamespace(headers={}))
    prompt = confirm_prompt("CreateSnapshot", {"DiskId": "d-1"})
    ids = {
        confirmation_id(ctx, naming_account(prompt, account, "cn-hangzhou"))
        for account in ("1111111111111111", "2222222222222222", None)
    }
    assert len(ids) == 3
