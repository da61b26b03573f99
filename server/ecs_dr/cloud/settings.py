"""How the gateway reaches ECS and the VPC API: endpoints, protocol, default region, timeouts,
retry bounds, and the request rate and concurrency every call of the process shares.

Credentials are deliberately absent: they come only from alibabacloud_credentials' default
chain (or an injected credential client), never from settings or tool arguments.
"""

from __future__ import annotations

import ipaddress
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)

ENV_ENDPOINT = "ALIBABA_CLOUD_ECS_ENDPOINT"
ENV_VPC_ENDPOINT = "ALIBABA_CLOUD_VPC_ENDPOINT"
ENV_PROTOCOL = "ALIBABA_CLOUD_ECS_PROTOCOL"
ENV_REGION = "ALIBABA_CLOUD_REGION_ID"
ENV_PROFILE = "ALIBABA_CLOUD_PROFILE"
# Tuning knobs, named like the project's other ECS_DR_* variables.
ENV_TUNING = {
    "connect_timeout_s": "ECS_DR_CONNECT_TIMEOUT_S",
    "read_timeout_s": "ECS_DR_READ_TIMEOUT_S",
    "retry_attempts": "ECS_DR_RETRY_ATTEMPTS",
    "retry_timeout_s": "ECS_DR_RETRY_TIMEOUT_S",
    "busy_retry_timeout_s": "ECS_DR_BUSY_RETRY_TIMEOUT_S",
    "max_qps": "ECS_DR_MAX_QPS",
    "max_concurrent_calls": "ECS_DR_MAX_CONCURRENT_CALLS",
}
# Well under ECS's per-API limits, so that parallel steps (fleets, many disks) rarely meet
# throttling at all; the backoff absorbs what remains.
DEFAULT_LIMITS = {"max_qps": 10.0, "max_concurrent_calls": 8}


