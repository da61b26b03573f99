"""The cloud gateway: the one object that talks to Alibaba Cloud through the official async
SDKs, ECS's (2014-05-26) and the VPC API's (2016-04-28), which ECS's own VPC calls are
deprecated in favour of, and STS's (2015-04-01), which says whose account the credential is.

It owns one SDK client per API and region, signs with the default credential chain, stamps the
user agent, keeps every attempt within one request rate and one in-flight limit for the process
(`cloud.rate_limit`), retries throttling and transient failures with stamina (the SDK's own
retry loop sleeps blocking inside async code, so it stays off), asks again for a while when the
cloud answers "busy" (`cloud.errors.Busy`), translates every failure into `cloud.errors`,
registers every credential value it signs with for log redaction, and logs each attempt
without a credential in sight.
"""

from __future__ import annotations

import asyncio
import copy
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import stamina
import structlog
import tenacity

from ecs_dr.cloud.apis import Api, api_of, sdk_method_name
from ecs_dr.cloud.errors import Busy, InvalidParameter, Throttled, Transient
from ecs_dr.cloud.errors.translate import translate
from ecs_dr.cloud.rate_limit import CallLimits
from ecs_dr.cloud.settings import ENV_REGION, CloudSettings
from ecs_dr.cloud.user_agent import SESSION_ID, USER_AGENT
from ecs_dr.logs import register_secrets

if TYPE_CHECKING:
    from darabonba.runtime import RuntimeOptions

log = structlog.get_logger("ecs_dr.cloud")

# Calls that change nothing can be repeated after a broken connection; a mutating call only
# when it carries a ClientToken, which makes ECS answer a repeat with the first result.
READ_ONLY_PREFIXES = ("Describe", "List", "Query", "Get")


class CredentialSource(Protocol):
    """What the SDK needs of a credential client (alibabacloud_credentials' Client fits)."""

    def get_credential_async(self) -> Awaitable[Any]: ...


class ResolvedCredential(NamedTuple):
    """Which credential the chain resolved last, never its value: its provider path (e.g.
    `default/cli_profile/static_ak`) and whether it signs with an STS token."""

    provider_name: str
    temporary: bool


class _ObservedCredential:
    """Hands the SDK each credential it resolves (a rotated STS token included) after
    registering its values for log redaction, and remembers them, so errors can be scrubbed
    of them too, and which provider resolved it."""

    def __init__(self, inner: CredentialSource | None) -> None:
        self._inner = inner
        self._seen: set[str] = set()
        self.resolved: ResolvedCredential | None = None

    async def get_credential_async(self) -> Any:
        if self._inner is None:
            # The default chain, made at the first call (its SDK takes a while to import).
            from alibabacloud_credentials.client import Client as CredentialClient

            self._inner = CredentialClient()
        model = await self._inner.get_credential_async()
        values = [
            str(value)
            for value in (model.access_key_id, model.access_key_secret, model.security_token)
            if value
        ]
        register_secrets(*values)
        self._seen.update(values)
        provider = str(getattr(model, "provider_name", None) or "")
        self.resolved = ResolvedCredential(provider, bool(model.security_token))
        return model

    def secrets(self) -> frozenset[str]:
        return frozenset(self._seen)

    def __repr__(self) -> str:
        source = "default chain" if self._inner is None else type(self._inner).__name__
        return f"<credential {source}>"


