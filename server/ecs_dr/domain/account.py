"""The account and credential the server acts with, as `describe_account` and every
confirmation of a change name them: a user of several accounts sees where a change will land
before it is made. Never a credential's value: only the kind the chain resolved and the
profile it came from."""

from __future__ import annotations

from pydantic import Field

from ecs_dr.domain.models import Frozen

# The links of the credential chain's provider path (alibabacloud-credentials' provider names,
# e.g. `default/cli_profile/ram_role_arn/static_ak`) that say where a credential was found
# (the chain itself, the environment, the aliyun CLI's config.json, the credentials file), not
# what it is.
CREDENTIAL_SOURCES = frozenset({"default", "env", "cli_profile", "profile"})
# The links that say what the credential is, as describe_account names its kind.
CREDENTIAL_KINDS = {
    "static_ak": "access_key",
    "static_sts": "sts",
    "ram_role_arn": "ram_role_arn",
    "ecs_ram_role": "ecs_ram_role",
    "oidc_role_arn": "oidc_role_arn",
    "credential_uri": "credentials_uri",
    "rsa_key_pair": "rsa_key_pair",
    "cloud_sso": "cloud_sso",
    "oauth": "oauth",
    "external": "external",
}
# How a confirmation names an account STS did not name.
UNKNOWN_ACCOUNT = "unknown"


class CallerIdentity(Frozen):
    """Who the credential signs as, as STS GetCallerIdentity answers."""

    account_id: str
    arn: str = Field(default="", description="e.g. acs:ram::<account>:user/<name>")


class Credential(Frozen):
    """Which credential the chain resolved, never its value: its kind, and the profile of
    ~/.aliyun/config.json it came from."""

    kind: str = Field(description="access_key, sts, ram_role_arn, ecs_ram_role, ...")
    profile: str | None = None


class Account(Frozen):
    """The account the server acts in, or why it is unknown."""

    identity: CallerIdentity | None = None
    credential: Credential | None = None
    unknown_because: str | None = None

    @property
    def account_id(self) -> str | None:
        return self.identity.account_id if self.identity else None


def credential_kind(provider_name: str, temporary: bool) -> str:
    """The kind of credential that signs, named from the chain's provider path: its first link
    that names a kind (a RAM role assumed with a profile's key is `ram_role_arn`); a key read as
    it is from a source (the environment) is `access_key`, or `sts` when it carries a token. A
    link the chain may add later is named as the chain names it."""
    for link in provider_name.split("/"):
        if link in CREDENTIAL_KINDS:
            return CREDENTIAL_KINDS[link]
        if link and link not in CREDENTIAL_SOURCES:
            return link
    return "sts" if temporary else "access_key"


def credential_of(provider_name: str, temporary: bool, profile: str | None) -> Credential:
    """The credential the chain resolved; `profile` (the selected ~/.aliyun/config.json profile)
    is named only when the chain read the credential from that file."""
    from_cli = "cli_profile" in provider_name.split("/")
    return Credential(
        kind=credential_kind(provider_name, temporary), profile=profile if from_cli else None
    )


def account_scope(account_id: str | None, region_id: str) -> str:
    """Where a change acts, as its confirmation says it: `account <id> (<region>)`."""
    return f"account {account_id or UNKNOWN_ACCOUNT} ({region_id})"
