"""What a benchmark module returns, and how a run is written: `bench/results/latest.json`
(every figure, machine-readable) and `bench/results/latest.md` (a table per section and
one of the targets)."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tabulate import tabulate


@dataclass
class Target:
    """A figure against the limit the issue sets for it."""

    name: str
    measured: float
    limit: float
    unit: str
    higher_is_better: bool = False

    @property
    def met(self) -> bool:
        return self.measured >= self.limit if self.higher_is_better else self.measured <= self.limit


@dataclass
class Section:
    """One benchmark's results: a table for the reader, the raw figures for the JSON."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[str | int | float]]
    figures: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _limit(target: Target) -> str:
    sign = ">=" if target.higher_is_better else "<="
    return f"{sign} {_number(target.limit)} {target.unit}".rstrip()


def _number(value: float) -> str:
    """A whole count in full (58,495, not 5.85e+04); any other value to three digits."""
    return f"{value:,.0f}" if value == int(value) and abs(value) >= 1000 else f"{value:.3g}"


def targets_met(targets: list[Target]) -> str:
    """How many targets the run met, and which it did not."""
    missed = [t.name for t in targets if not t.met]
    line = f"targets met: {len(targets) - len(missed)} of {len(targets)}"
    return line + (f"; not met: {', '.join(missed)}" if missed else "")


def markdown(sections: list[Section], *, quick: bool) -> str:
    """The run as markdown: each section's table and notes, then every target."""
    parts = [f"# Benchmarks ({'quick' if quick else 'full'} run)"]
    for section in sections:
        parts.append(f"## {section.title}")
        parts.append(tabulate(section.rows, headers=section.headers, tablefmt="github"))
        parts += [f"- {note}" for note in section.notes]
    targets = [(s.title, t) for s in sections for t in s.targets]
    if targets:
        parts.append("## Targets")
        rows = [
            [
                title,
                t.name,
                f"{_number(t.measured)} {t.unit}".rstrip(),
                _limit(t),
                "yes" if t.met else "NO",
            ]
            for title, t in targets
        ]
        parts.append(
            tabulate(
                rows, headers=["section", "target", "measured", "limit", "met"], tablefmt="github"
            )
        )
        parts.append(targets_met([t for _, t in targets]))
    return "\n\n".join(parts) + "\n"


def write(sections: list[Section], directory: Path, *, quick: bool) -> str:
    """Write latest.json and latest.md into `directory`; returns the markdown."""
    directory.mkdir(parents=True, exist_ok=True)
    document = {
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": quick,
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
        "sections": [
            {**asdict(s), "targets": [{**asdict(t), "met": t.met} for t in s.targets]}
            for s in sections
        ],
    }
    (directory / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    text = markdown(sections, quick=quick)
    (directory / "latest.md").write_text(text)
    return text
