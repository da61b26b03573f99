"""Assertions shared by the conformance tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException


def ecs_error(call: Callable[[], Any]) -> tuple[str, int]:
    """Run an SDK call expected to fail; return ECS's (code, http status)."""
    with pytest.raises((ClientException, ServerException)) as info:
        call()
    return str(info.value.code), int(info.value.status_code)


def round_trips(response: Any) -> dict[str, Any]:
    """The body the SDK parsed must map back to itself: no field ECS sent was lost.

    `from_map(body).to_map()` equals the body when every key the sandbox sent is one the SDK
    model knows, with the type it expects.
    """
    body = response.body.to_map()
    model = type(response.body)()
    assert model.from_map(body).to_map() == body
    return dict(body)
