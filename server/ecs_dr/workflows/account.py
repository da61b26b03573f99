"""The account the server acts in, for `describe_account` and every confirmation of a change.

The credential chain is the process's, so STS is asked once per process. A failure (no network
to STS, STS refusing) is not an error of the caller's: the answer says what is known, the
account unknown and why, and STS is asked again after a while rather than on every prompt. A
credential STS rejects (AuthenticationFailed) is the one exception: every call of a change
would be rejected too, so a confirmation is not asked with it (`refused`)."""

from __future__ import annotations

import time
from collections.abc import Callable

import anyio

from ecs_dr.cloud.errors import AuthenticationFailed, CloudError
from ecs_dr.cloud.gateway import EcsGateway
from ecs_dr.cloud.sts import caller_identity
from ecs_dr.domain.account import Account, CallerIdentity, credential_of

# After a failed STS call, how long the account stays unknown before STS is asked again.
RETRY_AFTER_FAILURE_S = 60.0


class AccountLookup:
    """The account and credential the gateway signs with. `profile` is the ~/.aliyun/config.json
    profile the chain would read (named only when it did)."""

    def __init__(
        self,
        gateway: EcsGateway,
        *,
        profile: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._gateway = gateway
        self._profile = profile
        self._clock = clock
        self._identity: CallerIdentity | None = None
        self._failure: tuple[float, str] | None = None
        self.refused: AuthenticationFailed | None = None
        """STS's rejection of the credential, when its last answer was one."""
        self._lock = anyio.Lock()

    async def account(self) -> Account:
        """STS's answer, asked once (a failure again after RETRY_AFTER_FAILURE_S), and the
        credential that signed it."""
        async with self._lock:
            if self._identity is None and not self._failed_lately():
                try:
                    self._identity = await caller_identity(self._gateway)
                    self._failure, self.refused = None, None
                except CloudError as exc:
                    self._failure = (self._clock(), str(exc))
                    self.refused = exc if isinstance(exc, AuthenticationFailed) else None
        resolved = self._gateway.resolved_credential
        credential = (
            credential_of(resolved.provider_name, resolved.temporary, self._profile)
            if resolved is not None
            else None
        )
        return Account(
            identity=self._identity,
            credential=credential,
            unknown_because=None if self._identity or not self._failure else self._failure[1],
        )

    def _failed_lately(self) -> bool:
        return (
            self._failure is not None and self._clock() - self._failure[0] < RETRY_AFTER_FAILURE_S
        )
