"""The sandbox as an ASGI app: the RPC wire protocol of three APIs at `/` (ECS 2014-05-26,
VPC 2016-04-28 and STS 2015-04-01, told apart by `x-acs-version`), control endpoints under
`/_sandbox/`.

A request is checked the way Alibaba Cloud checks it (signature, version, action), then meets
any injected fault, then (under the backend lock) any zone outage, then runs its handler. Every
error, injected or real, is rendered by one handler in the APIs' shared JSON shape.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ecs_dr.sandbox.backend import Backend, OutcomeFault
from ecs_dr.sandbox.clock import Clock, VirtualClock, iso
from ecs_dr.sandbox.errors import (
    EcsError,
    ForbiddenRam,
    InvalidAction,
    InvalidVersion,
    MissingAction,
    UnsupportedHTTPMethod,
    VpcForbiddenRam,
    error_code,
    error_status,
)
from ecs_dr.sandbox.faults import (
    FAULT_ADAPTER,
    FaultPlan,
    InjectedError,
    OutcomeFaultSpec,
    ZoneOutageFault,
)
from ecs_dr.sandbox.outage import bring_zones_up, refuse_in_zones_down, take_zone_down
from ecs_dr.sandbox.params import Params
from ecs_dr.sandbox.responses import ACTIONS
from ecs_dr.sandbox.responses.registry import Handler
from ecs_dr.sandbox.responses.sts import STS_ACTIONS
from ecs_dr.sandbox.responses.vpc import VPC_ACTIONS
from ecs_dr.sandbox.signing import SignatureVerifier, parse_authorization
from ecs_dr.sandbox.state import dump_state
from ecs_dr.sandbox.world import DurationsSpec, WorldSpec, load_world

RECOMMEND = "https://api.aliyun.com/troubleshoot?q={code}&product={product}&requestId={request_id}"


@dataclass(frozen=True)
class Api:
    """One API the sandbox serves on its port; a request picks it by `x-acs-version`."""

    name: str  # how the requests log names it
    version: str
    actions: Mapping[str, Handler]
    host_id: str
    product: str  # as the Recommend link of an error names it
    # RAM authorizes these actions as the VPC service's (`vpc:<Action>`), not as `<name>:`
    vpc_authorized: frozenset[str]


ECS_API = Api(
    name="ecs",
    version="2014-05-26",
    actions=ACTIONS,
    host_id="ecs.sandbox.local",
    product="Ecs",
    # ECS still answers these deprecated VPC actions; its API reference lists their RAM
    # actions as vpc:CreateVSwitch, vpc:DescribeVSwitches, vpc:DescribeVpcs.
    vpc_authorized=frozenset({"CreateVSwitch", "DescribeVSwitches", "DescribeVpcs"}),
)
VPC_API = Api(
    name="vpc",
    version="2016-04-28",
    actions=VPC_ACTIONS,
    host_id="vpc.sandbox.local",
    product="Vpc",
    vpc_authorized=frozenset(VPC_ACTIONS),
)
# RAM authorizes GetCallerIdentity for every identity: no action of STS's is the VPC service's.
STS_API = Api("sts", "2015-04-01", STS_ACTIONS, "sts.sandbox.local", "Sts", frozenset())
APIS = {api.version: api for api in (ECS_API, VPC_API, STS_API)}


@dataclass
class RequestRecord:
    """One API request as the requests log shows it. `access_key_id` is the key the request
    claims to be signed with ("" when it has no readable Authorization header);
    `security_token` says whether it carried an STS token, whose value is never kept."""

    time: float
    cloud_time: float
    api: str  # "ecs", "vpc" or "sts"; "" for a version the sandbox does not serve
    action: str
    parameters: dict[str, str]
    user_agent: str
    status: int
    code: str
    request_id: str
    duration_ms: float
    access_key_id: str
    security_token: bool


@dataclass
class Sandbox:
    """One emulated cloud: its world, keys, clock, faults and requests log."""

    world: WorldSpec
    key_pairs: dict[str, str]
    clock: Clock
    backend: Backend = field(init=False)
    faults: FaultPlan = field(default_factory=FaultPlan)
    requests: list[RequestRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.verifier = SignatureVerifier({**self.world.key_pairs, **self.key_pairs})
        self.reset()

    def reset(self, durations: DurationsSpec | None = None) -> None:
        """The world as loaded; its durations drawn as `durations` says, else as the world's."""
        self.backend = Backend(self.world, self.clock, durations=durations)
        self.faults.clear()
        self.requests.clear()


