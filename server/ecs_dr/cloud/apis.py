"""The Alibaba Cloud APIs the gateway speaks (ECS, VPC, STS): which SDK serves each, which
API a request model belongs to, and each action's SDK method."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Api:
    """One Alibaba Cloud API the gateway speaks: its SDK client, the package of its request
    models (which is how a call's API is known), and its service name, which is both the
    endpoint's first label and the RAM namespace of its actions."""

    service: str
    models_package: str

    @property
    def client_type(self) -> type[Any]:
        """The SDK's client, imported when first needed (cloud.sdk says why)."""
        return importlib.import_module(f"{self.models_package}.client").Client  # type: ignore[no-any-return]


ECS_API = Api("ecs", "alibabacloud_ecs20140526")
VPC_API = Api("vpc", "alibabacloud_vpc20160428")
# Its actions take no request model: a call names the API (`EcsGateway.call`'s `api`).
STS_API = Api("sts", "alibabacloud_sts20150401")
APIS = (ECS_API, VPC_API, STS_API)


def api_of(request: Any) -> Api:
    """The API a request model belongs to; raises ValueError for a model of neither SDK."""
    package = type(request).__module__.partition(".")[0]
    for api in APIS:
        if api.models_package == package:
            return api
    raise ValueError(f"{type(request).__name__} is a request model of no API the gateway speaks")


def sdk_method_name(action: str, api: Api = ECS_API) -> str:
    """`<snake_action>_with_options_async` as the SDK spells it (DescribeVSwitches ->
    describe_vswitches_...). Raises ValueError for an action the SDK does not have."""
    try:
        return _sdk_methods(api.service)[action.lower()]
    except KeyError:
        raise ValueError(f"the {api.service.upper()} SDK has no action {action!r}") from None


@functools.cache
def _sdk_methods(service: str) -> dict[str, str]:
    suffix = "_with_options_async"
    (api,) = (a for a in APIS if a.service == service)
    return {
        name.removesuffix(suffix).replace("_", ""): name
        for name in dir(api.client_type)
        if name.endswith(suffix)
    }
