"""`python -m ecs_dr.references --write DIR` writes the generated pages; `--check DIR` says which
differ from what the code generates now (exit status 1)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ecs_dr.references import PAGES, REGENERATE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecs_dr.references", description=__doc__)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", metavar="DIR", type=Path, help="write every page into DIR")
    mode.add_argument("--check", metavar="DIR", type=Path, help="compare DIR's pages")
    args = parser.parse_args(argv)
    stale: list[str] = []
    for name, render in PAGES.items():
        text = render()
        if args.write is not None:
            args.write.mkdir(parents=True, exist_ok=True)
            (args.write / name).write_text(text, encoding="utf-8")
            print(f"wrote {args.write / name}")
        else:
            path = args.check / name
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
    if stale:
        print(f"out of date: {', '.join(stale)}; run `{REGENERATE}`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
