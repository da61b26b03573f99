"""The user agent every ECS call carries, so the calls of one server process can be traced."""

from __future__ import annotations

import uuid

# Made once per process: every call of this server run shares it.
SESSION_ID = uuid.uuid4().hex
USER_AGENT = f"AlibabaCloud-Agent-Skills/alibabacloud-ecs-disaster-recovery-snapshot/{SESSION_ID}"


def session_id() -> str:
    """32 lowercase hex characters identifying this server process."""
    return SESSION_ID