class ResetRequest(BaseModel):
    """`POST /_sandbox/reset`: optionally, durations other than the world's from now on."""

    model_config = ConfigDict(extra="forbid")
    durations: DurationsSpec | None = None


def _error_body(err: EcsError, request_id: str, api: Api) -> dict[str, Any]:
    code = error_code(err)
    recommend = err.recommend if isinstance(err, InjectedError) else None
    return {
        "RequestId": request_id,
        "HostId": api.host_id,
        "Code": code,
        "Message": err.message,
        "Recommend": recommend
        or RECOMMEND.format(code=code, product=api.product, request_id=request_id),
    }


def _request_id() -> str:
    return str(uuid.uuid4()).upper()


def _signing_key_id(headers: Mapping[str, str]) -> str:
    """The AccessKey id in the Authorization header, or "" when there is none to read."""
    try:
        key_id, _, _ = parse_authorization(headers.get("authorization", ""))
    except EcsError:
        return ""
    return key_id


class _ResetConnection(Exception):
    """Raised after a partial response so the server drops the connection."""


def build_app(sandbox: Sandbox) -> Starlette:
    async def api(request: Request) -> Response:
        started = time.monotonic()
        request_id = _request_id()
        headers = {k.lower(): v for k, v in request.headers.items()}
        query = dict(request.query_params)
        action = headers.get("x-acs-action", "")
        api = APIS.get(headers.get("x-acs-version", ""))
        status, code = 200, ""
        try:
            body = await _serve(sandbox, request, headers, query, action, api, request_id)
            body = {"RequestId": request_id, **body}
        except EcsError as err:
            status, code = error_status(err), error_code(err)
            body = _error_body(err, request_id, api or ECS_API)
        except _ResetConnection:
            status, code = 0, "ConnectionReset"
            body = {}
        sandbox.requests.append(
            RequestRecord(
                time=time.time(),
                cloud_time=sandbox.clock.now(),
                api=api.name if api else "",
                action=action,
                parameters=query,
                user_agent=headers.get("user-agent", ""),
                status=status,
                code=code,
                request_id=request_id,
                duration_ms=(time.monotonic() - started) * 1000,
                access_key_id=_signing_key_id(headers),
                security_token=bool(headers.get("x-acs-security-token")),
            )
        )
        if status == 0:
            return _BrokenResponse()
        return JSONResponse(body, status_code=status)

    async def get_requests(request: Request) -> Response:
        records = [r.__dict__ | {"cloud_time_iso": iso(r.cloud_time)} for r in sandbox.requests]
        return JSONResponse({"requests": records})

    async def post_fault(request: Request) -> Response:
        try:
            fault = FAULT_ADAPTER.validate_python(await request.json())
        except (ValidationError, json.JSONDecodeError) as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        if isinstance(fault, ZoneOutageFault) and not _zone_exists(sandbox, fault.zone_id):
            return JSONResponse({"error": f"no zone {fault.zone_id} in the world"}, status_code=400)
        if isinstance(fault, OutcomeFaultSpec):
            with sandbox.backend.lock:
                sandbox.backend.outcomes.pending.append(
                    OutcomeFault(fault.action, fault.status, fault.times)
                )
        else:
            if isinstance(fault, ZoneOutageFault):
                with sandbox.backend.lock:
                    take_zone_down(sandbox.backend, fault.zone_id)
            sandbox.faults.add(fault)
        return JSONResponse({"faults": len(sandbox.faults.faults)})

    async def clear_faults(request: Request) -> Response:
        sandbox.faults.clear()
        with sandbox.backend.lock:
            sandbox.backend.outcomes.pending.clear()
            sandbox.backend.release_held()
            bring_zones_up(sandbox.backend)
        return JSONResponse({"faults": 0})

    async def get_state(request: Request) -> Response:
        with sandbox.backend.lock:
            return JSONResponse(dump_state(sandbox.backend))

    async def post_reset(request: Request) -> Response:
        try:
            reset = ResetRequest.model_validate_json(await request.body() or b"{}")
        except ValidationError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        sandbox.reset(reset.durations)
        return JSONResponse({"reset": True})

    async def post_clock(request: Request) -> Response:
        if not isinstance(sandbox.clock, VirtualClock):
            return JSONResponse({"error": "the clock is not virtual"}, status_code=400)
        payload = await request.json()
        sandbox.clock.advance(float(payload.get("advance", 0)))
        return JSONResponse({"now": iso(sandbox.clock.now())})

    return Starlette(
        routes=[
            Route("/", api, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]),
            Route("/_sandbox/requests", get_requests, methods=["GET"]),
            Route("/_sandbox/faults", post_fault, methods=["POST"]),
            Route("/_sandbox/faults", clear_faults, methods=["DELETE"]),
            Route("/_sandbox/state", get_state, methods=["GET"]),
            Route("/_sandbox/reset", post_reset, methods=["POST"]),
            Route("/_sandbox/clock", post_clock, methods=["POST"]),
        ]
    )


