"""Log lines never carry a credential: redaction is a processor, not luck."""

from __future__ import annotations

from ecs_dr.logs import REDACTED, redact_secrets


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
