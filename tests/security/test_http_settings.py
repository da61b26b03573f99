"""Who may reach the HTTP endpoint, as the operator configures it: the Host values allowed
besides loopback's, and a bearer token long enough not to guess."""

from __future__ import annotations

import pytest

from ecs_dr.bootstrap import ConfigError, HttpSettings
from ecs_dr.http_transport import allowed_hosts


def test_allowed_hosts_are_comma_separated_host_header_values() -> None:
    env = {"ECS_DR_HTTP_ALLOWED_HOSTS": " dr.example.test:8443, 10.0.0.5:*,,"}
    assert HttpSettings.from_env(env).allowed_hosts == ("dr.example.test:8443", "10.0.0.5:*")


@pytest.mark.parametrize("value", ["http://dr.example.test:8000", "dr.example.test:8000/mcp"])
def test_an_allowed_host_that_is_no_host_header_value_is_refused_naming_the_variable(
    value: str,
) -> None:
    with pytest.raises(ConfigError, match="ECS_DR_HTTP_ALLOWED_HOSTS"):
        HttpSettings.from_env({"ECS_DR_HTTP_ALLOWED_HOSTS": value})


def test_a_short_token_is_refused_naming_the_variable_without_showing_it() -> None:
    with pytest.raises(ConfigError, match="ECS_DR_HTTP_TOKEN") as caught:
        HttpSettings.from_env({"ECS_DR_HTTP_TOKEN": "guessable"})
    assert "guessable" not in str(caught.value)


def test_the_token_is_kept_out_of_the_settings_repr() -> None:
    settings = HttpSettings.from_env({"ECS_DR_HTTP_TOKEN": "tN4vQ8xK2mR7pL9sW3bZ6cY1"})
    assert "tN4vQ8xK2mR7pL9sW3bZ6cY1" not in repr(settings)


@pytest.mark.parametrize(
    ("host", "extra"),
    [("127.0.0.1", []), ("0.0.0.0", []), ("::", []), ("::1", []), ("10.0.0.5", ["10.0.0.5:8000"])],
)
def test_loopback_names_at_the_bound_port_and_the_bound_address_are_allowed(
    host: str, extra: list[str]
) -> None:
    loopback = ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"]
    assert allowed_hosts(host, 8000, ["dr.example.test:*"]) == [
        *loopback,
        *extra,
        "dr.example.test:*",
    ]
