"""Wiring in one place: settings, credentials, the gateway, the journal, the operations runner
and the embedded sandbox.
"""

from __future__ import annotations

import math
import os
import resource
import secrets
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from ecs_dr.cloud.ecs import REAL_TIME, Timing
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.settings import (
    ENV_ENDPOINT,
    ENV_REGION,
    ENV_TUNING,
    CloudSettings,
    is_loopback,
    profile_name,
)
from ecs_dr.logs import register_secrets
from ecs_dr.workflows.account import AccountLookup
from ecs_dr.workflows.journal import ENV_STATE_DIR, JOURNAL_FILE, Journal, JournalError
from ecs_dr.workflows.operations import Operations, OperationSettings

if TYPE_CHECKING:
    # Only `serve --sandbox` needs the emulator: a server on ECS starts without importing it.
    from ecs_dr.sandbox.clock import ScaledClock
    from ecs_dr.sandbox.server import SandboxThread

SANDBOX_REGION = "cn-hangzhou"
# A whole demo recovery (snapshots, a several-minute image, an instance start) in seconds.
DEMO_TIME_SCALE = 60.0

ENV_SANDBOX_TIME_SCALE = "ECS_DR_SANDBOX_TIME_SCALE"
ENV_SANDBOX_PORT = "ECS_DR_SANDBOX_PORT"
ENV_SANDBOX_WORLD = "ECS_DR_SANDBOX_WORLD"
ENV_CLOUD_TIME_SCALE = "ECS_DR_CLOUD_TIME_SCALE"
# The credential chain's own variables. The embedded sandbox takes its key pair from them when
# both are set, so that a test can know (and look for) every credential value in play.
ENV_ACCESS_KEY_ID = "ALIBABA_CLOUD_ACCESS_KEY_ID"
ENV_ACCESS_KEY_SECRET = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"  # noqa: S105 (a name)
ENV_SECURITY_TOKEN = "ALIBABA_CLOUD_SECURITY_TOKEN"  # noqa: S105 (a name)
CREDENTIAL_VARIABLES = (ENV_ACCESS_KEY_ID, ENV_ACCESS_KEY_SECRET, ENV_SECURITY_TOKEN)
ENV_HTTP_TOKEN = "ECS_DR_HTTP_TOKEN"  # noqa: S105 (a name)
ENV_HTTP_ALLOWED_HOSTS = "ECS_DR_HTTP_ALLOWED_HOSTS"
# A bearer token guards an endpoint that can create cloud resources: long enough not to guess.
MIN_HTTP_TOKEN_LENGTH = 16
ENV_HTTP_HEADER_TIMEOUT = "ECS_DR_HTTP_HEADER_TIMEOUT_S"
ENV_HTTP_KEEP_ALIVE_TIMEOUT = "ECS_DR_HTTP_KEEP_ALIVE_TIMEOUT_S"
ENV_HTTP_MAX_CONNECTIONS = "ECS_DR_HTTP_MAX_CONNECTIONS"
# Descriptors kept for everything but HTTP clients: logs, the journal, the cloud gateway's and
# the embedded sandbox's sockets (a started server holds about 15).
RESERVED_DESCRIPTORS = 64
# Plenty for the few agents an operator points at one server.
DEFAULT_HTTP_MAX_CONNECTIONS = 1000
# A client on any network sends its request line and headers in well under this.
DEFAULT_HTTP_HEADER_TIMEOUT_S = 10
# uvicorn's default: a client keeps a connection for its next request, not for ever.
DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_S = 5

log = structlog.get_logger("ecs_dr.bootstrap")


class ConfigError(ValueError):
    """A setting the server cannot start with; the message names the variable."""


