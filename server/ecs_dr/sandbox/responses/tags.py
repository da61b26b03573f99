"""tags actions."""