async def _serve(
    sandbox: Sandbox,
    request: Request,
    headers: Mapping[str, str],
    query: dict[str, str],
    action: str,
    api: Api | None,
    request_id: str,
) -> dict[str, Any]:
    payload = await request.body()
    sandbox.verifier.verify(request.method, request.url.path, query, headers, payload)
    if request.method not in ("POST", "GET"):
        raise UnsupportedHTTPMethod()
    if not action:
        raise MissingAction()
    if api is None:
        sent = headers.get("x-acs-version")
        served = " or ".join(f"{a.version} ({a.name.upper()})" for a in APIS.values())
        raise InvalidVersion(f"Specified parameter Version {sent!r} is not valid; use {served}.")
    handler = api.actions.get(action)
    if handler is None:
        raise InvalidAction(action)
    verdict = sandbox.faults.judge(action)
    if verdict.delay_s:
        await asyncio.sleep(verdict.delay_s)
    if verdict.reset:
        raise _ResetConnection()
    if isinstance(verdict.error, ForbiddenRam) and action in api.vpc_authorized:
        raise VpcForbiddenRam(action)
    if verdict.error is not None:
        raise verdict.error
    params = Params({**_form_fields(headers, payload), **query})
    with sandbox.backend.lock:
        refuse_in_zones_down(sandbox.backend, sandbox.faults.zones_down(), action, params)
        return handler(sandbox.backend, params)


def _zone_exists(sandbox: Sandbox, zone_id: str) -> bool:
    return any(zone_id in region.zones for region in sandbox.backend.regions.values())


def _form_fields(headers: Mapping[str, str], payload: bytes) -> dict[str, str]:
    """RPC parameters may also come as a form body; the signature already covers it."""
    if not payload or "application/x-www-form-urlencoded" not in headers.get("content-type", ""):
        return {}
    return dict(parse_qsl(payload.decode(), keep_blank_values=True))


class _BrokenResponse(Response):
    """Announces a body it never sends, so the client sees the connection drop mid-answer."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"4096")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"Request', "more_body": False})


def create_sandbox(
    access_key_id: str,
    access_key_secret: str,
    *,
    world_path: Path | None = None,
    clock: Clock,
) -> Sandbox:
    return Sandbox(load_world(world_path), {access_key_id: access_key_secret}, clock)
