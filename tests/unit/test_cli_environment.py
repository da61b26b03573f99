"""How `serve` options come from the command line, the environment and the defaults."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from ecs_dr.bootstrap import ENV_HTTP_TOKEN
from ecs_dr.cli import DEFAULT_HTTP_PORT, SERVE_ENV, apply_environment, build_parser


def serve_options(argv: list[str], environ: dict[str, str]) -> argparse.Namespace:
    args = build_parser().parse_args(["serve", *argv])
    apply_environment(args, environ)
    return args


def test_without_flags_or_variables_the_defaults_apply() -> None:
    args = serve_options([], {})

    assert (args.transport, args.host, args.port) == ("stdio", "127.0.0.1", DEFAULT_HTTP_PORT)
    assert (args.sandbox, args.read_only, args.log_level) == (False, False, "INFO")


def test_a_variable_replaces_the_default() -> None:
    args = serve_options(
        [],
        {
            "ECS_DR_TRANSPORT": "streamable-http",
            "ECS_DR_HOST": "0.0.0.0",
            "ECS_DR_PORT": "9000",
            "ECS_DR_SANDBOX": "yes",
            "ECS_DR_READ_ONLY": "TRUE",
            "ECS_DR_LOG_LEVEL": "debug",
        },
    )

    assert (args.transport, args.host, args.port) == ("streamable-http", "0.0.0.0", 9000)
    assert (args.sandbox, args.read_only, args.log_level) == (True, True, "DEBUG")


def test_a_flag_wins_over_its_variable() -> None:
    args = serve_options(
        ["--transport", "stdio", "--port", "8001", "--read-only", "--log-level", "ERROR"],
        {
            "ECS_DR_TRANSPORT": "streamable-http",
            "ECS_DR_PORT": "9000",
            "ECS_DR_READ_ONLY": "false",
            "ECS_DR_LOG_LEVEL": "DEBUG",
        },
    )

    assert (args.transport, args.port, args.read_only, args.log_level) == (
        "stdio",
        8001,
        True,
        "ERROR",
    )


def test_a_false_switch_variable_leaves_the_mode_off() -> None:
    args = serve_options([], {"ECS_DR_READ_ONLY": "off", "ECS_DR_SANDBOX": "0"})

    assert (args.read_only, args.sandbox) == (False, False)


def test_a_blank_variable_counts_as_unset() -> None:
    args = serve_options([], {"ECS_DR_PORT": "", "ECS_DR_HOST": "  ", "ECS_DR_LOG_LEVEL": " "})

    assert (args.host, args.port, args.log_level) == ("127.0.0.1", DEFAULT_HTTP_PORT, "INFO")


def test_a_bad_variable_is_refused_even_when_others_are_good() -> None:
    with pytest.raises(ValueError, match=r"^ECS_DR_PORT='-1' is refused: valid is a port"):
        serve_options([], {"ECS_DR_TRANSPORT": "stdio", "ECS_DR_PORT": "-1"})


def test_a_bad_variable_its_flag_overrides_is_not_read() -> None:
    args = serve_options(["--port", "8001"], {"ECS_DR_PORT": "eighty"})

    assert args.port == 8001


def configuration_rows() -> list[list[str]]:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return [
        [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in section.splitlines()
        if line.startswith("| `")
    ]


def test_the_readme_configuration_table_lists_every_variable_the_server_reads() -> None:
    source = "\n".join(
        p.read_text()
        for p in (Path(__file__).parents[2] / "server" / "ecs_dr").rglob("*.py")
        if "sandbox" not in p.parts
    )
    read = set(re.findall(r"\b(?:ECS_DR|ALIBABA_CLOUD)_[A-Z_]*[A-Z]\b", source))
    listed = " ".join(row[0] + " " + row[2] for row in configuration_rows())

    assert read, "no variable found in the source"
    assert sorted(name for name in read if f"`{name}`" not in listed) == []


def test_the_readme_table_names_each_flag_beside_its_variable() -> None:
    flags = {flag.variable: flag.dest.replace("_", "-") for flag in SERVE_ENV}
    rows = configuration_rows()

    for variable, flag in flags.items():
        (row,) = [r for r in rows if f"`{variable}`" in r[0]]
        assert f"--{flag}" in row[1], (variable, row)


def test_the_serve_help_names_every_variable_and_the_http_token(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The help is built without importing the server, so it spells the token's name: this
    keeps it the one bootstrap reads."""
    with pytest.raises(SystemExit):
        build_parser().parse_args(["serve", "--help"])
    serve_help = " ".join(capsys.readouterr().out.split())

    assert ENV_HTTP_TOKEN in serve_help
    assert all(flag.variable in serve_help for flag in SERVE_ENV)
