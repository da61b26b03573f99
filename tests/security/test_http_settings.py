"""Who may reach the HTTP endpoint, as the operator configures it: the Host values allowed
besides loopback's, a bearer token long enough not to guess, and what slow clients may cost
it: timeouts, and a connection cap the process's descriptors can carry."""

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


def test_slow_clients_are_bounded_by_default_within_the_open_file_limit() -> None:
    roomy = HttpSettings.from_env({}, open_file_limit=65536)
    assert (roomy.header_timeout_s, roomy.keep_alive_timeout_s) == (10, 5)
    assert roomy.max_connections == 1000
    # ulimit -n 1024: 64 descriptors kept for the server itself, a third of the rest for the
    # connections held, beside the newcomers accepted at once before those over the cap are
    # turned away, and those turned away whose descriptors are not released yet.
    assert HttpSettings.from_env({}, open_file_limit=1024).max_connections == 320


def test_the_limits_are_taken_from_the_environment() -> None:
    env = {
        "ECS_DR_HTTP_HEADER_TIMEOUT_S": "3",
        "ECS_DR_HTTP_KEEP_ALIVE_TIMEOUT_S": "20",
        "ECS_DR_HTTP_MAX_CONNECTIONS": "100",
    }
    settings = HttpSettings.from_env(env, open_file_limit=1024)
    assert (settings.header_timeout_s, settings.keep_alive_timeout_s) == (3, 20)
    assert settings.max_connections == 100


@pytest.mark.parametrize(
    "name",
    [
        "ECS_DR_HTTP_HEADER_TIMEOUT_S",
        "ECS_DR_HTTP_KEEP_ALIVE_TIMEOUT_S",
        "ECS_DR_HTTP_MAX_CONNECTIONS",
    ],
)
@pytest.mark.parametrize("value", ["0", "-5", "ten", "2.5"])
def test_a_limit_that_is_no_positive_whole_number_is_refused_naming_the_variable(
    name: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        HttpSettings.from_env({name: value}, open_file_limit=1024)


def test_a_connection_cap_beyond_the_open_file_limit_is_refused_saying_what_fits() -> None:
    with pytest.raises(ConfigError, match=r"ECS_DR_HTTP_MAX_CONNECTIONS.*\(1024.*at most 320"):
        HttpSettings.from_env({"ECS_DR_HTTP_MAX_CONNECTIONS": "321"}, open_file_limit=1024)


def test_an_open_file_limit_with_no_room_for_clients_is_refused() -> None:
    with pytest.raises(ConfigError, match="open-file limit"):
        HttpSettings.from_env({}, open_file_limit=64)
