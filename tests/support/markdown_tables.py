"""Markdown tables read back as a renderer reads them, to check that any text in any cell
keeps a table's shape and reads back as itself."""

from __future__ import annotations

import re

_ESCAPED = re.compile(r"\\[!-/:-@\[-`{-~]")


def cells(line: str) -> list[str]:
    """One row's cells as GitHub-flavoured markdown splits them: a backslash escapes the next
    character, any other pipe ends a cell; each cell trimmed of spaces."""
    assert line.startswith("|") and line.endswith("|"), line
    found: list[str] = []
    cell, at = "", 1
    while at < len(line) - 1:
        char = line[at]
        if char == "\\":
            cell, at = cell + line[at : at + 2], at + 2
        elif char == "|":
            found.append(cell)
            cell, at = "", at + 1
        else:
            cell, at = cell + char, at + 1
    return [c.strip(" ") for c in [*found, cell]]


def unescape(cell: str) -> str:
    """A cell's text as a renderer shows it: backslash-escaped punctuation stands for itself."""
    return _ESCAPED.sub(lambda m: m.group(0)[1], cell)


def parse_table(markdown: str) -> tuple[list[str], list[list[str]]]:
    """The headers and the rows (raw cells) of a table; fails unless every row has a cell per
    header under a delimiter row."""
    header, delimiter, *rows = markdown.split("\n")
    headers = cells(header)
    assert cells(delimiter) == ["---"] * len(headers), delimiter
    parsed = [cells(row) for row in rows]
    assert all(len(row) == len(headers) for row in parsed), (headers, parsed)
    return headers, parsed


def unescaped_markup(cell: str) -> str:
    """What is left of a raw cell once its escaped characters are gone: any markdown special
    here would render."""
    left = _ESCAPED.sub("", cell)
    return "".join(c for c in left if c in "\\|`*_[]<>&~")


def tables_in(text: str) -> list[str]:
    """Every markdown table of a text (its blocks of lines that start with a pipe)."""
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.startswith("|"):
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return ["\n".join(block) for block in blocks if block]


def table_headed(text: str, first_header: str) -> str:
    """The one table of a text whose first column is `first_header`."""
    (table,) = [t for t in tables_in(text) if cells(t.split("\n", 1)[0])[0] == first_header]
    return table
