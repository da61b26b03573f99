"""Log lines never carry a credential: redaction is a processor, not luck. It knows the values
this process was configured with, and it runs last, after exceptions are formatted, for
structlog's lines and the standard library's alike."""

from __future__ import annotations

import io
import json
import logging
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from ecs_dr.logs import (
    REDACTED,
    configure_logging,
    forget_secrets,
    redact_secrets,
    register_secrets,
    route_stdlib_logging,
)

SECRET = "kF9dQ2mXv7LpR4tZs8WnB3yHc6JgAe"
STS_TOKEN = "CAIS9gF1q6Ft5B2yfSjIr5bMGM/2n7tU0Ky6Qk3QtWQsTu1li/3FlTz2IHhMfXRuB+0Ysvg=="
KEY_ID = "LTAI5tR8pW2nK7vX4qZ9mB3c"


@pytest.fixture
def configured() -> Iterator[None]:
    """The process was configured with SECRET and STS_TOKEN (and forgets them afterwards)."""
    register_secrets(SECRET, STS_TOKEN)
    yield
    forget_secrets()


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    """The product's log configuration writing to a buffer, the standard library's loggers
    routed through it; the previous configuration comes back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    route_stdlib_logging("DEBUG", stream)
    yield stream
    root.handlers, root.level = handlers, level
    logging.captureWarnings(False)
    structlog.reset_defaults()


def only_line(stream: io.StringIO) -> dict[str, Any]:
    (line,) = stream.getvalue().splitlines()
    return dict(json.loads(line))


def test_values_under_secret_looking_keys_are_redacted() -> None:
    event = redact_secrets(
        None,
        "info",
        {"event": "call", "access_key_secret": "s3cr3t", "Authorization": "ACS3 ...", "n": 1},
    )
    assert event == {
        "event": "call",
        "access_key_secret": REDACTED,
        "Authorization": REDACTED,
        "n": 1,
    }


def test_access_key_ids_inside_free_text_are_redacted() -> None:
    event = redact_secrets(None, "info", {"event": "failed for LTAI5tAbCdEfGhIjKlMn today"})
    assert event["event"] == f"failed for {REDACTED} today"


@pytest.mark.usefixtures("configured")
def test_a_configured_secret_is_redacted_wherever_it_appears_in_text() -> None:
    event = redact_secrets(None, "info", {"event": f"signed with{SECRET}!", "note": SECRET})
    assert event == {"event": f"signed with{REDACTED}!", "note": REDACTED}


@pytest.mark.usefixtures("configured")
def test_configured_values_and_secret_keys_are_redacted_in_nested_dicts_and_lists() -> None:
    event = redact_secrets(
        None,
        "info",
        {
            "event": "request",
            "request": {
                "headers": {"x-acs-security-token": "anything", "host": "ecs"},
                "query": [f"Token={STS_TOKEN}", ("id", KEY_ID)],
            },
        },
    )
    assert event["request"] == {
        "headers": {"x-acs-security-token": REDACTED, "host": "ecs"},
        "query": [f"Token={REDACTED}", ["id", REDACTED]],
    }


@pytest.mark.usefixtures("configured")
def test_an_object_whose_repr_holds_a_configured_value_is_logged_redacted() -> None:
    class Credential:
        def __repr__(self) -> str:
            return f"Credential(secret={SECRET})"

    event = redact_secrets(None, "info", {"event": "resolved", "credential": Credential()})
    assert event["credential"] == f"Credential(secret={REDACTED})"


def test_values_too_short_to_be_credentials_are_not_registered() -> None:
    register_secrets("id", "", None)
    try:
        event = redact_secrets(None, "info", {"event": "valid id"})
    finally:
        forget_secrets()
    assert event["event"] == "valid id"


@pytest.mark.usefixtures("configured")
def test_exception_text_is_redacted_after_the_traceback_is_formatted(
    log_stream: io.StringIO,
) -> None:
    try:
        raise RuntimeError(f"the SDK said: bad secret {SECRET} for {KEY_ID}")
    except RuntimeError:
        structlog.get_logger("test").exception("call.failed")
    line = only_line(log_stream)
    assert "RuntimeError" in line["exception"]
    assert SECRET not in line["exception"] and KEY_ID not in line["exception"]
    assert REDACTED in line["exception"]


@pytest.mark.usefixtures("configured")
def test_standard_library_loggers_are_redacted_in_message_exception_and_stack(
    log_stream: io.StringIO,
) -> None:
    logger = logging.getLogger("some.library")
    try:
        raise ValueError(f"token {STS_TOKEN}")
    except ValueError:
        logger.exception("request with %s failed", STS_TOKEN, stack_info=True)
    output = log_stream.getvalue()
    line = only_line(log_stream)
    assert line["event"] == f"request with {REDACTED} failed"
    assert "ValueError" in line["exception"] and "stack_info" in line
    assert STS_TOKEN not in output


@pytest.mark.usefixtures("configured")
def test_a_warning_goes_through_the_redacting_log_not_raw_onto_stderr(
    log_stream: io.StringIO,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn(f"deprecated: pass {SECRET} differently", UserWarning, stacklevel=1)
    line = only_line(log_stream)
    assert line["logger"] == "py.warnings"
    assert f"deprecated: pass {REDACTED} differently" in line["event"]
