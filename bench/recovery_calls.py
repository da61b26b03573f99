"""API calls per recovery, from the sandbox's requests log: the product's and the runbook's,
and the targets of issue 19.2 (polls batched: Scenario A with 3 disks in at most 40 calls,
Scenario B with 8 disks in no more than the runbook's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bench.report import Section, Target

if TYPE_CHECKING:
    from bench.recovery_figures import Run, Series

A_CALLS_DISKS = 3
A_CALLS_LIMIT = 40


def actions(run: Run) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in run.requests:
        counts[record["action"]] = counts.get(record["action"], 0) + 1
    return dict(sorted(counts.items()))


def _calls(run: Run) -> float:
    return len(run.requests)


def _mutating(run: Run) -> float:
    return run.mutating


def _polling(run: Run) -> float:
    return run.polling


def _calls_row(name: str, series: Series) -> list[str | int | float]:
    return [
        name,
        round(series.median(_calls)),
        round(series.median(_mutating)),
        round(series.median(_polling)),
    ]


def _calls_figures(series: Series) -> dict[str, Any]:
    return {
        "total": series.median(_calls),
        "mutating": series.median(_mutating),
        "polling": series.median(_polling),
        "actions_first_run": actions(series.runs[0]),
    }


def calls_section(
    a: dict[int, Series], base: dict[int, Series], b: dict[int, Series], runbook_b_disks: int
) -> Section:
    """The calls of each recovery by disk count (`a`, `b` the product's, `base` the runbook's:
    Scenario A by disk count, Scenario B under `-runbook_b_disks`)."""
    call_rows: list[list[str | int | float]] = []
    call_figures: dict[str, Any] = {}
    for n in a:
        for name, series in (("product", a[n]), ("runbook", base[n])):
            call_rows.append(_calls_row(f"A, {n} disks, {name}", series))
            call_figures[f"a_{n}_{name}"] = _calls_figures(series)
    for n in b:
        call_rows.append(_calls_row(f"B, {n} disks, product", b[n]))
        call_figures[f"b_{n}_product"] = _calls_figures(b[n])
    runbook_b = base[-runbook_b_disks]
    call_rows.append(_calls_row(f"B, {runbook_b_disks} disks, runbook", runbook_b))
    call_figures[f"b_{runbook_b_disks}_runbook"] = _calls_figures(runbook_b)
    return Section(
        key="recovery_api_calls",
        title="API calls per recovery (sandbox requests log)",
        headers=["recovery", "calls", "mutating", "polling (Describe*/List*)"],
        rows=call_rows,
        figures=call_figures,
        targets=[
            Target(
                f"API calls, Scenario A {A_CALLS_DISKS} disks",
                a[A_CALLS_DISKS].median(_calls),
                A_CALLS_LIMIT,
                "calls",
            ),
            Target(
                f"API calls, Scenario B {runbook_b_disks} disks (limit: the runbook's)",
                b[runbook_b_disks].median(_calls),
                runbook_b.median(_calls),
                "calls",
            ),
        ],
        notes=[
            "every request the sandbox served between its reset and the recovery's end, "
            "planning reads included; tagging (TagResources) counts as mutating; medians"
        ],
    )