class SandboxConfig(BaseModel):
    """How `serve --sandbox` runs its emulator."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_scale: float = Field(default=DEMO_TIME_SCALE, gt=0)
    port: int = Field(default=0, ge=0, le=65535, description="0: a free port")
    world: Path | None = Field(default=None, description="a world file; None: the demo world")
    # The sandbox's time runs faster than ECS's, so no API rate limit applies unless one is
    # asked for (to see a fleet paced by it, say).
    max_qps: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    max_concurrent_calls: int | None = Field(default=None, ge=1)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SandboxConfig:
        """ECS_DR_SANDBOX_TIME_SCALE, ECS_DR_SANDBOX_PORT, ECS_DR_SANDBOX_WORLD, and
        ECS_DR_MAX_QPS / ECS_DR_MAX_CONCURRENT_CALLS when set; raises ConfigError naming the
        variable whose value is unusable."""
        env = os.environ if environ is None else environ
        names = {
            "time_scale": ENV_SANDBOX_TIME_SCALE,
            "port": ENV_SANDBOX_PORT,
            "world": ENV_SANDBOX_WORLD,
            "max_qps": ENV_TUNING["max_qps"],
            "max_concurrent_calls": ENV_TUNING["max_concurrent_calls"],
        }
        values = {field: env[name] for field, name in names.items() if env.get(name)}
        try:
            return cls.model_validate(values)
        except ValidationError as exc:
            error = exc.errors()[0]
            name = names[str(error["loc"][0])]
            raise ConfigError(f"{name}={env.get(name)!r}: {error['msg']}") from None


def sandbox_timing(clock: ScaledClock) -> Timing:
    """Waits on the sandbox: its cloud time runs `scale` times faster than real time, so a
    poll interval and a wait's deadline stated in cloud seconds pass that much sooner, and
    timestamps are the sandbox's own."""

    def now() -> datetime:
        return datetime.fromtimestamp(clock.now(), tz=UTC)

    return Timing.scaled(clock.scale, now=now)


def cloud_timing(environ: Mapping[str, str], settings: CloudSettings) -> Timing:
    """How waits poll the cloud: in real seconds, unless ECS_DR_CLOUD_TIME_SCALE says the cloud
    is an `ecs-dr-sandbox` of its own, on loopback, whose time runs that much faster: then
    the polls and the deadlines both run on that cloud time (a 20-minute instance wait ends
    after 1200/scale real seconds), while timestamps stay this machine's (the sandbox's own
    clock started elsewhere).

    Raises ConfigError for a scale that is not a positive number, or one set for a cloud that
    is not on loopback (real ECS runs in real time).
    """
    raw = environ.get(ENV_CLOUD_TIME_SCALE)
    if not raw:
        return REAL_TIME
    try:
        scale = float(raw)
    except ValueError:
        scale = -1.0
    if not (scale > 0 and math.isfinite(scale)):
        raise ConfigError(f"{ENV_CLOUD_TIME_SCALE}={raw!r}: a positive number is needed")
    if not is_loopback(settings.endpoint):
        raise ConfigError(
            f"{ENV_CLOUD_TIME_SCALE} is for a sandbox on loopback ({ENV_ENDPOINT}=127.0.0.1:...), "
            f"not {settings.endpoint or 'the public ECS endpoint'}: real ECS runs in real time"
        )
    return Timing.scaled(scale)


