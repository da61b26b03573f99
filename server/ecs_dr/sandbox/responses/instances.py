"""instances actions."""
