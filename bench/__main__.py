"""`python -m bench [--quick] [--only KEY ...]`: run the benchmarks, write bench/results/."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from bench import points, progress, recovery, report, scaling, service, sizes, startup

RESULTS = Path(__file__).parent / "results"
MODULES: dict[str, Callable[[bool], list[report.Section]]] = {
    "recovery": recovery.run,
    "points": points.run,
    "service": service.run,
    "sizes": sizes.run,
    "start": startup.run,
    "scaling": scaling.run,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, a smoke run")
    parser.add_argument("--only", nargs="*", choices=sorted(MODULES), help="run only these")
    args = parser.parse_args(argv)
    sections: list[report.Section] = []
    for name, run in MODULES.items():
        if not args.only or name in args.only:
            with progress.stage(name):
                sections += run(args.quick)
    print(report.write(sections, RESULTS, quick=args.quick))
    targets = [t for s in sections for t in s.targets]
    progress.note(report.targets_met(targets))
    return 0 if all(t.met for t in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
