"""Verification of ACS3-HMAC-SHA256 request signatures, written from Alibaba Cloud's documented
algorithm (canonical request, signed headers, hashed payload) rather than borrowed from the SDK,
so the sandbox and the SDK check each other.
"""

from __future__ import annotations

import calendar
import hashlib
import hmac
import time
from collections.abc import Mapping
from urllib.parse import quote

from ecs_dr.sandbox.errors import (
    IncompleteSignature,
    InvalidAccessKeyIdNotFound,
    SignatureDoesNotMatch,
    SignatureNonceUsed,
    TimestampExpired,
)

ALGORITHM = "ACS3-HMAC-SHA256"
# Headers a signature must cover, or a captured request could be replayed with another action.
REQUIRED_SIGNED_HEADERS = frozenset(
    {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce"}
)
MAX_CLOCK_SKEW_S = 15 * 60


def _encode(value: str) -> str:
    return quote(value, safe="~")


def canonical_query(query: Mapping[str, str]) -> str:
    return "&".join(f"{_encode(k)}={_encode(query[k])}" for k in sorted(query))


def parse_authorization(header: str) -> tuple[str, list[str], str]:
    """`ACS3-HMAC-SHA256 Credential=ID,SignedHeaders=a;b,Signature=hex` -> its three parts."""
    algorithm, _, rest = header.partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignature(
            f"Unsupported signature algorithm {algorithm!r}; use {ALGORITHM}."
        )
    fields: dict[str, str] = {}
    for part in rest.split(","):
        name, sep, value = part.strip().partition("=")
        if sep:
            fields[name] = value
    try:
        return fields["Credential"], fields["SignedHeaders"].split(";"), fields["Signature"]
    except KeyError as missing:
        raise IncompleteSignature(f"The Authorization header lacks {missing.args[0]}.") from None


def string_to_sign(
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    signed_headers: list[str],
    payload: bytes,
) -> str:
    canonical_headers = "".join(f"{h}:{headers.get(h, '').strip()}\n" for h in signed_headers)
    canonical_request = "\n".join(
        [
            method,
            path or "/",
            canonical_query(query),
            canonical_headers,
            ";".join(signed_headers),
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    return f"{ALGORITHM}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"


class SignatureVerifier:
    """Checks requests against the sandbox's own key pairs."""

    def __init__(self, key_pairs: Mapping[str, str]) -> None:
        self._secrets = dict(key_pairs)
        # nonce -> when seen; kept only as long as a timestamp stays acceptable
        self._nonces: dict[str, float] = {}

    def __repr__(self) -> str:
        return f"SignatureVerifier(keys={len(self._secrets)})"

    def verify(
        self,
        method: str,
        path: str,
        query: Mapping[str, str],
        headers: Mapping[str, str],
        payload: bytes,
    ) -> str:
        """Return the access key id of a correctly signed request; raise ECS's error if not."""
        authorization = headers.get("authorization")
        if not authorization:
            raise IncompleteSignature("The request has no Authorization header.")
        key_id, signed_headers, signature = parse_authorization(authorization)
        if list(signed_headers) != sorted(signed_headers):
            raise IncompleteSignature("SignedHeaders must be sorted and lower case.")
        missing = REQUIRED_SIGNED_HEADERS - set(signed_headers)
        if missing:
            raise IncompleteSignature(f"SignedHeaders must include {', '.join(sorted(missing))}.")
        secret = self._secrets.get(key_id)
        if secret is None:
            raise InvalidAccessKeyIdNotFound()
        if headers.get("x-acs-content-sha256") != hashlib.sha256(payload).hexdigest():
            raise SignatureDoesNotMatch("x-acs-content-sha256 does not match the request body.")
        expected = hmac.new(
            secret.encode(),
            string_to_sign(method, path, query, headers, signed_headers, payload).encode(),
            hashlib.sha256,
        ).hexdigest()
        if not hmac.compare_digest(expected, signature):
            raise SignatureDoesNotMatch()
        self._check_freshness(headers)
        return key_id

    def _check_freshness(self, headers: Mapping[str, str]) -> None:
        date = headers.get("x-acs-date", "")
        try:
            sent = calendar.timegm(time.strptime(date, "%Y-%m-%dT%H:%M:%SZ"))
        except ValueError:
            raise IncompleteSignature(f"x-acs-date {date!r} is not an ISO 8601 UTC time.") from None
        if abs(time.time() - sent) > MAX_CLOCK_SKEW_S:
            raise TimestampExpired()
        nonce = headers.get("x-acs-signature-nonce", "")
        if nonce in self._nonces:
            raise SignatureNonceUsed()
        now = time.time()
        self._nonces[nonce] = now
        while self._nonces:
            oldest, seen = next(iter(self._nonces.items()))
            if now - seen <= 2 * MAX_CLOCK_SKEW_S:
                break
            del self._nonces[oldest]