class HttpSettings(BaseModel):
    """Who may use the streamable HTTP endpoint (the bearer token every request must carry,
    required to listen beyond loopback, and the Host values allowed besides loopback's) and
    what slow clients may cost it: seconds to send a request's headers, seconds an idle
    connection is kept, and how many connections are open at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    token: SecretStr | None = None
    allowed_hosts: tuple[str, ...] = ()
    header_timeout_s: int = Field(default=DEFAULT_HTTP_HEADER_TIMEOUT_S, gt=0)
    keep_alive_timeout_s: int = Field(default=DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_S, gt=0)
    max_connections: int = Field(default=DEFAULT_HTTP_MAX_CONNECTIONS, gt=0)

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, open_file_limit: int | None = None
    ) -> HttpSettings:
        """ECS_DR_HTTP_TOKEN, ECS_DR_HTTP_ALLOWED_HOSTS (comma-separated Host header values,
        `host:port` or `host:*`), ECS_DR_HTTP_HEADER_TIMEOUT_S, ECS_DR_HTTP_KEEP_ALIVE_TIMEOUT_S
        and ECS_DR_HTTP_MAX_CONNECTIONS, whose default and ceiling come from `open_file_limit`
        (the process's soft RLIMIT_NOFILE unless given); raises ConfigError naming the variable
        that is unusable."""
        env = os.environ if environ is None else environ
        token = env.get(ENV_HTTP_TOKEN) or None
        if token is not None and len(token) < MIN_HTTP_TOKEN_LENGTH:
            raise ConfigError(
                f"{ENV_HTTP_TOKEN} is too short ({len(token)} characters): use at least "
                f"{MIN_HTTP_TOKEN_LENGTH}, e.g. python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        hosts = tuple(
            h.strip() for h in env.get(ENV_HTTP_ALLOWED_HOSTS, "").split(",") if h.strip()
        )
        for host in hosts:
            if "/" in host or " " in host:
                raise ConfigError(
                    f"{ENV_HTTP_ALLOWED_HOSTS} holds Host header values (host:port or host:*), "
                    f"not {host!r}"
                )
        files = soft_open_file_limit() if open_file_limit is None else open_file_limit
        budget = connection_budget(files)
        if budget < 1:
            raise ConfigError(
                f"the open-file limit ({files}, ulimit -n) leaves no descriptor for HTTP clients: "
                f"raise it to at least {RESERVED_DESCRIPTORS + 3}"
            )
        max_connections = _positive_int(
            env, ENV_HTTP_MAX_CONNECTIONS, min(DEFAULT_HTTP_MAX_CONNECTIONS, budget)
        )
        if max_connections > budget:
            raise ConfigError(
                f"{ENV_HTTP_MAX_CONNECTIONS}={max_connections} needs more descriptors than the "
                f"open-file limit ({files}, ulimit -n) allows: at most {budget}; raise the limit "
                "or lower the variable"
            )
        register_secrets(token)
        return cls(
            token=SecretStr(token) if token else None,
            allowed_hosts=hosts,
            header_timeout_s=_positive_int(
                env, ENV_HTTP_HEADER_TIMEOUT, DEFAULT_HTTP_HEADER_TIMEOUT_S
            ),
            keep_alive_timeout_s=_positive_int(
                env, ENV_HTTP_KEEP_ALIVE_TIMEOUT, DEFAULT_HTTP_KEEP_ALIVE_TIMEOUT_S
            ),
            max_connections=max_connections,
        )


def soft_open_file_limit() -> int:
    """The descriptors this process may open (RLIMIT_NOFILE's soft limit; unlimited: maxsize)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return sys.maxsize if soft == resource.RLIM_INFINITY else soft


def connection_budget(open_file_limit: int) -> int:
    """The most HTTP connections `open_file_limit` descriptors carry: a third of what is left
    after the reserve. Beside the connections held, the event loop accepts a burst of newcomers
    at once (up to as many again as the cap: the listen backlog) before the ones over the cap
    are turned away, and the descriptors of as many turned away are released only on its next
    turn. With half, a flood on a busy machine ran the server out of descriptors (EMFILE)."""
    return (open_file_limit - RESERVED_DESCRIPTORS) // 3


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name}={raw!r}: a positive whole number is needed")
    return value


@dataclass
class EmbeddedSandbox:
    thread: SandboxThread
    gateway: EcsGateway
    timing: Timing


@contextmanager
def embedded_sandbox(
    *,
    time_scale: float = DEMO_TIME_SCALE,
    world: Path | None = None,
    port: int = 0,
    region_id: str = SANDBOX_REGION,
    max_qps: float | None = None,
    max_concurrent_calls: int | None = None,
    key_pair: tuple[str, str] | None = None,
    security_token: str | None = None,
) -> Iterator[EmbeddedSandbox]:
    """The demo world (or `world`) on a loopback port and a gateway signed with `key_pair`
    (and `security_token`, as an STS credential), or with a key made for this run. Raises
    WorldError for a world file the sandbox cannot load."""
    key_id, secret = key_pair or (
        f"LTAI5tSandbox{secrets.token_hex(6)}",
        secrets.token_urlsafe(24),
    )
    from alibabacloud_credentials.client import Client as CredentialClient
    from alibabacloud_credentials.models import Config as CredentialConfig

    from ecs_dr.sandbox.app import create_sandbox
    from ecs_dr.sandbox.clock import ScaledClock
    from ecs_dr.sandbox.server import SandboxThread

    register_secrets(key_id, secret, security_token)
    clock = ScaledClock(time_scale)
    sandbox = create_sandbox(key_id, secret, world_path=world, clock=clock)
    with SandboxThread(sandbox, port=port) as thread:
        settings = CloudSettings(
            endpoint=thread.endpoint,
            protocol="http",
            region_id=region_id,
            max_qps=max_qps,
            max_concurrent_calls=max_concurrent_calls,
        )
        credential = CredentialClient(
            CredentialConfig(
                type="sts" if security_token else "access_key",
                access_key_id=key_id,
                access_key_secret=secret,
                security_token=security_token,
            )
        )
        timing = sandbox_timing(clock)
        gateway = EcsGateway(
            settings, credential=credential, sleep=timing.sleep, clock=timing.clock
        )
        yield EmbeddedSandbox(thread, gateway, timing)


@dataclass
class Services:
    """Everything a tool call needs, built once per server process; `account` says whose
    account the gateway's credential is, and which credential the chain resolved."""

    gateway: EcsGateway
    journal: Journal
    operations: Operations
    timing: Timing
    account: AccountLookup


@contextmanager
def build_services(
    *, sandbox: bool, environ: Mapping[str, str] | None = None
) -> Iterator[Services]:
    """The gateway (the real cloud, or the embedded sandbox), journal and operations runner.

    The operations runner still has to be entered (`async with services.operations`) inside
    the event loop. In sandbox mode the journal lives in a fresh temporary directory unless
    ECS_DR_STATE_DIR names one: the sandbox's world starts anew with every process, and so
    would the ids the journal holds. The embedded sandbox accepts the key pair of
    ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET (and ALIBABA_CLOUD_SECURITY_TOKEN) when both are set.
    Every configured credential value is registered for log redaction. Raises ConfigError for
    a bad setting, and for a journal the server cannot use (its state directory is a file or
    not writable, the journal damaged or no SQLite file): the server then does not start,
    rather than run tools whose operations nothing records (see `Journal`).
    """
    env = os.environ if environ is None else environ
    register_secrets(*(env.get(name) for name in CREDENTIAL_VARIABLES))
    try:
        operation_settings = OperationSettings.from_env(env)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    state_dir = operation_settings.state_dir
    with ExitStack() as stack:
        if sandbox:
            from ecs_dr.sandbox.world import WorldError

            config = SandboxConfig.from_env(env)
            try:
                embedded = stack.enter_context(
                    embedded_sandbox(
                        time_scale=config.time_scale,
                        port=config.port,
                        world=config.world,
                        region_id=env.get(ENV_REGION) or SANDBOX_REGION,
                        max_qps=config.max_qps,
                        max_concurrent_calls=config.max_concurrent_calls,
                        key_pair=_configured_key_pair(env),
                        security_token=env.get(ENV_SECURITY_TOKEN) or None,
                    )
                )
            except WorldError as exc:
                raise ConfigError(f"{ENV_SANDBOX_WORLD}={config.world}: {exc}") from None
            except OSError as exc:
                raise ConfigError(
                    f"the sandbox cannot listen on port {config.port}: {exc}"
                ) from None
            gateway, timing = embedded.gateway, embedded.timing
            if not env.get(ENV_STATE_DIR):
                state_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ecs-dr-")))
            log.info(
                "sandbox.started",
                endpoint=embedded.thread.endpoint,
                time_scale=config.time_scale,
                region=gateway.settings.region_id,
            )
        else:
            try:
                settings = CloudSettings.from_env(env)
            except ValidationError as exc:
                raise ConfigError(str(exc.errors()[0]["msg"])) from None
            timing = cloud_timing(env, settings)
            gateway = EcsGateway(settings, sleep=timing.sleep, clock=timing.clock)
        try:
            journal = Journal(state_dir / JOURNAL_FILE)
        except JournalError as exc:
            raise ConfigError(str(exc)) from None
        operations = Operations(journal, operation_settings.max_call_wait_s)
        account = AccountLookup(gateway, profile=profile_name(env))
        yield Services(gateway, journal, operations, timing, account)


def _configured_key_pair(env: Mapping[str, str]) -> tuple[str, str] | None:
    key_id, secret = env.get(ENV_ACCESS_KEY_ID), env.get(ENV_ACCESS_KEY_SECRET)
    return (key_id, secret) if key_id and secret else None
