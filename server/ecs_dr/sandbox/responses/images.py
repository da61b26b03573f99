"""images actions."""
