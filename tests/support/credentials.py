"""The credentials every test server signs with, shaped like real ones so that neither a
redaction by shape nor one by value is spared: `LTAI5t` and 18 alphanumerics, a 30-character
secret, and an STS token (sent with every request; the sandbox ignores it).
"""

from __future__ import annotations

from collections.abc import Mapping

from ecs_dr.bootstrap import CREDENTIAL_VARIABLES, ENV_HTTP_TOKEN
from ecs_dr.logs import MIN_SECRET_LENGTH

SANDBOX_KEY_ID = "LTAI5tfCIT5F0UzyHbUUjDyL"
SANDBOX_KEY_SECRET = "SRKnzlx5toEjCFsyQHtX25lqS6WCpL"
SANDBOX_SECURITY_TOKEN = (
    "CAIS8QF1q6Ft5B2yfSjIr5bMGM/2n7tU0Ky6Qk3QtWQsTu1li/3FlTz2IHhMfXRuB+0Ysvg/lW5T6fkdlrp6"
    "SJtIRkvLYMh6w7A9rEWrrF2hs3M5Bn6dGoAHRaPF2RL4XIAGz0kbqF5JYwwrSmHF8yqrBiaHVX1mGJRCvAKl2A=="
)
SANDBOX_CREDENTIALS = {
    "ALIBABA_CLOUD_ACCESS_KEY_ID": SANDBOX_KEY_ID,
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SANDBOX_KEY_SECRET,
    "ALIBABA_CLOUD_SECURITY_TOKEN": SANDBOX_SECURITY_TOKEN,
}


def credentials_of(environment: Mapping[str, str]) -> dict[str, str]:
    """The credential values a server was started with (and the sandbox's own), by name."""
    named = {f"the sandbox's {name}": value for name, value in SANDBOX_CREDENTIALS.items()}
    for name in (*CREDENTIAL_VARIABLES, ENV_HTTP_TOKEN):
        value = environment.get(name, "")
        if len(value) >= MIN_SECRET_LENGTH and value not in named.values():
            named[f"the configured {name}"] = value
    return named
