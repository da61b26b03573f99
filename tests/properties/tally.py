"""How many bad calls each tool was given in this run, for the terminal summary."""

from __future__ import annotations

from collections import Counter

TRIED: Counter[str] = Counter()