class EcsGateway:
    """Calls ECS and VPC API actions by name in a region and returns the SDK's response body
    model; the request model's SDK says which API a call goes to.

    `credential` replaces the default chain (tests, embedding); it never comes from a tool.
    `sleep` and `clock` pass the cloud's time while a busy answer is asked again: real time
    on ECS, a sandbox's faster or virtual time (cloud.ecs.Timing's).
    """

    def __init__(
        self,
        settings: CloudSettings | None = None,
        *,
        credential: CredentialSource | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings if settings is not None else CloudSettings.from_env()
        self._sleep = sleep
        self._clock = clock
        self._injected = credential is not None
        self._credential = _ObservedCredential(credential)
        self._clients: dict[tuple[str, str], Any] = {}
        self.limits = CallLimits(self.settings.max_qps, self.settings.max_concurrent_calls)

    def __repr__(self) -> str:
        source = "injected" if self._injected else "default chain"
        return (
            f"EcsGateway(endpoint={self.settings.endpoint or 'ecs.<region>.aliyuncs.com'!r}, "
            f"vpc_endpoint={self.settings.vpc_api_endpoint or 'vpc.<region>.aliyuncs.com'!r}, "
            f"protocol={self.settings.protocol!r}, default_region={self.settings.region_id!r}, "
            f"session_id={SESSION_ID!r}, credentials={source!r}, {self.limits!r})"
        )

    @property
    def resolved_credential(self) -> ResolvedCredential | None:
        """Which credential signed the last call; None before the first."""
        return self._credential.resolved

    def region(self, region_id: str | None) -> str:
        """The region given, else the default one; raises InvalidParameter when neither."""
        region = region_id or self.settings.region_id
        if not region:
            raise InvalidParameter(
                "MissingParameter.RegionId",
                f"no region: pass region_id, set {ENV_REGION}, or set region_id in the "
                "current aliyun CLI profile (aliyun configure)",
            )
        return region

    async def call(
        self,
        region_id: str | None,
        action: str,
        request: Any,
        api: Api | None = None,
        *,
        sending: Callable[[], Any] | None = None,
    ) -> Any:
        """Run one action with retries; returns the response body model. `api` is the API of
        an action that takes no request (None: STS's GetCallerIdentity), else the request's.

        `sending`, when given, makes the request actually sent, once, when the first attempt
        has its slot: a batch of polls (`cloud.polls`) takes every id that joined it while it
        waited for the rate limit; `request` then only says which API the call goes to.

        Raises a `cloud.errors.CloudError` subclass on failure.
        """
        region = self.region(region_id)
        api = api or api_of(request)
        method = getattr(self._client(api, region), sdk_method_name(action, api))
        request = _with_region(request, region)
        s = self.settings
        # A busy answer is asked again on the cloud's clock (`sleep`, `clock`), each time with
        # the ordinary retries of throttling and transient failures.
        started = self._clock()
        busy_retries = tenacity.AsyncRetrying(
            retry=tenacity.retry_if_exception_type(Busy),
            wait=tenacity.wait_exponential(multiplier=s.busy_wait_initial_s, max=s.busy_wait_max_s)
            + tenacity.wait_random(0, s.busy_wait_initial_s),
            stop=lambda _: self._clock() - started >= s.busy_retry_timeout_s,
            sleep=self._sleep,
            before_sleep=self._log_busy(action),
            reraise=True,
        )
        async for busy in busy_retries:
            with busy:
                async for attempt in stamina.retry_context(
                    on=self._retry_policy(action, request),
                    attempts=s.retry_attempts,
                    timeout=s.retry_timeout_s,
                    wait_initial=s.retry_wait_initial_s,
                    wait_max=s.retry_wait_max_s,
                    wait_jitter=s.retry_wait_jitter_s,
                ):
                    with attempt:
                        async with self.limits.slot():
                            if sending is not None:
                                request, sending = _with_region(sending(), region), None
                            return await self._attempt(
                                method, api, region, action, request, attempt.num
                            )
        raise AssertionError("unreachable: stamina re-raises the last failure")

    async def pages(self, region_id: str | None, action: str, request: Any) -> AsyncIterator[Any]:
        """Every page of a listing: PageNumber/PageSize when the request sets them, else
        NextToken/MaxResults when the action has them, else PageNumber/PageSize, else the
        single response."""
        request = copy.copy(request)
        numbered = hasattr(request, "page_number") and hasattr(request, "page_size")
        tokened = hasattr(request, "next_token") and hasattr(request, "max_results")
        if tokened and not (numbered and (request.page_number or request.page_size)):
            request.max_results = request.max_results or self.settings.page_size
            while True:
                body = await self.call(region_id, action, request)
                yield body
                if not getattr(body, "next_token", None):
                    return
                request = copy.copy(request)
                request.next_token = body.next_token
        elif numbered:
            request.page_size = request.page_size or self.settings.page_size
            number = request.page_number or 1
            while True:
                request.page_number = number
                body = await self.call(region_id, action, request)
                yield body
                total = getattr(body, "total_count", None)
                if total is None or number * request.page_size >= total:
                    return
                number += 1
        else:
            yield await self.call(region_id, action, request)

    async def collect(
        self,
        region_id: str | None,
        action: str,
        request: Any,
        items: Callable[[Any], Iterable[Any] | None] | None = None,
    ) -> list[Any]:
        """All items of a listing across pages. `items` picks them out of one body; by default
        the one list the body wraps (body.instances.instance, body.disks.disk, ...)."""
        pick = items or listed_items
        found: list[Any] = []
        async for body in self.pages(region_id, action, request):
            found.extend(pick(body) or ())
        return found

    def _client(self, api: Api, region: str) -> Any:
        client = self._clients.get((api.service, region))
        if client is None:
            from alibabacloud_tea_openapi.utils_models import Config as OpenApiConfig

            s = self.settings
            config = OpenApiConfig(
                credential=self._credential,
                endpoint=s.endpoint_for(region, api.service),
                protocol=s.protocol,
                region_id=region,
                user_agent=USER_AGENT,
                connect_timeout=int(s.connect_timeout_s * 1000),
                read_timeout=int(s.read_timeout_s * 1000),
            )
            client = self._clients[(api.service, region)] = api.client_type(config)
        return client

    def _runtime(self) -> RuntimeOptions:
        from darabonba.runtime import RuntimeOptions

        s = self.settings
        return RuntimeOptions(
            autoretry=False,
            connect_timeout=int(s.connect_timeout_s * 1000),
            read_timeout=int(s.read_timeout_s * 1000),
        )

    async def _attempt(
        self, method: Any, api: Api, region: str, action: str, request: Any, attempt: int
    ) -> Any:
        started = time.monotonic()
        call_log = log.bind(api=api.service, action=action, region=region, attempt=attempt)
        try:
            arguments = () if request is None else (request,)
            response = await method(*arguments, self._runtime())
        except Exception as exc:
            error = translate(
                exc,
                action=action,
                region_id=region,
                secrets=self._credential.secrets(),
                service=api.service,
            )
            if error is None:
                raise
            call_log.warning(
                "ecs.call.failed",
                duration_ms=_ms_since(started),
                code=error.code,
                http_status=error.http_status,
                request_id=error.request_id,
            )
            raise error from None
        body = response.body
        call_log.info(
            "ecs.call",
            duration_ms=_ms_since(started),
            request_id=getattr(body, "request_id", None),
        )
        return body

    def _log_busy(self, action: str) -> Callable[[tenacity.RetryCallState], Awaitable[None]]:
        async def log_busy(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome else None
            log.info(
                "ecs.call.busy",
                action=action,
                code=getattr(error, "code", None),
                tries=state.attempt_number,
                next_wait_s=round(state.upcoming_sleep, 3),
            )

        return log_busy

    def _retry_policy(self, action: str, request: Any) -> Callable[[Exception], bool | float]:
        """stamina's hook: a float is a custom wait (throttling backs off longer), True uses
        the exponential backoff, False gives up. Anything not ours is never retried."""
        repeatable = action.startswith(READ_ONLY_PREFIXES) or bool(
            getattr(request, "client_token", None)
        )
        throttles = 0

        def should_retry(exc: Exception) -> bool | float:
            nonlocal throttles
            if isinstance(exc, Throttled):
                throttles += 1
                return self._throttle_wait(throttles, exc.retry_after_s)
            if isinstance(exc, Transient):
                return repeatable or not exc.request_sent
            return False

        return should_retry

    def _throttle_wait(self, throttles: int, retry_after_s: float | None) -> float:
        s = self.settings
        if retry_after_s is not None:
            return min(retry_after_s, s.throttle_wait_max_s)
        ceiling = min(s.throttle_wait_max_s, s.throttle_wait_initial_s * 2 ** (throttles - 1))
        return random.uniform(ceiling / 2, ceiling)


def listed_items(body: Any) -> list[Any]:
    """The one list a Describe body wraps, e.g. body.instances.instance; raises ValueError
    when the body wraps several, so the caller must say which."""
    lists = [
        value
        for wrapper in vars(body).values()
        if hasattr(wrapper, "to_map")
        for value in vars(wrapper).values()
        if isinstance(value, list)
    ]
    if len(lists) > 1:
        raise ValueError(f"{type(body).__name__} holds several lists; pass `items`")
    return lists[0] if lists else []


def _with_region(request: Any, region: str) -> Any:
    if hasattr(request, "region_id") and not request.region_id:
        request = copy.copy(request)
        request.region_id = region
    return request


def _ms_since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