class CloudSettings(BaseModel):
    """Connection settings of the ECS gateway; `from_env()` reads them the documented way."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    endpoint: str | None = Field(
        default=None, description="host[:port] overriding ecs.<region>.aliyuncs.com"
    )
    vpc_endpoint: str | None = Field(
        default=None,
        description=(
            "host[:port] overriding vpc.<region>.aliyuncs.com; unset with a loopback ECS "
            "endpoint (a sandbox, which serves both APIs on one port), that endpoint"
        ),
    )
    protocol: Literal["https", "http"] = "https"
    region_id: str | None = Field(default=None, description="region used when a call names none")
    connect_timeout_s: float = Field(default=5.0, gt=0)
    read_timeout_s: float = Field(default=30.0, gt=0)
    retry_attempts: int = Field(default=6, ge=1, description="attempts per call, first included")
    retry_timeout_s: float = Field(default=60.0, gt=0, description="retry budget per call")
    retry_wait_initial_s: float = Field(default=0.2, ge=0)
    retry_wait_max_s: float = Field(default=10.0, ge=0)
    retry_wait_jitter_s: float = Field(default=1.0, ge=0)
    # ECS throttles per account and API: back off for longer than on a 5xx.
    throttle_wait_initial_s: float = Field(default=1.0, ge=0)
    throttle_wait_max_s: float = Field(default=30.0, ge=0)
    # "Busy, ask again" answers (cloud.errors.Busy: a ClientToken still being processed, a
    # resource still initializing or in another operation) clear within seconds to minutes on
    # ECS: Terraform's Alibaba provider retries them for minutes too. In cloud seconds: the
    # gateway's clock (a sandbox's runs faster than real time, or virtually in tests).
    busy_retry_timeout_s: float = Field(
        default=180.0, ge=0, description="how long a busy answer is asked again"
    )
    busy_wait_initial_s: float = Field(default=2.0, ge=0)
    busy_wait_max_s: float = Field(default=20.0, ge=0)
    page_size: int = Field(default=50, ge=1, le=100, description="PageSize / MaxResults")
    # None is no limit: settings built in code (the embedded sandbox, whose time runs faster
    # than ECS's, and tests); `from_env` applies DEFAULT_LIMITS.
    max_qps: float | None = Field(
        default=None, gt=0, allow_inf_nan=False, description="requests per second, all calls"
    )
    max_concurrent_calls: int | None = Field(
        default=None, ge=1, description="requests in flight at once, all calls"
    )

    @field_validator(*ENV_TUNING, mode="wrap")
    @classmethod
    def _name_the_variable(
        cls, value: object, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> object:
        """A bad tuning value is refused naming the variable that sets it."""
        try:
            return handler(value)
        except ValidationError as exc:
            name = ENV_TUNING[str(info.field_name)]
            raise ValueError(f"{name}={value!r} is refused: {exc.errors()[0]['msg']}") from None

    @model_validator(mode="after")
    def _check_endpoint(self) -> Self:
        for name, endpoint in (
            (ENV_ENDPOINT, self.endpoint),
            (ENV_VPC_ENDPOINT, self.vpc_endpoint),
        ):
            if endpoint is None:
                continue
            if "://" in endpoint or "/" in endpoint:
                raise ValueError(
                    f"{name} takes host[:port] only, got {endpoint!r}; "
                    f"choose the scheme with {ENV_PROTOCOL}"
                )
            if not urlsplit(f"//{endpoint}").hostname:
                raise ValueError(f"{name} has no host: {endpoint!r}")
        if self.protocol == "http":
            for what, endpoint in (("ECS", self.endpoint), ("VPC", self.vpc_api_endpoint)):
                if not is_loopback(endpoint):
                    raise ValueError(
                        f"{ENV_PROTOCOL}=http is allowed only for loopback endpoints (127.0.0.1, "
                        f"::1, localhost), not {endpoint or f'the public {what} endpoint'}: "
                        "requests would travel unencrypted; use https"
                    )
        return self

    @property
    def vpc_api_endpoint(self) -> str | None:
        """The VPC API's override: its own, else a loopback ECS endpoint's (a sandbox)."""
        if self.vpc_endpoint is not None:
            return self.vpc_endpoint
        return self.endpoint if is_loopback(self.endpoint) else None

    def endpoint_for(self, region_id: str, service: str = "ecs") -> str | None:
        """The override when set, else the service's regional endpoint (`ecs` or `vpc`). STS
        has no override but a sandbox's (a loopback ECS endpoint serves STS too): None leaves
        its endpoint to the STS SDK's rule (sts.<region>.aliyuncs.com, or sts.aliyuncs.com)."""
        if service == "sts":
            return self.endpoint if is_loopback(self.endpoint) else None
        override = self.endpoint if service == "ecs" else self.vpc_api_endpoint
        return override or f"{service}.{region_id}.aliyuncs.com"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CloudSettings:
        """Settings from the environment; the region falls back to the aliyun CLI profile."""
        env = os.environ if environ is None else environ
        values: dict[str, object] = {
            "endpoint": env.get(ENV_ENDPOINT) or None,
            "vpc_endpoint": env.get(ENV_VPC_ENDPOINT) or None,
            "protocol": (env.get(ENV_PROTOCOL) or "https").lower(),
            "region_id": env.get(ENV_REGION) or profile_region(env),
            **DEFAULT_LIMITS,
        }
        for field, name in ENV_TUNING.items():
            if env.get(name):
                values[field] = env[name]
        return cls.model_validate(values)


def profile_region(environ: Mapping[str, str]) -> str | None:
    """`region_id` of the selected profile in ~/.aliyun/config.json, as the aliyun CLI writes it.

    A missing or unreadable file means no region (the credential chain reports its own
    problems with it).
    """
    region = _selected_profile(environ).get("region_id")
    return str(region) if region else None


def profile_name(environ: Mapping[str, str]) -> str | None:
    """The name of the profile the credential chain reads from ~/.aliyun/config.json, when the
    file holds it: `ALIBABA_CLOUD_PROFILE`, else the file's `current`."""
    name = _selected_profile(environ).get("name")
    return str(name) if name else None


def _selected_profile(environ: Mapping[str, str]) -> dict[str, object]:
    """The selected profile of ~/.aliyun/config.json ({} when there is none): the one named by
    `ALIBABA_CLOUD_PROFILE`, else the file's `current`."""
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    try:
        config = json.loads((home / ".aliyun" / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(config, dict):
        return {}
    wanted = environ.get(ENV_PROFILE) or config.get("current")
    for profile in config.get("profiles") or []:
        if isinstance(profile, dict) and profile.get("name") == wanted:
            return profile
    return {}


def is_loopback(endpoint: str | None) -> bool:
    host = urlsplit(f"//{endpoint}").hostname if endpoint else None
    return host is not None and is_loopback_host(host)


def is_loopback_host(host: str) -> bool:
    """`localhost` or a loopback address (an endpoint's host, or an address to listen on)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
