"""snapshots actions."""
