"""Assertions shared by the workflow tests."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def expect(result: object, kind: type[T]) -> T:
    """The workflow answered with `kind` (a plan, open decisions, a cancellation)."""
    assert isinstance(result, kind), f"expected {kind.__name__}, got {result!r}"
    return result
