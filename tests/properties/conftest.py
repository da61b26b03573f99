"""The bad-input properties' settings profile."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Repeatable in CI: the same examples every run, and none carried over from an earlier run.
settings.register_profile(
    "bad-input",
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
