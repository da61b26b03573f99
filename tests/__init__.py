"""The test suite. Imported before any conftest, so the settings here hold before any SDK
module is imported."""

import os

# No test may reach the ECS metadata service (100.100.100.200 is not loopback): the default
# credential chain would try it when a test forgets its credentials. alibabacloud_credentials
# reads this once, when it is first imported: hence here, before tests/conftest.py's imports.
os.environ.setdefault("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
