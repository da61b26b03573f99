"""Declared state progressions: a resource lists its timed stages and where it ends.

Status is derived from the clock when read, so nothing runs in the background and a virtual
clock drives every transition in tests. A fault can change where a progression ends
(image `CreateFailed`, instance stuck in `Pending`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Lifecycle:
    started_at: float
    final: str
    stages: list[tuple[str, float]] = field(default_factory=list)
    held: tuple[str, list[tuple[str, float]]] | None = None
    """A fault holds the progression at a transitional status (an instance stuck in
    `Pending`): where it goes once the faults are cleared (its own final status, and the
    stages from the held one on)."""
    held_progress: int | None = None
    """The percent a progression held midway had reached (an upload a zone outage stopped)."""

    def released(self, now: float) -> Lifecycle:
        """The progression going on from `now`, as ECS does once its fault is fixed."""
        if self.held is None:
            return self
        final, stages = self.held
        return Lifecycle(started_at=now, final=final, stages=list(stages))

    def held_at(self, now: float) -> Lifecycle:
        """The progression stopped where it is at `now` until the faults are cleared, then
        going on with the time it had left (an upload whose zone went down)."""
        if self.held is not None or self.done(now):
            return self
        left: list[tuple[str, float]] = []
        elapsed = now - self.started_at
        for status, duration in self.stages:
            if elapsed < duration:
                left.append((status, duration - max(elapsed, 0.0)))
            elapsed -= duration
        return Lifecycle(
            started_at=now,
            final=left[0][0],
            held=(self.final, left),
            held_progress=self.progress(now),
        )

    @classmethod
    def fixed(cls, status: str, at: float = 0.0) -> Lifecycle:
        return cls(started_at=at, final=status)

    @property
    def total_duration(self) -> float:
        return sum(duration for _, duration in self.stages)

    @property
    def finishes_at(self) -> float:
        return self.started_at + self.total_duration

    def status(self, now: float) -> str:
        elapsed = now - self.started_at
        for status, duration in self.stages:
            if elapsed < duration:
                return status
            elapsed -= duration
        return self.final

    def done(self, now: float) -> bool:
        return now >= self.finishes_at

    def progress(self, now: float) -> int:
        """Percent complete, 100 once the last stage is over."""
        if self.held_progress is not None:
            return self.held_progress
        total = self.total_duration
        if total <= 0 or now >= self.finishes_at:
            return 100
        return max(0, min(99, int(100 * (now - self.started_at) / total)))
